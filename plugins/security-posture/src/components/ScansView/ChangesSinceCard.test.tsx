import { fireEvent, screen, waitFor, within } from '@testing-library/react';
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

function change(overrides: Partial<ScanChange>): ScanChange {
  return {
    change: 'new',
    fingerprint: 'fp-a',
    checkId: 'auth/guest-outside-development',
    category: 'auth',
    title: 'Guest sign-in enabled',
    severity: 'critical',
    recordedAt: '2026-11-22T08:00:00.000Z',
    ...overrides,
  };
}

/** The start of a local day, as the browser's time zone has it. */
const localMidnight = (year: number, month: number, day: number) =>
  new Date(year, month - 1, day).toISOString();

function serve() {
  const requests: URLSearchParams[] = [];
  server.use(
    http.get(`${BACKEND}/scans`, () =>
      HttpResponse.json({
        items: [
          makeScan({ id: 'scan-2', trigger: 'manual', checkIds: ['auth/guest-outside-development'] }),
          makeScan({ id: 'scan-1' }),
        ],
      }),
    ),
    scanChangesHandler(),
    checksHandler,
    changesSinceHandler(
      {
        counts: { new: 1, resolved: 1 },
        totalItems: 2,
        items: [
          change({}),
          change({
            change: 'resolved',
            fingerprint: 'fp-b',
            severity: 'low',
            title: 'Old token',
            recordedAt: '2026-11-23T08:00:00.000Z',
          }),
        ],
      },
      requests,
    ),
    http.get(`${BACKEND}/findings/fp-b`, () =>
      HttpResponse.json(makeFinding({ fingerprint: 'fp-b', status: 'resolved' })),
    ),
  );
  return requests;
}

describe('ScansView: what changed since a day', () => {
  it('asks for the changes since the start of the chosen day, filters them and keeps it all in the URL', async () => {
    const requests = serve();
    await renderWithBackend(<ScansView />, {
      routeEntries: ['/security/scans?since=2026-11-20'],
    });
    const card = await screen.findByTestId('changes-since-panel');
    expect(await within(card).findByTestId('scan-change-fp-a')).toHaveTextContent(
      'Guest sign-in enabled',
    );
    expect(within(card).getByTestId('scan-change-fp-b')).toHaveTextContent('Old token');
    expect(within(card).getByTestId('since-filter-all')).toHaveTextContent('All: 2');
    expect(within(card).getByTestId('since-filter-new')).toHaveTextContent('New: 1');
    expect(within(card).getByTestId('since-filter-resolved')).toHaveTextContent('Resolved: 1');
    expect(Object.fromEntries(requests[0])).toEqual({
      since: localMidnight(2026, 11, 20),
      limit: '25',
    });

    const location = screen.getByTestId('location');
    await userEvent.click(within(card).getByTestId('since-filter-resolved'));
    await waitFor(() =>
      expect(currentSearch(location).get('sinceChange')).toBe('resolved'),
    );
    await waitFor(() =>
      expect(requests.some(r => r.getAll('change').join() === 'resolved')).toBe(true),
    );

    // Another day: its changes, unfiltered.
    fireEvent.change(screen.getByTestId('since-date'), { target: { value: '2026-11-25' } });
    await waitFor(() => expect(currentSearch(location).get('since')).toBe('2026-11-25'));
    expect(currentSearch(location).get('sinceChange')).toBeNull();
    await waitFor(() =>
      expect(
        requests.some(
          r => r.get('since') === localMidnight(2026, 11, 25) && !r.has('change'),
        ),
      ).toBe(true),
    );

    // A change opens its finding in the drawer.
    await userEvent.click(await within(card).findByTestId('scan-change-fp-b'));
    await waitFor(() => expect(currentSearch(location).get('finding')).toBe('fp-b'));
  });

  it('starts a week back without a day in the URL, and names the checks of a check-limited scan', async () => {
    const requests = serve();
    await renderWithBackend(<ScansView />, { routeEntries: ['/security/scans'] });
    await screen.findByTestId('changes-since-panel');
    await waitFor(() => expect(requests.length).toBeGreaterThan(0));
    const weekAgo = new Date(Date.now() - 7 * 86_400_000);
    expect(requests[0].get('since')).toBe(
      localMidnight(weekAgo.getFullYear(), weekAgo.getMonth() + 1, weekAgo.getDate()),
    );
    expect(screen.getByTestId('scan-row-checks-scan-2')).toHaveTextContent(
      'Only auth/guest-outside-development',
    );
    expect(screen.queryByTestId('scan-row-checks-scan-1')).not.toBeInTheDocument();
  });
});
