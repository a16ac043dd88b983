import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import {
  AuthProbeReport,
  AuthProviderInventoryItem,
  LIVE_PROBES_CHECK_ID,
  LIVE_PROBES_KEY,
  PROVIDER_INVENTORY_CHECK_ID,
  PROVIDER_INVENTORY_KEY,
} from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  checkDataErrorHandler,
  checkDataHandler,
  checksHandler,
  findingsHandler,
  makeCheckData,
  makeFinding,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { AuthView } from './AuthView';

jest.setTimeout(30_000);

const server = setupBackend();

const report: AuthProbeReport = {
  generatedAt: '2026-11-29T08:00:00.000Z',
  baseUrl: 'http://localhost:7007',
  timeoutMs: 5000,
  probes: [
    {
      id: 'catalog-entities-unauthenticated',
      description: 'Catalog entities without a token',
      url: 'http://localhost:7007/api/catalog/entities?limit=1',
      method: 'GET',
      status: 401,
      expected: 'refused',
      verdict: 'ok',
      durationMs: 12,
      startedAt: '2026-11-29T08:00:00.000Z',
    },
    {
      id: 'guest-session',
      description: 'Guest session from the auth backend',
      url: 'http://localhost:7007/api/auth/guest/refresh',
      method: 'GET',
      status: 200,
      expected: 'refused',
      verdict: 'exposed',
      durationMs: 30,
      startedAt: '2026-11-29T08:00:00.000Z',
      detail: 'guest session issued for user:development/guest',
    },
    {
      id: 'plugin:scaffolder',
      description: 'Scaffolder actions without a token',
      url: 'http://localhost:7007/api/scaffolder/v2/actions',
      method: 'GET',
      error: 'timeout after 5000 ms',
      expected: 'refused',
      verdict: 'inconclusive',
      durationMs: 5000,
      startedAt: '2026-11-29T08:00:00.000Z',
    },
  ],
};

const providers: AuthProviderInventoryItem[] = [
  {
    providerId: 'guest',
    resolvers: [],
    risks: ['dangerouslyAllowOutsideDevelopment'],
    moduleInstalled: true,
  },
  {
    providerId: 'github',
    environment: 'production',
    resolvers: ['usernameMatchingUserEntityName'],
    risks: [],
    moduleInstalled: false,
  },
];

const guestFinding = makeFinding({
  fingerprint: 'fp-guest',
  category: 'auth',
  checkId: 'auth/guest-outside-development',
  title: 'Guest sign-in is possible outside development',
  target: { type: 'config', path: 'auth.providers.guest' },
  entityRef: undefined,
  owners: [],
});

describe('AuthView', () => {
  it('shows the observed probe results next to the configured providers', async () => {
    const requests: string[] = [];
    server.use(
      checksHandler,
      findingsHandler([guestFinding, makeFinding()], requests),
      checkDataHandler(
        makeCheckData(LIVE_PROBES_CHECK_ID, LIVE_PROBES_KEY, report),
      ),
      checkDataHandler(
        makeCheckData(
          PROVIDER_INVENTORY_CHECK_ID,
          PROVIDER_INVENTORY_KEY,
          providers,
        ),
      ),
    );

    await renderWithBackend(<AuthView />);

    const probes = await screen.findByTestId('auth-probes');
    const ok = within(probes).getByTestId(
      'auth-probe-catalog-entities-unauthenticated',
    );
    expect(ok).toHaveTextContent('GET /api/catalog/entities?limit=1');
    expect(ok).toHaveTextContent('Refused (401/403)');
    expect(ok).toHaveTextContent('HTTP 401');
    expect(ok).toHaveTextContent('As expected');
    const exposed = within(probes).getByTestId('auth-probe-guest-session');
    expect(exposed).toHaveTextContent('HTTP 200');
    expect(exposed).toHaveTextContent('Exposed');
    expect(exposed).toHaveTextContent(
      'guest session issued for user:development/guest',
    );
    const inconclusive = within(probes).getByTestId(
      'auth-probe-plugin:scaffolder',
    );
    expect(inconclusive).toHaveTextContent('timeout after 5000 ms');
    expect(inconclusive).toHaveTextContent('Inconclusive');
    expect(
      screen.getByText(/3 probes against http:\/\/localhost:7007; 1 exposed/),
    ).toBeInTheDocument();

    const configured = screen.getByTestId('auth-providers');
    const rows = within(configured).getAllByRole('row').slice(1);
    expect(rows.map(r => r.textContent)).toEqual([
      'guest——dangerouslyAllowOutsideDevelopmentYes',
      'githubproductionusernameMatchingUserEntityNameNoneNo',
    ]);

    // The view's findings are the auth findings only.
    const table = screen.getByTestId('findings-table');
    expect(
      await within(table).findByText(
        'Guest sign-in is possible outside development',
      ),
    ).toBeInTheDocument();
    expect(within(table).queryByText('Secret in entity annotation')).toBeNull();
    expect(requests).toContain(
      '/findings?category=auth&status=open&orderBy=severity&order=asc&limit=25&offset=0',
    );
  });

  it('says what is missing when the checks have not published yet', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      checkDataErrorHandler(LIVE_PROBES_CHECK_ID, LIVE_PROBES_KEY, 404),
      checkDataErrorHandler(
        PROVIDER_INVENTORY_CHECK_ID,
        PROVIDER_INVENTORY_KEY,
        404,
      ),
    );
    await renderWithBackend(<AuthView />);
    const states = await screen.findAllByTestId('not-published');
    expect(states.map(s => s.textContent)).toEqual([
      expect.stringContaining('No probe results yet'),
      expect.stringContaining('No provider inventory yet'),
    ]);
    expect(states[0]).toHaveTextContent('auth/live-probes');
  });

  it('shows loading and error states', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      http.get(`${BACKEND}/checks/auth/live-probes/data/probes`, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
      checkDataErrorHandler(
        PROVIDER_INVENTORY_CHECK_ID,
        PROVIDER_INVENTORY_KEY,
        500,
        'Store unavailable',
      ),
    );
    await renderWithBackend(<AuthView />);
    expect(screen.getAllByTestId('progress').length).toBeGreaterThan(0);
    expect(
      await screen.findByText(/Could not load the provider inventory/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Store unavailable/).length).toBeGreaterThan(0);
  });

  it('exports the category as a dated CSV', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      checkDataErrorHandler(LIVE_PROBES_CHECK_ID, LIVE_PROBES_KEY, 404),
      checkDataErrorHandler(
        PROVIDER_INVENTORY_CHECK_ID,
        PROVIDER_INVENTORY_KEY,
        404,
      ),
    );
    const csvUrls: string[] = [];
    server.use(
      http.get(`${BACKEND}/export.csv`, ({ request }) => {
        csvUrls.push(request.url);
        return new HttpResponse('fingerprint\n', {
          headers: {
            'Content-Disposition':
              'attachment; filename="security-posture-report.csv"',
          },
        });
      }),
    );
    Object.assign(window.URL, {
      createObjectURL: jest.fn(() => 'blob:x'),
      revokeObjectURL: jest.fn(),
    });
    const saved: string[] = [];
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        saved.push(this.download);
      });
    await renderWithBackend(<AuthView />);
    await userEvent.click(await screen.findByTestId('category-export-csv'));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(csvUrls).toEqual([
      `${BACKEND}/export.csv?category=auth&status=open`,
    ]);
    expect(saved[0]).toMatch(/^security-posture-auth-\d{4}-\d{2}-\d{2}\.csv$/);
    click.mockRestore();
  });
});
