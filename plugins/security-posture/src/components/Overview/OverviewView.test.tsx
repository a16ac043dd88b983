import { screen, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import {
  BACKEND,
  checksHandler,
  findingsHandler,
  makeHistoryPoint,
  makeSummary,
  renderWithBackend,
  scanChangesHandler,
  setupBackend,
} from '../../__testUtils__';
import { OverviewView } from './OverviewView';

jest.setTimeout(30_000);

const server = setupBackend();
const zero = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

describe('OverviewView', () => {
  // What the last scan changed: its own tests are beside ScanChangesCard.
  beforeEach(() => server.use(scanChangesHandler()));

  it('shows a clean deployment as such', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      http.get(`${BACKEND}/history`, () =>
        HttpResponse.json({
          items: [makeHistoryPoint({ score: 100, grade: 'A' })],
        }),
      ),
    );
    await renderWithBackend(
      <OverviewView
        canScan
        summary={makeSummary({
          score: 100,
          grade: 'A',
          counts: zero,
          openFindings: 0,
          categories: [
            {
              category: 'auth',
              score: 100,
              grade: 'A',
              counts: zero,
              errors: 0,
            },
          ],
        })}
      />,
    );
    expect(screen.getByTestId('category-card-auth')).toHaveTextContent(
      'No open findings',
    );
    expect(screen.getByTestId('severity-distribution')).toHaveTextContent(
      'No open findings.',
    );
    expect(
      screen.getByText('Nothing holds the grade down.'),
    ).toBeInTheDocument();
    const trend = await screen.findByTestId('score-trend');
    expect(
      await within(trend).findByText(/One scan so far/),
    ).toBeInTheDocument();
  });

  it('shows the states of the score trend', async () => {
    server.use(
      checksHandler,
      findingsHandler([]),
      http.get(`${BACKEND}/history`, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'history lost' } },
          { status: 500 },
        ),
      ),
    );
    const { unmount } = await renderWithBackend(
      <OverviewView canScan={false} summary={makeSummary()} />,
    );
    expect(
      await screen.findByText(/Could not load the history/),
    ).toBeInTheDocument();
    unmount();

    server.use(
      http.get(`${BACKEND}/history`, () => HttpResponse.json({ items: [] })),
    );
    const second = await renderWithBackend(
      <OverviewView canScan={false} summary={makeSummary()} />,
    );
    expect(
      await screen.findByText(/No completed scans yet/),
    ).toBeInTheDocument();
    second.unmount();

    server.use(
      http.get(`${BACKEND}/history`, async () => {
        await delay('infinite');
        return HttpResponse.json({ items: [] });
      }),
    );
    await renderWithBackend(
      <OverviewView canScan={false} summary={makeSummary()} />,
    );
    expect(
      within(screen.getByTestId('score-trend')).getByTestId('progress'),
    ).toBeInTheDocument();
  });

  it('tells readers without the scan permission when grading happens', async () => {
    await renderWithBackend(
      <OverviewView
        canScan={false}
        summary={makeSummary({
          lastCompletedScan: undefined,
          lastScan: undefined,
        })}
      />,
    );
    expect(screen.getByTestId('no-scan-yet')).toHaveTextContent(
      'The deployment is graded after the first scheduled scan.',
    );
  });
});
