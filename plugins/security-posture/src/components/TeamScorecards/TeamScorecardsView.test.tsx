import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { TeamScorecard } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  renderWithBackend,
  scorecardsHandler,
  setupBackend,
} from '../../__testUtils__';
import { SecurityPageBaseProvider } from '../SecurityPage/SecurityPageContext';
import { MyTeamsCard, TeamScorecardsView } from './TeamScorecardsView';

jest.setTimeout(30_000);

const server = setupBackend();

function card(owner: string, overrides: Partial<TeamScorecard> = {}): TeamScorecard {
  return {
    owner,
    score: 90,
    grade: 'A',
    counts: { critical: 0, high: 0, medium: 1, low: 0, info: 0 },
    openFindings: 1,
    entities: 1,
    errors: 0,
    categories: [{ category: 'catalog', score: 90, grade: 'A' }],
    ...overrides,
  };
}

const ITEMS = [
  card('group:default/payments-checkout', {
    grade: 'D',
    score: 61.2,
    counts: { critical: 2, high: 1, medium: 0, low: 1, info: 0 },
    openFindings: 4,
    entities: 3,
    categories: [
      { category: 'catalog', score: 52.1, grade: 'F' },
      { category: 'templates', score: 70.3, grade: 'C' },
    ],
  }),
  card('group:default/identity'),
  card('group:default/clean', {
    score: 100,
    counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    openFindings: 0,
    entities: 0,
  }),
];

describe('TeamScorecardsView', () => {
  it('lists every owner worst first, with links to their findings and a CSV export', async () => {
    let exported = 0;
    server.use(
      scorecardsHandler({ items: ITEMS, categories: ['catalog', 'templates'] }),
      http.get(`${BACKEND}/scorecards/export.csv`, () => {
        exported += 1;
        return new HttpResponse('owner\n', {
          headers: {
            'Content-Type': 'text/csv',
            'Content-Disposition': 'attachment; filename="security-posture-team-scorecards.csv"',
          },
        });
      }),
    );
    const createObjectURL = jest.fn(() => 'blob:x');
    Object.assign(window.URL, { createObjectURL, revokeObjectURL: jest.fn() });
    await renderWithBackend(
      <SecurityPageBaseProvider value="/security">
        <TeamScorecardsView />
      </SecurityPageBaseProvider>,
    );
    const view = await screen.findByTestId('team-scorecards-view');
    expect(screen.getByText(/\(Catalog and Templates\)/)).toBeInTheDocument();
    const rows = within(view).getAllByTestId(/^team-scorecard-group/);
    expect(rows.map(r => r.getAttribute('data-testid'))).toEqual([
      'team-scorecard-group:default/payments-checkout',
      'team-scorecard-group:default/identity',
      'team-scorecard-group:default/clean',
    ]);
    expect(rows[0]).toHaveTextContent(/payments-checkout.*D.*61\.2.*4.*Critical: 2.*High: 1.*3.*Catalog F · Templates C/);
    expect(within(rows[0]).getByTestId('team-scorecard-findings')).toHaveAttribute(
      'href',
      '/security/findings?owner=group%3Adefault%2Fpayments-checkout',
    );
    // Nothing open: no link.
    expect(within(rows[2]).queryByTestId('team-scorecard-findings')).toBeNull();

    await userEvent.click(screen.getByTestId('team-scorecards-export-csv'));
    await waitFor(() => expect(exported).toBe(1));
    await waitFor(() => expect(createObjectURL).toHaveBeenCalled());
  });

  it('says when nobody owns a finding, and shows errors', async () => {
    server.use(scorecardsHandler({ items: [] }));
    const { unmount } = await renderWithBackend(<TeamScorecardsView />);
    expect(await screen.findByText('No finding is owned by anyone yet.')).toBeInTheDocument();
    unmount();
    server.use(
      http.get(`${BACKEND}/scorecards`, () =>
        HttpResponse.json({ error: { name: 'Error', message: 'x' } }, { status: 500 }),
      ),
    );
    await renderWithBackend(<TeamScorecardsView />);
    expect(await screen.findByText(/Could not load the team scorecards/)).toBeInTheDocument();
  });
});

describe('MyTeamsCard', () => {
  it("shows the caller's teams with the worst one in the headline", async () => {
    server.use(scorecardsHandler({ scope: 'mine', items: ITEMS.slice(0, 2) }));
    await renderWithBackend(<MyTeamsCard />);
    expect(await screen.findByTestId('my-teams')).toBeInTheDocument();
    expect(screen.getByText('Worst of your teams: D, 4 open findings')).toBeInTheDocument();
    expect(screen.getAllByTestId(/^team-scorecard-/)).toHaveLength(2);
  });

  it('shows nothing to someone who owns nothing with findings', async () => {
    let asked = false;
    server.use(
      http.get(`${BACKEND}/scorecards`, () => {
        asked = true;
        return HttpResponse.json({ scope: 'mine', items: [], categories: [] });
      }),
    );
    const { container } = await renderWithBackend(<MyTeamsCard />);
    await waitFor(() => expect(asked).toBe(true));
    expect(screen.queryByTestId('my-teams')).toBeNull();
    expect(container.textContent).not.toMatch(/Your team/);
  });
});
