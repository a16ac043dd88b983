import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { FindingGroup } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  checksHandler,
  currentSearch,
  makeFinding,
  makePage,
  renderWithBackend,
  setupBackend,
} from '../../__testUtils__';
import { FindingsTable } from './FindingsTable';

jest.setTimeout(30_000);

const server = setupBackend();
beforeEach(() => server.use(checksHandler));

const leaked: FindingGroup = {
  checkId: 'catalog/leaked-secret',
  title: 'AWS secret access key in annotation',
  category: 'catalog',
  severity: 'critical',
  targets: 7,
};
const cors: FindingGroup = {
  checkId: 'auth/cors-wildcard',
  title: 'CORS allows any origin',
  category: 'auth',
  severity: 'medium',
  targets: 1,
};

/** Records the requests of both routes; groups and findings answer with fixed pages. */
function serve() {
  const groupUrls: string[] = [];
  const findingUrls: string[] = [];
  server.use(
    http.get(`${BACKEND}/findings/groups`, ({ request }) => {
      groupUrls.push(request.url);
      const url = new URL(request.url);
      return HttpResponse.json({
        items: [leaked, cors],
        totalItems: 2,
        limit: Number(url.searchParams.get('limit')),
        offset: Number(url.searchParams.get('offset')),
        scope: 'all',
      });
    }),
    http.get(`${BACKEND}/findings`, ({ request }) => {
      findingUrls.push(request.url);
      return HttpResponse.json(
        makePage([makeFinding({ fingerprint: 'fp-1', title: leaked.title })], {
          totalItems: 1,
          limit: 25,
          offset: 0,
          scope: 'all',
        }),
      );
    }),
  );
  return { groupUrls, findingUrls };
}

describe('FindingsTable, grouped', () => {
  it('groups identical findings on the server for the current filters, kept in the URL', async () => {
    const { groupUrls, findingUrls } = serve();
    await renderWithBackend(<FindingsTable />, {
      routeEntries: ['/?severity=critical&severity=medium&sort=firstSeenAt'],
    });
    expect(await screen.findByTestId('finding-row-fp-1')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('checkbox', { name: 'Group identical findings' }));
    await waitFor(() =>
      expect(currentSearch(screen.getByTestId('location')).get('group')).toBe('1'),
    );
    const rows = await screen.findAllByTestId('finding-group-row');
    expect(rows.map(r => r.textContent)).toEqual([
      expect.stringMatching(/Critical.*AWS secret access key in annotation.*catalog\/leaked-secret.*7$/),
      expect.stringMatching(/Medium.*CORS allows any origin.*auth\/cors-wildcard.*1$/),
    ]);
    // Same filters as the list; sorting does not apply to groups.
    expect(groupUrls).toEqual([
      `${BACKEND}/findings/groups?severity=critical&severity=medium&status=open&limit=25&offset=0`,
    ]);
    expect(findingUrls).toHaveLength(1);
    expect(screen.queryByTestId('finding-row-fp-1')).not.toBeInTheDocument();
  });

  it('shows a group\'s targets: the list filtered to its check and title', async () => {
    const { findingUrls } = serve();
    await renderWithBackend(<FindingsTable />, { routeEntries: ['/?group=1&status=all'] });
    const rows = await screen.findAllByTestId('finding-group-row');

    await userEvent.click(within(rows[0]).getByRole('button', { name: leaked.title }));
    expect(await screen.findByTestId('finding-row-fp-1')).toBeInTheDocument();
    const search = currentSearch(screen.getByTestId('location'));
    expect(search.get('group')).toBeNull();
    expect(search.getAll('check')).toEqual(['catalog/leaked-secret']);
    expect(search.get('q')).toBe(leaked.title);
    expect(search.get('status')).toBe('all');
    expect(findingUrls).toEqual([
      `${BACKEND}/findings?status=open&status=exempted&status=resolved&checkId=catalog%2Fleaked-secret&text=AWS+secret+access+key+in+annotation&orderBy=severity&order=asc&limit=25&offset=0`,
    ]);
  });

  it('keeps grouping when the filters are cleared, and says when no group matches', async () => {
    server.use(
      http.get(`${BACKEND}/findings/groups`, () =>
        HttpResponse.json({ items: [], totalItems: 0, limit: 25, offset: 0, scope: 'mine' }),
      ),
    );
    await renderWithBackend(<FindingsTable />, { routeEntries: ['/?group=1&q=nothing'] });
    expect(await screen.findByTestId('finding-groups-empty')).toHaveTextContent(
      'No findings match these filters.',
    );
    await userEvent.click(
      within(screen.getByTestId('finding-groups-empty')).getByRole('button', { name: 'Clear filters' }),
    );
    await waitFor(() =>
      expect(currentSearch(screen.getByTestId('location')).get('q')).toBeNull(),
    );
    expect(currentSearch(screen.getByTestId('location')).get('group')).toBe('1');
  });
});
