import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { Entity } from '@backstage/catalog-model';
import { EntityFindingsResponse } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  makeEntityDetails,
  makeFinding,
  renderWithBackend,
  setupBackend,
  checksHandler,
} from '../../__testUtils__';
import { EntitySecurityContent } from './EntitySecurityContent';

jest.setTimeout(30_000);

const server = setupBackend();
// The finding's remediation snippets come from the check metadata (none here).
beforeEach(() => server.use(checksHandler));

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout-api', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/payments-checkout' },
};
const ENTITY_PATH = `${BACKEND}/entities/component/default/checkout-api/findings`;

function serveEntity(answer: EntityFindingsResponse) {
  const urls: string[] = [];
  server.use(
    http.get(ENTITY_PATH, ({ request }) => {
      urls.push(request.url);
      return HttpResponse.json(answer);
    }),
  );
  return urls;
}

function renderTab() {
  return renderWithBackend(
    <EntityProvider entity={entity}>
      <EntitySecurityContent />
    </EntityProvider>,
  );
}

describe('EntitySecurityContent', () => {
  it('shows owners every finding, worst first, with masked evidence and remediation', async () => {
    const urls = serveEntity(
      makeEntityDetails([
        makeFinding({
          fingerprint: 'fp-2',
          severity: 'low',
          title: 'No owner contact',
          location: 'spec.owner',
          evidence: {},
          remediation: 'Add a contact to the owning group.',
          docsUrl: 'https://example.com/docs/owner',
        }),
        makeFinding(),
      ]),
    );

    await renderTab();

    const details = await screen.findByTestId('entity-security-details');
    expect(urls).toEqual([ENTITY_PATH]);
    expect(
      screen.queryByTestId('entity-security-counts'),
    ).not.toBeInTheDocument();
    expect(details).toHaveTextContent('2 open findings.');

    const items = within(details).getAllByTestId(/^entity-finding-fp-\d$/);
    expect(items.map(i => i.getAttribute('data-testid'))).toEqual([
      'entity-finding-fp-1',
      'entity-finding-fp-2',
    ]);
    const first = items[0];
    expect(first).toHaveTextContent('High');
    expect(first).toHaveTextContent('Secret in entity annotation');
    expect(first).toHaveTextContent('metadata.annotations.payments.io/api-key');
    expect(within(first).getByText('Masked secret')).toBeInTheDocument();
    expect(
      within(first).getByTestId('evidence-note-secretMask'),
    ).toHaveTextContent(
      '(first characters of a public prefix at most, and length)',
    );
    expect(within(first).getByText('sk_live_…(32 chars)')).toBeInTheDocument();
    expect(within(first).getByTestId('finding-remediation')).toHaveTextContent(
      'Move the secret to a secret store and reference it.',
    );
    expect(
      within(items[1]).getByRole('link', { name: /Documentation/ }),
    ).toHaveAttribute('href', 'https://example.com/docs/owner');
    expect(details).toHaveTextContent(
      'Last scan: Succeeded · 2026-11-29 08:00 UTC',
    );
  });

  it('expands and collapses a finding from the keyboard', async () => {
    serveEntity(
      makeEntityDetails(
        Array.from({ length: 4 }, (_, i) =>
          makeFinding({ fingerprint: `fp-${i}`, title: `Finding ${i}` }),
        ),
      ),
    );
    await renderTab();
    await screen.findByTestId('entity-security-details');
    // The first three are open, the rest one key press away.
    const summary = screen.getByRole('button', { name: /Finding 3/ });
    expect(summary).toHaveAttribute('aria-expanded', 'false');
    summary.focus();
    await userEvent.keyboard('{Enter}');
    expect(summary).toHaveAttribute('aria-expanded', 'true');
  });

  it('downloads the entity CSV with the user credentials under a dated name', async () => {
    serveEntity(makeEntityDetails([makeFinding()]));
    let authorization: string | null = null;
    server.use(
      http.get(`${ENTITY_PATH}.csv`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return new HttpResponse('fingerprint,severity\nfp-1,high\n', {
          headers: {
            'Content-Type': 'text/csv',
            'Content-Disposition':
              'attachment; filename="security-posture-component_default_checkout-api.csv"',
          },
        });
      }),
    );
    const createObjectURL = jest.fn((_blob: Blob) => 'blob:csv');
    Object.assign(window.URL, { createObjectURL, revokeObjectURL: jest.fn() });
    const saved: string[] = [];
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        saved.push(this.download);
      });

    await renderTab();
    await userEvent.click(
      await screen.findByTestId('entity-security-download-csv'),
    );

    await waitFor(() => expect(saved).toHaveLength(1));
    expect(authorization).toBe('Bearer user-token');
    expect(saved[0]).toMatch(
      /^security-posture-component_default_checkout-api-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    expect(await createObjectURL.mock.calls[0][0].text()).toBe(
      'fingerprint,severity\nfp-1,high\n',
    );
    click.mockRestore();
  });

  it('shows others only counts, with a plain explanation', async () => {
    serveEntity({
      entityRef: 'component:default/checkout-api',
      visibility: 'counts',
      counts: { critical: 1, high: 2, medium: 0, low: 3, info: 0 },
    });

    await renderTab();

    const counts = await screen.findByTestId('entity-security-counts');
    expect(counts).toHaveTextContent('6 open findings.');
    expect(
      within(counts).getByTestId('severity-count-critical'),
    ).toHaveTextContent('Critical: 1');
    expect(within(counts).getByTestId('severity-count-high')).toHaveTextContent(
      'High: 2',
    );
    expect(
      within(counts).getByTestId('severity-count-medium'),
    ).toHaveTextContent('Medium: 0');
    expect(within(counts).getByTestId('severity-count-low')).toHaveTextContent(
      'Low: 3',
    );
    expect(counts).toHaveTextContent(
      "Finding details are visible to the entity's owners and the platform team.",
    );
    expect(
      screen.queryByTestId('entity-security-details'),
    ).not.toBeInTheDocument();
    expect(screen.queryByTestId(/^entity-finding-/)).not.toBeInTheDocument();
  });

  it('says so when an entity has no findings', async () => {
    serveEntity(makeEntityDetails([]));
    await renderTab();
    expect(
      await screen.findByText('No open findings for this entity.'),
    ).toBeInTheDocument();
  });

  it('says when the entity has not been scanned yet', async () => {
    serveEntity({
      ...(makeEntityDetails([]) as Extract<EntityFindingsResponse, { visibility: 'details' }>),
      lastScan: undefined,
    });
    await renderTab();
    expect(
      await screen.findByTestId('entity-security-not-scanned'),
    ).toHaveTextContent('Not scanned yet');
  });

  it('shows nothing about an entity the server does not disclose', async () => {
    server.use(
      http.get(ENTITY_PATH, () =>
        HttpResponse.json(
          { error: { name: 'NotFoundError', message: 'No entity' } },
          { status: 404 },
        ),
      ),
    );
    await renderTab();
    expect(
      await screen.findByTestId('entity-security-unavailable'),
    ).toHaveTextContent(
      'Security findings of this entity are not available to you.',
    );
    expect(
      screen.queryByTestId('entity-security-download-csv'),
    ).not.toBeInTheDocument();
  });

  it('shows an error panel when the request fails', async () => {
    server.use(
      http.get(ENTITY_PATH, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'Database unavailable' } },
          { status: 500 },
        ),
      ),
    );
    await renderTab();
    expect(
      await screen.findByText(/Could not load security findings/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Database unavailable/).length).toBeGreaterThan(
      0,
    );
  });

  it('shows progress while loading', async () => {
    server.use(
      http.get(ENTITY_PATH, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    await renderTab();
    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });
});

