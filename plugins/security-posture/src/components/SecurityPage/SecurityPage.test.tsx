import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse, delay } from 'msw';
import { Route, Routes } from 'react-router-dom';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  PostureSummary,
  Scan,
  securityPostureReportReadPermission,
  securityPostureScanCreatePermission,
} from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  currentSearch,
  makeFinding,
  makeHistoryPoint,
  makePage,
  makeScan,
  makeSummary,
  renderWithBackend,
  setupBackend,
  scanChangesHandler,
  scorecardsHandler,
} from '../../__testUtils__';
import { SecurityPage } from './SecurityPage';

jest.setTimeout(30_000);

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

const server = setupBackend();
// The restricted page shows the caller's team scorecards (tested beside MyTeamsCard).
beforeEach(() => server.use(scorecardsHandler({ scope: 'mine' })));

const notFound = () =>
  HttpResponse.json(
    { error: { name: 'NotFoundError', message: 'not published' } },
    { status: 404 },
  );

/** A backend with a report; records the requests it answered. */
function serveReport(
  options: {
    summary?: PostureSummary | (() => PostureSummary);
    findings?: ReturnType<typeof makeFinding>[];
  } = {},
) {
  const requests: string[] = [];
  const record = (request: Request) => {
    const url = new URL(request.url);
    requests.push(
      `${request.method} ${url.pathname.replace('/api/security-posture', '')}${
        url.search
      }`,
    );
  };
  server.use(
    http.get(`${BACKEND}/summary`, ({ request }) => {
      record(request);
      const summary = options.summary ?? makeSummary();
      return HttpResponse.json(
        typeof summary === 'function' ? summary() : summary,
      );
    }),
    http.get(`${BACKEND}/findings`, ({ request }) => {
      record(request);
      const category = new URL(request.url).searchParams.get('category');
      const items = (options.findings ?? [makeFinding()]).filter(
        f => !category || f.category === category,
      );
      return HttpResponse.json(makePage(items));
    }),
    http.get(`${BACKEND}/history`, ({ request }) => {
      record(request);
      return HttpResponse.json({
        items: [
          makeHistoryPoint({
            scanId: 'scan-0',
            score: 55,
            grade: 'F',
            finishedAt: '2026-11-28T08:00:00.000Z',
          }),
          makeHistoryPoint(),
        ],
      });
    }),
    http.get(`${BACKEND}/checks`, () => HttpResponse.json({ items: [] })),
    http.get(`${BACKEND}/checks/:category/:name/data/:key`, notFound),
    scanChangesHandler(),
  );
  return requests;
}

async function renderPage(allowed: string[], routeEntries?: string[]) {
  usePermissionMock.mockImplementation(({ permission }) => ({
    loading: false,
    allowed: allowed.includes(permission.name),
  }));
  // Mounted under a splat route, as the app's FlatRoutes does.
  return renderWithBackend(
    <Routes>
      <Route path="/*" element={<SecurityPage pollIntervalMs={20} />} />
    </Routes>,
    { routeEntries },
  );
}

const authFinding = makeFinding({
  fingerprint: 'fp-guest',
  category: 'auth',
  severity: 'critical',
  checkId: 'auth/guest-outside-development',
  title: 'Guest sign-in is possible outside development',
  target: { type: 'config', path: 'auth.providers.guest' },
  entityRef: undefined,
  owners: [],
});

