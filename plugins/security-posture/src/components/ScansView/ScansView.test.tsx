import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { ScanChange } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  changesSinceHandler,
  checksHandler,
  currentSearch,
  makeFinding,
  makeScan,
  renderWithBackend,
  scanChangesHandler,
  setupBackend,
} from '../../__testUtils__';
import { ScansView } from './ScansView';

jest.setTimeout(30_000);

const server = setupBackend();
// The view's "what changed since a day" card: nothing by default (ChangesSinceCard.test.tsx);
// the finding drawer reads the checks.
beforeEach(() => server.use(changesSinceHandler(), checksHandler));

const counts = (
  c: Partial<Record<'new' | 'reopened' | 'resolved' | 'severity', number>>,
) => ({
  new: 0,
  reopened: 0,
  resolved: 0,
  severity: 0,
  ...c,
});

const SCANS = [
  makeScan({ id: 'scan-running', status: 'running', finishedAt: undefined }),
  makeScan({
    id: 'scan-3',
    startedAt: '2026-11-30T08:00:00.000Z',
    changes: {
      recorded: true,
      baseline: false,
      counts: counts({ new: 30, resolved: 2 }),
    },
  }),
  makeScan({
    id: 'scan-2',
    trigger: 'manual',
    startedAt: '2026-11-29T08:00:00.000Z',
    changes: { recorded: true, baseline: false, counts: counts({}) },
  }),
  makeScan({
    id: 'scan-1',
    startedAt: '2026-11-28T08:00:00.000Z',
    changes: { recorded: true, baseline: true, counts: counts({}) },
  }),
];

function change(i: number): ScanChange {
  return {
    change: 'new',
    fingerprint: `fp-${i}`,
    checkId: 'catalog/leaked-secret',
    category: 'catalog',
    title: `Finding ${i}`,
    severity: 'high',
    recordedAt: '2026-11-30T08:00:00.000Z',
  };
}

describe('ScansView', () => {
  it('lists the scans with their changes and shows the latest completed scan first', async () => {
    const requests: string[] = [];
    server.use(
      http.get(`${BACKEND}/scans`, () => HttpResponse.json({ items: SCANS })),
      scanChangesHandler(
        {
          counts: counts({ new: 30, resolved: 2 }),
          totalItems: 32,
          items: Array.from({ length: 25 }, (_, i) => change(i)),
        },
        requests,
      ),
    );
    await renderWithBackend(<ScansView />, {
      routeEntries: ['/security/scans'],
    });
    expect(
      await screen.findByTestId('scan-row-changes-scan-3'),
    ).toHaveTextContent('30 new · 2 resolved');
    expect(screen.getByTestId('scan-row-changes-scan-2')).toHaveTextContent(
      'No changes',
    );
    expect(screen.getByTestId('scan-row-changes-scan-1')).toHaveTextContent(
      'No changes (first scan)',
    );
    expect(
      screen.getByTestId('scan-row-changes-scan-running'),
    ).toHaveTextContent('—');
    expect(screen.getByTestId('scan-row-scan-2')).toHaveTextContent(
      'Started by hand',
    );

    // The running scan is not the default: the latest completed one is.
    const panel = await screen.findByTestId('scan-changes-panel');
    expect(
      await within(panel).findAllByTestId(/^scan-change-fp-/),
    ).toHaveLength(25);
    expect(requests).toEqual(['/scans/scan-3/changes?limit=25']);
    expect(
      within(panel).getByTestId('scan-change-filter-all'),
    ).toHaveTextContent('All: 32');
  });

  it('keeps the scan, the change filter and the page in the URL, one history entry each', async () => {
    const requests: string[] = [];
    server.use(
      http.get(`${BACKEND}/scans`, () => HttpResponse.json({ items: SCANS })),
      scanChangesHandler(
        {
          counts: counts({ new: 30, resolved: 2 }),
          totalItems: 30,
          items: [change(1)],
        },
        requests,
      ),
      http.get(`${BACKEND}/findings/fp-1`, () =>
        HttpResponse.json(
          makeFinding({ fingerprint: 'fp-1', title: 'Finding 1' }),
        ),
      ),
    );
    await renderWithBackend(<ScansView />, {
      routeEntries: ['/security/scans'],
    });
    const location = screen.getByTestId('location');
    await userEvent.click(await screen.findByTestId('scan-change-filter-new'));
    await waitFor(() =>
      expect(currentSearch(location).get('change')).toBe('new'),
    );
    expect(currentSearch(location).get('scan')).toBe('scan-3');
    await waitFor(() =>
      expect(requests).toContain('/scans/scan-3/changes?change=new&limit=25'),
    );

    await userEvent.click(
      await screen.findByRole('button', { name: /next page/i }),
    );
    await waitFor(() => expect(currentSearch(location).get('page')).toBe('1'));
    await waitFor(() =>
      expect(requests).toContain(
        '/scans/scan-3/changes?change=new&limit=25&offset=25',
      ),
    );

    // Another scan: its changes from the start, unfiltered.
    await userEvent.click(screen.getByTestId('scan-row-scan-2'));
    await waitFor(() =>
      expect(currentSearch(location).get('scan')).toBe('scan-2'),
    );
    expect(currentSearch(location).get('change')).toBeNull();
    expect(currentSearch(location).get('page')).toBeNull();
    await waitFor(() =>
      expect(requests).toContain('/scans/scan-2/changes?limit=25'),
    );

    // A change opens its finding in the drawer.
    await userEvent.click(await screen.findByTestId('scan-change-fp-1'));
    await waitFor(() =>
      expect(currentSearch(location).get('finding')).toBe('fp-1'),
    );
  });

  it('shows what a baseline scan is, and errors', async () => {
    server.use(
      http.get(`${BACKEND}/scans`, () =>
        HttpResponse.json({ items: [SCANS[3]] }),
      ),
      scanChangesHandler({ baseline: true }),
    );
    const { unmount } = await renderWithBackend(<ScansView />);
    expect(
      await screen.findByTestId('scan-changes-baseline'),
    ).toBeInTheDocument();
    unmount();

    server.use(
      http.get(`${BACKEND}/scans`, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'down' } },
          { status: 500 },
        ),
      ),
    );
    await renderWithBackend(<ScansView />);
    expect(
      await screen.findByText(/Could not load the scans/),
    ).toBeInTheDocument();
  });
});