describe('EntitySecurityContent and exemptions', () => {
  it('lists exempted findings after the open ones, marked, and counts only the open ones', async () => {
    serveEntity(
      makeEntityDetails([
        makeFinding({
          fingerprint: 'fp-exempted',
          severity: 'critical',
          title: 'Leaked key',
          status: 'exempted',
          exemption: {
            id: 'ex-1',
            scope: { type: 'finding', fingerprint: 'fp-exempted' },
            kind: 'false-positive',
            reason: 'A test fixture',
            createdBy: 'user:default/alice',
            createdAt: '2027-01-10T12:00:00.000Z',
            state: 'active',
          },
        }),
        makeFinding({ fingerprint: 'fp-open', severity: 'low', title: 'No owner contact' }),
      ]),
    );
    await renderTab();
    const details = await screen.findByTestId('entity-security-details');
    expect(within(details).getByTestId('entity-security-exempted')).toHaveTextContent(
      '1 exempted finding (not counted).',
    );
    const items = within(details).getAllByTestId(/^entity-finding-/);
    expect(items.map(i => i.getAttribute('data-testid'))).toEqual([
      'entity-finding-fp-open',
      'entity-finding-fp-exempted',
    ]);
    // In the summary line and as the finding's status.
    expect(within(items[1]).getAllByText('Exempted')).toHaveLength(2);
    expect(within(items[0]).queryByText('Exempted')).not.toBeInTheDocument();
    expect(within(items[1]).getByTestId('exemption-info-active')).toHaveTextContent('A test fixture');
  });
});
