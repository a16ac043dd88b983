import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { usePermission } from '@backstage/plugin-permission-react';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  securityPostureReportReadPermission,
  securityPostureScanCreatePermission,
} from '@security-posture/plugin-security-posture-common';
import { securityPostureApiRef } from '../../api';
import {
  createSecurityPostureQueryClient,
  SecurityPostureQueryProvider,
} from '../../queryClient';
import {
  createMockSecurityPostureApi,
  makeFinding,
  makePage,
  makeScan,
  makeSummary,
} from '../../testUtils';
import { SecurityPage } from './SecurityPage';

// usePermission caches decisions globally (SWR), so tests decide per permission name.
jest.mock('@backstage/plugin-permission-react', () => ({
  ...jest.requireActual('@backstage/plugin-permission-react'),
  usePermission: jest.fn(),
}));
const usePermissionMock = usePermission as jest.MockedFunction<
  typeof usePermission
>;

const REPORT = securityPostureReportReadPermission.name;
const SCAN = securityPostureScanCreatePermission.name;

async function renderPage(
  api: ReturnType<typeof createMockSecurityPostureApi>,
  allowed: string[],
) {
  usePermissionMock.mockImplementation(({ permission }) => ({
    loading: false,
    allowed: allowed.includes(permission.name),
  }));
  return renderInTestApp(
    <TestApiProvider apis={[[securityPostureApiRef, api]]}>
      <SecurityPostureQueryProvider
        client={createSecurityPostureQueryClient({ retry: false })}
      >
        <SecurityPage pollIntervalMs={20} />
      </SecurityPostureQueryProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('SecurityPage', () => {
  it('shows grade, score, categories and findings to report readers', async () => {
    const api = createMockSecurityPostureApi();
    api.getSummary.mockResolvedValue(makeSummary());
    api.getFindings.mockResolvedValue(
      makePage([
        makeFinding(),
        makeFinding({
          fingerprint: 'fp-2',
          severity: 'critical',
          category: 'auth',
          title: 'Guest sign-in enabled in production',
          message: 'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
          target: { type: 'config', path: 'auth.providers.guest' },
          location: undefined,
          entityRef: undefined,
          entityKind: undefined,
        }),
      ]),
    );

    await renderPage(api, [REPORT, SCAN]);

    expect(await screen.findByTestId('posture-grade')).toHaveTextContent('C');
    expect(screen.getByTestId('posture-score')).toHaveTextContent('72.5');
    expect(screen.getByTestId('posture-last-scan')).toHaveTextContent(
      'Succeeded · 2026-11-29 08:00 UTC',
    );
    expect(screen.getByTestId('scan-now-button')).toBeEnabled();
    expect(screen.queryByTestId('restricted-note')).not.toBeInTheDocument();

    const auth = screen.getByTestId('category-card-auth');
    expect(auth).toHaveTextContent('Authentication');
    expect(auth).toHaveTextContent('60');
    expect(auth).toHaveTextContent('Critical: 1');
    const catalog = screen.getByTestId('category-card-catalog');
    expect(catalog).toHaveTextContent('High: 2');
    expect(catalog).toHaveTextContent('1 check errored');

    const table = screen.getByTestId('findings-table');
    expect(
      await within(table).findByText('Secret in entity annotation'),
    ).toBeInTheDocument();
    expect(within(table).getByText('Open findings')).toBeInTheDocument();
    expect(
      within(table).getByText('metadata.annotations.payments.io/api-key'),
    ).toBeInTheDocument();
    expect(within(table).getAllByText('2026-11-20')).toHaveLength(2);
    const entityLink = within(table).getByRole('link', {
      name: /checkout-api/,
    });
    expect(entityLink).toHaveAttribute(
      'href',
      '/catalog/default/component/checkout-api',
    );
    expect(
      within(table).getByText('Guest sign-in enabled in production'),
    ).toBeInTheDocument();
    expect(
      within(table).getByText('config: auth.providers.guest'),
    ).toBeInTheDocument();

    expect(api.getFindings).toHaveBeenCalledWith({
      status: ['open'],
      limit: 10,
      offset: 0,
    });
  });

  it('hides the scan button without the scan permission', async () => {
    const api = createMockSecurityPostureApi();
    api.getSummary.mockResolvedValue(makeSummary());
    api.getFindings.mockResolvedValue(makePage([makeFinding()]));

    await renderPage(api, [REPORT]);

    expect(await screen.findByTestId('posture-grade')).toHaveTextContent('C');
    expect(screen.queryByTestId('scan-now-button')).not.toBeInTheDocument();
  });

  it('starts a scan, polls it until it finishes and refreshes the summary', async () => {
    const api = createMockSecurityPostureApi();
    api.getSummary.mockResolvedValueOnce(makeSummary()).mockResolvedValue(
      makeSummary({
        score: 91,
        grade: 'A',
        lastScan: makeScan({ id: 'scan-2', trigger: 'manual' }),
      }),
    );
    api.getFindings.mockResolvedValue(makePage([makeFinding()]));
    api.requestScan.mockResolvedValue(
      makeScan({
        id: 'scan-2',
        status: 'queued',
        progress: { done: 0, total: 12 },
      }),
    );
    let current = makeScan({
      id: 'scan-2',
      status: 'running',
      progress: { done: 5, total: 12 },
    });
    api.getScan.mockImplementation(async () => current);

    await renderPage(api, [REPORT, SCAN]);
    expect(await screen.findByTestId('posture-score')).toHaveTextContent(
      '72.5',
    );
    const findingsCallsBefore = api.getFindings.mock.calls.length;

    await userEvent.click(screen.getByTestId('scan-now-button'));

    expect(api.requestScan).toHaveBeenCalledTimes(1);
    await waitFor(() =>
      expect(screen.getByTestId('scan-now-button')).toHaveTextContent(
        'Scanning… (5/12)',
      ),
    );
    expect(screen.getByTestId('scan-now-button')).toBeDisabled();
    expect(api.getSummary).toHaveBeenCalledTimes(1);

    current = makeScan({ id: 'scan-2', status: 'succeeded' });
    await waitFor(() =>
      expect(screen.getByTestId('scan-result')).toHaveTextContent(
        'Scan succeeded',
      ),
    );
    expect(api.getScan).toHaveBeenCalledWith('scan-2');
    expect(api.getScan.mock.calls.length).toBeGreaterThanOrEqual(2);
    await waitFor(() =>
      expect(screen.getByTestId('posture-score')).toHaveTextContent('91'),
    );
    expect(screen.getByTestId('posture-grade')).toHaveTextContent('A');
    expect(screen.getByTestId('scan-now-button')).toBeEnabled();
    await waitFor(() =>
      expect(api.getFindings.mock.calls.length).toBeGreaterThan(
        findingsCallsBefore,
      ),
    );
  });

  it('shows why a scan could not be started', async () => {
    const api = createMockSecurityPostureApi();
    api.getSummary.mockResolvedValue(makeSummary());
    api.getFindings.mockResolvedValue(makePage([]));
    api.requestScan.mockRejectedValue(new Error('A scan is already running'));

    await renderPage(api, [REPORT, SCAN]);
    await userEvent.click(await screen.findByTestId('scan-now-button'));

    expect(await screen.findByTestId('scan-error')).toHaveTextContent(
      'A scan is already running',
    );
  });

  it('pages findings on the server', async () => {
    const api = createMockSecurityPostureApi();
    api.getSummary.mockResolvedValue(makeSummary());
    api.getFindings.mockImplementation(async query => {
      const offset = query?.offset ?? 0;
      const items = Array.from({ length: 10 }, (_, i) =>
        makeFinding({
          fingerprint: `fp-${offset + i}`,
          title: `Finding number ${offset + i}`,
        }),
      );
      return makePage(items, { totalItems: 23, offset, limit: 10 });
    });

    await renderPage(api, [REPORT]);
    const table = await screen.findByTestId('findings-table');
    expect(
      await within(table).findByText('Finding number 0'),
    ).toBeInTheDocument();
    expect(
      within(table).queryByText('Finding number 10'),
    ).not.toBeInTheDocument();

    await userEvent.click(
      within(table).getByRole('button', { name: /next page/i }),
    );

    expect(
      await within(table).findByText('Finding number 10'),
    ).toBeInTheDocument();
    expect(
      within(table).queryByText('Finding number 0'),
    ).not.toBeInTheDocument();
    expect(api.getFindings).toHaveBeenLastCalledWith({
      status: ['open'],
      limit: 10,
      offset: 10,
    });
  });

  it('shows only my entities to users without the report permission', async () => {
    const api = createMockSecurityPostureApi();
    api.getFindings.mockResolvedValue(
      makePage(
        [
          makeFinding({
            title: 'Vault path in annotation',
            severity: 'medium',
          }),
        ],
        { scope: 'mine' },
      ),
    );

    await renderPage(api, []);

    expect(await screen.findByTestId('restricted-note')).toHaveTextContent(
      'Deployment-wide posture is restricted to the platform team',
    );
    const table = screen.getByTestId('findings-table');
    expect(
      await within(table).findByText('Vault path in annotation'),
    ).toBeInTheDocument();
    expect(
      within(table).getByText('Open findings of my entities'),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('posture-grade')).not.toBeInTheDocument();
    expect(screen.queryByTestId('posture-score')).not.toBeInTheDocument();
    expect(screen.queryByTestId('scan-now-button')).not.toBeInTheDocument();
    expect(api.getSummary).not.toHaveBeenCalled();
  });

  it('shows the backend error when the summary fails', async () => {
    const api = createMockSecurityPostureApi();
    api.getSummary.mockRejectedValue(new Error('Database unavailable'));

    await renderPage(api, [REPORT]);

    expect(
      await screen.findByText(/Could not load the security posture/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Database unavailable/).length).toBeGreaterThan(
      0,
    );
  });
});
