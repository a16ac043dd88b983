import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { Entity } from '@backstage/catalog-model';
import { securityPostureApiRef } from '../../api';
import {
  createSecurityPostureQueryClient,
  SecurityPostureQueryProvider,
} from '../../queryClient';
import {
  createMockSecurityPostureApi,
  makeEntityDetails,
  makeFinding,
  makeScan,
} from '../../testUtils';
import { EntitySecurityContent } from './EntitySecurityContent';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout-api', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/payments-checkout' },
};

async function renderContent(
  api: ReturnType<typeof createMockSecurityPostureApi>,
) {
  return renderInTestApp(
    <TestApiProvider apis={[[securityPostureApiRef, api]]}>
      <SecurityPostureQueryProvider
        client={createSecurityPostureQueryClient({ retry: false })}
      >
        <EntityProvider entity={entity}>
          <EntitySecurityContent />
        </EntityProvider>
      </SecurityPostureQueryProvider>
    </TestApiProvider>,
  );
}

describe('EntitySecurityContent', () => {
  const createObjectURL = jest.fn(() => 'blob:csv');
  const revokeObjectURL = jest.fn();

  beforeEach(() => {
    Object.assign(window.URL, { createObjectURL, revokeObjectURL });
    createObjectURL.mockClear();
  });

  it('lists finding details with masked evidence and remediation', async () => {
    const api = createMockSecurityPostureApi();
    api.getEntityFindings.mockResolvedValue(
      makeEntityDetails([
        makeFinding(),
        makeFinding({
          fingerprint: 'fp-2',
          severity: 'low',
          title: 'No owner contact',
          location: 'spec.owner',
          evidence: {},
          remediation: 'Add a contact to the owning group.',
          docsUrl: 'https://example.com/docs/owner',
        }),
      ]),
    );

    await renderContent(api);

    const details = await screen.findByTestId('entity-security-details');
    expect(api.getEntityFindings).toHaveBeenCalledWith(
      'component:default/checkout-api',
    );
    expect(
      screen.queryByTestId('entity-security-counts'),
    ).not.toBeInTheDocument();

    const first = within(details).getByTestId('entity-finding-fp-1');
    expect(first).toHaveTextContent('High');
    expect(first).toHaveTextContent('Secret in entity annotation');
    expect(first).toHaveTextContent('metadata.annotations.payments.io/api-key');
    expect(within(first).getByText('secretMask')).toBeInTheDocument();
    expect(within(first).getByText('sk_l…9f2a')).toBeInTheDocument();
    expect(first).toHaveTextContent(
      'Remediation: Move the secret to a secret store and reference it.',
    );

    const second = within(details).getByTestId('entity-finding-fp-2');
    expect(second).toHaveTextContent('Low');
    expect(second).toHaveTextContent('spec.owner');
    expect(
      within(second).getByRole('link', { name: /Learn more/ }),
    ).toHaveAttribute('href', 'https://example.com/docs/owner');
    expect(details).toHaveTextContent(
      'Last scan: Succeeded · 2026-11-29 08:00 UTC',
    );
  });

  it('downloads the entity CSV with the user credentials', async () => {
    const api = createMockSecurityPostureApi();
    api.getEntityFindings.mockResolvedValue(makeEntityDetails([makeFinding()]));
    const blob = new Blob(['fingerprint,severity\nfp-1,high\n'], {
      type: 'text/csv',
    });
    api.downloadEntityFindingsCsv.mockResolvedValue({
      blob,
      filename: 'security-posture-component_default_checkout-api.csv',
    });
    const clicked: string[] = [];
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        clicked.push(this.download);
      });

    await renderContent(api);
    await userEvent.click(
      await screen.findByTestId('entity-security-download-csv'),
    );

    await waitFor(() =>
      expect(api.downloadEntityFindingsCsv).toHaveBeenCalledWith(
        'component:default/checkout-api',
      ),
    );
    await waitFor(() => expect(createObjectURL).toHaveBeenCalledWith(blob));
    expect(clicked).toEqual([
      'security-posture-component_default_checkout-api.csv',
    ]);
    click.mockRestore();
  });

  it('shows only counts and who may see details', async () => {
    const api = createMockSecurityPostureApi();
    api.getEntityFindings.mockResolvedValue({
      entityRef: 'component:default/checkout-api',
      visibility: 'counts',
      counts: { critical: 1, high: 2, medium: 0, low: 3, info: 0 },
      lastScan: makeScan(),
    });

    await renderContent(api);

    const counts = await screen.findByTestId('entity-security-counts');
    expect(counts).toHaveTextContent('6 open findings.');
    expect(
      within(counts).getByTestId('severity-count-critical'),
    ).toHaveTextContent('Critical: 1');
    expect(within(counts).getByTestId('severity-count-high')).toHaveTextContent(
      'High: 2',
    );
    expect(within(counts).getByTestId('severity-count-low')).toHaveTextContent(
      'Low: 3',
    );
    expect(counts).toHaveTextContent(
      "Finding details are visible to the entity's owners and the platform team.",
    );
    expect(
      screen.queryByTestId('entity-security-details'),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByTestId('entity-security-download-csv'),
    ).not.toBeInTheDocument();
  });

  it('says so when an entity has no findings', async () => {
    const api = createMockSecurityPostureApi();
    api.getEntityFindings.mockResolvedValue(makeEntityDetails([]));

    await renderContent(api);

    expect(
      await screen.findByText('No open findings for this entity.'),
    ).toBeInTheDocument();
  });

  it('shows an error panel when the request fails', async () => {
    const api = createMockSecurityPostureApi();
    api.getEntityFindings.mockRejectedValue(new Error('Entity not found'));

    await renderContent(api);

    expect(
      await screen.findByText(/Could not load security findings/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Entity not found/).length).toBeGreaterThan(0);
  });
});