describe('SecurityPage', () => {
  it('shows the grade, score, last scan and the overview to report readers', async () => {
    const requests = serveReport({
      summary: makeSummary({
        heldDownBy: [
          {
            fingerprint: 'fp-guest',
            checkId: 'auth/guest-outside-development',
            title: 'Guest sign-in is possible outside development',
            category: 'auth',
            severity: 'critical',
            overallGain: 12.3,
            categoryGain: 24.6,
          },
          {
            fingerprint: 'fp-checkout',
            checkId: 'catalog/leaked-secret',
            title: 'Leaked AWS secret access key',
            category: 'catalog',
            severity: 'high',
            outcome: 'fail',
            entityRef: 'component:default/checkout-api',
            exposure: {
              level: 'guests',
              permission: 'catalog.entity.read',
              basis: 'catalog.entity.read is allowed for Guest',
            },
            overallGain: 0.4,
            categoryGain: 2,
          },
        ],
        nextGrade: {
          grade: 'B',
          minimumScore: 80,
          fixCount: 1,
          criticalFixes: 1,
          scoreAfter: 84.8,
          gradeAfter: 'B',
          steps: [
            {
              fingerprint: 'fp-guest',
              checkId: 'auth/guest-outside-development',
              title: 'Guest sign-in is possible outside development',
              category: 'auth',
              severity: 'critical',
              outcome: 'fail',
              overallGain: 12.3,
              categoryGain: 24.6,
              scoreAfter: 84.8,
            },
          ],
        },
        gradeCap: 'An open critical finding caps the grade at D.',
      }),
      findings: [authFinding, makeFinding()],
    });

    await renderPage([REPORT, SCAN]);

    expect(await screen.findByTestId('posture-grade')).toHaveTextContent('C');
    expect(screen.getByTestId('posture-score')).toHaveTextContent('72.5 / 100');
    expect(screen.getByTestId('posture-open-findings')).toHaveTextContent('3');
    expect(screen.getByTestId('posture-last-scan')).toHaveTextContent(
      'Succeeded · 2026-11-29 08:00 UTC',
    );
    expect(screen.getByTestId('scan-now-button')).toBeEnabled();
    expect(screen.getByTestId('grade-cap')).toHaveTextContent(
      'An open critical finding caps the grade at D.',
    );
    expect(screen.queryByTestId('restricted-note')).not.toBeInTheDocument();
    for (const tab of [
      'Overview',
      'Findings',
      'Authentication',
      'Permissions',
      'Plugins',
      'Templates',
      'Catalog',
      'Detections',
    ]) {
      expect(screen.getByRole('tab', { name: tab })).toBeInTheDocument();
    }

    const auth = screen.getByTestId('category-card-auth');
    expect(auth).toHaveTextContent('Authentication');
    expect(auth).toHaveTextContent('60');
    expect(auth).toHaveTextContent('Critical: 1');
    // The worst findings of the category, asked for worst first.
    expect(
      await within(auth).findByText(
        'Guest sign-in is possible outside development',
      ),
    ).toBeInTheDocument();
    expect(requests).toContain(
      'GET /findings?category=auth&status=open&orderBy=severity&order=asc&limit=3',
    );
    expect(
      within(auth).getByRole('link', { name: 'View Authentication' }),
    ).toHaveAttribute('href', '/auth');
    expect(screen.getByTestId('category-card-catalog')).toHaveTextContent(
      '1 check errored',
    );

    const drags = within(screen.getByTestId('grade-drags')).getAllByTestId(
      /^grade-drag-/,
    );
    expect(drags.map(d => d.getAttribute('data-testid'))).toEqual([
      'grade-drag-fp-guest',
      'grade-drag-fp-checkout',
    ]);
    expect(drags[0]).toHaveTextContent('+12.3 overall');
    expect(drags[0]).toHaveTextContent('+24.6 in Authentication');
    expect(drags[1]).toHaveTextContent('component:default/checkout-api');
    expect(within(drags[1]).getByTestId('exposure-guests')).toBeInTheDocument();
    expect(screen.getByText('Path to grade B')).toBeInTheDocument();
    expect(screen.getByTestId('next-grade-summary')).toHaveTextContent(
      'Fix this one to reach B.',
    );
    expect(screen.getByTestId('next-grade-step-fp-guest')).toHaveTextContent(
      'score 84.8',
    );

    const distribution = screen.getByTestId('severity-distribution');
    expect(within(distribution).getByRole('table')).toHaveTextContent(
      'Authentication10000',
    );
    const trend = await screen.findByRole('list', { name: 'Score per scan' });
    expect(
      within(trend)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual([
      '2026-11-28 08:00 UTC: score 55, grade F',
      '2026-11-29 08:00 UTC: score 72.5, grade C',
    ]);
  });

  it('opens a finding from "what holds the grade down" in the drawer', async () => {
    serveReport({
      summary: makeSummary({
        heldDownBy: [
          {
            fingerprint: 'fp-guest',
            checkId: 'auth/guest-outside-development',
            title: 'Guest sign-in is possible outside development',
            category: 'auth',
            severity: 'critical',
            overallGain: 0.05,
            categoryGain: 1,
          },
        ],
      }),
    });
    server.use(
      http.get(`${BACKEND}/findings/fp-guest`, () =>
        HttpResponse.json(authFinding),
      ),
    );
    await renderPage([REPORT]);
    const drag = await screen.findByTestId('grade-drag-fp-guest');
    expect(drag).toHaveTextContent('<0.1 overall');
    await userEvent.click(drag);
    const drawer = await screen.findByRole('dialog');
    expect(
      await within(drawer).findByTestId('finding-details-fp-guest'),
    ).toHaveTextContent('config: auth.providers.guest');
    expect(currentSearch(screen.getByTestId('location')).get('finding')).toBe(
      'fp-guest',
    );
  });

  it('opens a step of the path to the next grade in the drawer', async () => {
    serveReport({
      summary: makeSummary({
        nextGrade: {
          grade: 'B',
          minimumScore: 80,
          fixCount: 12,
          criticalFixes: 0,
          scoreAfter: 80.2,
          gradeAfter: 'B',
          steps: [
            {
              fingerprint: 'fp-guest',
              checkId: 'auth/guest-outside-development',
              title: 'Guest sign-in is possible outside development',
              category: 'auth',
              severity: 'high',
              outcome: 'fail',
              overallGain: 3.2,
              categoryGain: 16,
              scoreAfter: 75.7,
            },
          ],
        },
      }),
    });
    server.use(
      http.get(`${BACKEND}/findings/fp-guest`, () =>
        HttpResponse.json(authFinding),
      ),
    );
    await renderPage([REPORT]);
    expect(await screen.findByTestId('next-grade-summary')).toHaveTextContent(
      '12 fixes reach B. The first 1:',
    );
    await userEvent.click(screen.getByTestId('next-grade-step-fp-guest'));
    const drawer = await screen.findByRole('dialog');
    expect(
      await within(drawer).findByTestId('finding-details-fp-guest'),
    ).toBeInTheDocument();
  });

  it('hides "Scan now" without the scan permission', async () => {
    serveReport();
    await renderPage([REPORT]);
    expect(await screen.findByTestId('posture-grade')).toHaveTextContent('C');
    expect(screen.queryByTestId('scan-now-button')).not.toBeInTheDocument();
  });

  it('starts a scan, shows its live progress and refreshes the report when it ends', async () => {
    let scan: Scan = makeScan({
      id: 'scan-2',
      status: 'queued',
      trigger: 'manual',
      progress: { done: 0, total: 12 },
    });
    let summaryCalls = 0;
    const requests = serveReport({
      summary: () => {
        summaryCalls += 1;
        if (summaryCalls === 1) return makeSummary();
        return scan.status === 'succeeded'
          ? makeSummary({
              score: 91,
              grade: 'A',
              lastScan: scan,
              lastCompletedScan: scan,
            })
          : makeSummary({ lastScan: scan });
      },
    });
    server.use(
      http.post(`${BACKEND}/scans`, () =>
        HttpResponse.json(scan, { status: 202 }),
      ),
      http.get(`${BACKEND}/scans/scan-2`, () => HttpResponse.json(scan)),
    );

    await renderPage([REPORT, SCAN]);
    expect(await screen.findByTestId('posture-score')).toHaveTextContent(
      '72.5',
    );
    await userEvent.click(screen.getByTestId('scan-now-button'));

    scan = {
      ...scan,
      status: 'running',
      startedAt: '2026-11-29T09:00:00.000Z',
      progress: { done: 5, total: 12 },
    };
    const progress = await screen.findByTestId('scan-progress');
    await waitFor(() =>
      expect(progress).toHaveTextContent('Scan running: 5 of 12 checks done'),
    );
    expect(within(progress).getByRole('progressbar')).toHaveAttribute(
      'aria-valuenow',
      '42',
    );
    expect(screen.getByTestId('scan-now-button')).toBeDisabled();
    expect(screen.getByTestId('scan-now-button')).toHaveTextContent(
      'Scanning…',
    );

    scan = {
      ...scan,
      status: 'succeeded',
      finishedAt: '2026-11-29T09:01:00.000Z',
      progress: { done: 12, total: 12 },
    };
    await waitFor(() =>
      expect(screen.getByTestId('posture-score')).toHaveTextContent('91'),
    );
    expect(screen.getByTestId('posture-grade')).toHaveTextContent('A');
    await waitFor(() =>
      expect(screen.getByTestId('scan-result')).toHaveTextContent(
        'Scan succeeded',
      ),
    );
    expect(screen.queryByTestId('scan-progress')).not.toBeInTheDocument();
    expect(screen.getByTestId('scan-now-button')).toBeEnabled();
    // The status is a line of its own below the button, out of the header's flow: it
    // neither pushes the button to a second row nor makes the header taller.
    const controls = screen.getByTestId('scan-controls');
    expect(controls).toContainElement(screen.getByTestId('scan-result'));
    expect(controls).toHaveStyle({ position: 'relative' });
    expect(screen.getByTestId('scan-result')).toHaveStyle({
      position: 'absolute',
      top: '100%',
      whiteSpace: 'nowrap',
    });
    // The toast is at the bottom of the screen, not over the grade in the header.
    const toast = screen.getByTestId('scan-toast');
    expect(toast).toHaveTextContent('Scan succeeded');
    expect(toast.className).toMatch(/MuiSnackbar-anchorOriginBottomCenter/);
    expect(
      requests.filter(r => r === 'GET /history').length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('shows the progress of a scan started elsewhere', async () => {
    serveReport({
      summary: makeSummary({
        lastScan: makeScan({
          id: 'scan-3',
          status: 'running',
          progress: { done: 3, total: 21 },
        }),
      }),
    });
    await renderPage([REPORT, SCAN]);
    expect(await screen.findByTestId('scan-progress')).toHaveTextContent(
      'Scan running: 3 of 21 checks done',
    );
    // One scan at a time: the button waits for the running one.
    expect(screen.getByTestId('scan-now-button')).toBeDisabled();
  });

  it('shows why a scan could not be started', async () => {
    serveReport();
    server.use(
      http.post(`${BACKEND}/scans`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message: 'A scan is already running',
            },
          },
          { status: 409 },
        ),
      ),
    );
    await renderPage([REPORT, SCAN]);
    await userEvent.click(await screen.findByTestId('scan-now-button'));
    expect(await screen.findByTestId('scan-error')).toHaveTextContent(
      'A scan is already running',
    );
    expect(screen.getByTestId('scan-error')).toHaveAttribute(
      'title',
      expect.stringContaining('A scan is already running'),
    );
    expect(screen.getByTestId('scan-error')).toHaveStyle({
      position: 'absolute',
    });
  });

  it('says when there is no completed scan yet', async () => {
    serveReport({
      summary: makeSummary({
        lastScan: undefined,
        lastCompletedScan: undefined,
        categories: [],
        openFindings: 0,
      }),
    });
    await renderPage([REPORT, SCAN]);
    expect(await screen.findByTestId('no-scan-yet')).toHaveTextContent(
      'Press "Scan now" to grade this deployment.',
    );
    expect(screen.getByTestId('posture-grade-none')).toHaveTextContent('—');
    expect(screen.queryByTestId('posture-score')).not.toBeInTheDocument();
    expect(screen.getByTestId('posture-last-scan')).toHaveTextContent('Never');
  });

  it('shows the findings view with its filters from the URL', async () => {
    const requests = serveReport({ findings: [authFinding] });
    await renderPage([REPORT], ['/findings?category=auth']);
    expect(
      await within(await screen.findByTestId('findings-table')).findByText(
        'Guest sign-in is possible outside development',
      ),
    ).toBeInTheDocument();
    expect(requests).toContain(
      'GET /findings?category=auth&status=open&orderBy=severity&order=asc&limit=25&offset=0',
    );
    expect(screen.getByRole('tab', { name: 'Findings' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
  });

  it('shows only "my entities" to users without the report permission', async () => {
    const requests: string[] = [];
    server.use(
      http.get(`${BACKEND}/summary`, () => {
        requests.push('summary');
        return HttpResponse.json({}, { status: 403 });
      }),
      http.get(`${BACKEND}/findings`, ({ request }) => {
        requests.push(new URL(request.url).search);
        return HttpResponse.json(
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
      }),
      http.get(`${BACKEND}/checks`, () => HttpResponse.json({ items: [] })),
    );

    await renderPage([]);

    expect(await screen.findByTestId('restricted-note')).toHaveTextContent(
      'Deployment-wide posture is restricted to the platform team',
    );
    const table = screen.getByTestId('findings-table');
    expect(
      await within(table).findByText('Vault path in annotation'),
    ).toBeInTheDocument();
    expect(table).toHaveTextContent('Findings of my entities');
    expect(screen.queryByTestId('posture-grade')).not.toBeInTheDocument();
    expect(screen.queryByTestId('scan-now-button')).not.toBeInTheDocument();
    expect(
      screen.queryByRole('tab', { name: 'Permissions' }),
    ).not.toBeInTheDocument();
    expect(requests).not.toContain('summary');
  });

  it('tells users without the report permission that a category view needs the platform team', async () => {
    server.use(
      http.get(`${BACKEND}/findings`, () =>
        HttpResponse.json(makePage([], { scope: 'mine' })),
      ),
      http.get(`${BACKEND}/checks`, () => HttpResponse.json({ items: [] })),
    );
    await renderPage([], ['/permissions']);
    const note = await screen.findByTestId('restricted-view-note');
    expect(note).toHaveTextContent(
      "The Permissions view of the deployment-wide report needs the platform team's access",
    );
    expect(
      within(note).getByRole('link', { name: "your entities' findings" }),
    ).toHaveAttribute('href', '/');
    expect(screen.getByTestId('restricted-note')).toBeInTheDocument();
    expect(
      screen.queryByRole('tab', { name: 'Permissions' }),
    ).not.toBeInTheDocument();
  });

  it('does not warn restricted users on the page itself or its findings view', async () => {
    server.use(
      http.get(`${BACKEND}/findings`, () =>
        HttpResponse.json(makePage([], { scope: 'mine' })),
      ),
      http.get(`${BACKEND}/checks`, () => HttpResponse.json({ items: [] })),
    );
    const { unmount } = await renderPage([], ['/']);
    expect(await screen.findByTestId('restricted-note')).toBeInTheDocument();
    expect(
      screen.queryByTestId('restricted-view-note'),
    ).not.toBeInTheDocument();
    unmount();
    await renderPage([], ['/findings']);
    expect(await screen.findByTestId('restricted-note')).toBeInTheDocument();
    expect(
      screen.queryByTestId('restricted-view-note'),
    ).not.toBeInTheDocument();
  });

  it('shows the backend error when the summary fails', async () => {
    server.use(
      http.get(`${BACKEND}/summary`, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'Database unavailable' } },
          { status: 500 },
        ),
      ),
    );
    await renderPage([REPORT]);
    expect(
      await screen.findByText(/Could not load the security posture/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Database unavailable/).length).toBeGreaterThan(
      0,
    );
  });

  it('shows progress while permissions and the summary load', async () => {
    server.use(
      http.get(`${BACKEND}/summary`, async () => {
        await delay('infinite');
        return HttpResponse.json(makeSummary());
      }),
    );
    await renderPage([REPORT]);
    expect(screen.getByTestId('progress')).toBeInTheDocument();
    expect(screen.queryByTestId('posture-grade')).not.toBeInTheDocument();
  });
});
