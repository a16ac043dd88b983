import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse, delay } from 'msw';
import { useNavigate } from 'react-router-dom';
import { Finding } from '@security-posture/plugin-security-posture-common';
import {
  BACKEND,
  currentSearch,
  makeFinding,
  makePage,
  renderWithBackend,
  setupBackend,
  checksHandler,
} from '../../__testUtils__';
import { FindingsTable } from './FindingsTable';

// Rendering the whole table with MUI in jsdom takes a few seconds per test.
jest.setTimeout(30_000);

const server = setupBackend();
// The finding's remediation snippets come from the check metadata (none here).
beforeEach(() => server.use(checksHandler));

/** Records every findings request and answers with a page of the given findings. */
function serveFindings(
  items: Finding[] | ((url: URL) => Finding[]),
  options: { totalItems?: number; scope?: 'all' | 'mine' } = {},
) {
  const urls: string[] = [];
  server.use(
    http.get(`${BACKEND}/findings`, ({ request }) => {
      urls.push(request.url);
      const url = new URL(request.url);
      const page = typeof items === 'function' ? items(url) : items;
      return HttpResponse.json(
        makePage(page, {
          totalItems: options.totalItems ?? page.length,
          limit: Number(url.searchParams.get('limit')),
          offset: Number(url.searchParams.get('offset')),
          scope: options.scope ?? 'all',
        }),
      );
    }),
  );
  return urls;
}

const critical = makeFinding({
  fingerprint: 'fp-critical',
  severity: 'critical',
  title: 'AWS secret access key in annotation',
  message: 'An annotation holds an AWS secret access key.',
  checkId: 'catalog/leaked-secret',
  location: 'metadata.annotations.acme.io/aws-secret-access-key',
  entityRef: 'component:default/payments-api',
  owners: ['group:default/payments-checkout'],
  evidence: {
    field: 'metadata.annotations.acme.io/aws-secret-access-key',
    secretKind: 'aws-secret-access-key',
    secretMask: '…(40 chars)',
    secretFingerprint: 'sha256:0badc0de',
  },
  remediation: 'Rotate the key and move it to a secret store.',
  docsUrl:
    'https://backstage.io/docs/features/software-catalog/descriptor-format',
});
const config = makeFinding({
  fingerprint: 'fp-config',
  severity: 'high',
  category: 'auth',
  checkId: 'auth/guest-outside-development',
  title: 'Guest sign-in is possible outside development',
  message: 'auth.providers.guest.dangerouslyAllowOutsideDevelopment is true',
  target: { type: 'config', path: 'auth.providers.guest' },
  location: undefined,
  entityRef: undefined,
  entityKind: undefined,
  owners: [],
  evidence: {},
});

/** The browser's Back and Forward buttons. */
function HistoryButtons() {
  const navigate = useNavigate();
  return (
    <>
      <button type="button" onClick={() => navigate(-1)}>
        Browser back
      </button>
      <button type="button" onClick={() => navigate(1)}>
        Browser forward
      </button>
    </>
  );
}

/** Ten findings per request, numbered from the requested offset. */
function numbered(url: URL) {
  return Array.from({ length: 10 }, (_, i) => {
    const n = Number(url.searchParams.get('offset')) + i;
    return makeFinding({ fingerprint: `fp-${n}`, title: `Finding ${n}` });
  });
}

describe('FindingsTable', () => {
  it('requests the page, sort and filters from the URL and renders the rows', async () => {
    const urls = serveFindings([critical, config], { totalItems: 12 });

    await renderWithBackend(<FindingsTable />, {
      routeEntries: [
        '/?severity=critical&severity=high&sort=firstSeenAt&order=desc&page=1&size=10',
      ],
    });

    const table = screen.getByTestId('findings-table');
    expect(
      await within(table).findByText('AWS secret access key in annotation'),
    ).toBeInTheDocument();
    expect(urls).toEqual([
      `${BACKEND}/findings?severity=critical&severity=high&status=open&orderBy=firstSeenAt&order=desc&limit=10&offset=10`,
    ]);
    const row = screen.getByTestId('finding-row-fp-critical');
    expect(row).toHaveTextContent('Critical');
    expect(row).toHaveTextContent(
      'metadata.annotations.acme.io/aws-secret-access-key',
    );
    expect(
      within(row).getByRole('link', { name: /payments-api/ }),
    ).toHaveAttribute('href', '/catalog/default/component/payments-api');
    expect(screen.getByTestId('finding-row-fp-config')).toHaveTextContent(
      'config: auth.providers.guest',
    );
    expect(screen.getByTestId('findings-total')).toHaveTextContent('(12)');
    expect(screen.getByText('11-12 of 12')).toBeInTheDocument();
  });

  it('sorts on the server and keeps the sort in the URL', async () => {
    const urls = serveFindings([critical]);
    await renderWithBackend(<FindingsTable />);
    await screen.findByTestId('finding-row-fp-critical');

    await userEvent.click(screen.getByTestId('sort-target'));
    await waitFor(() =>
      expect(urls.at(-1)).toBe(
        `${BACKEND}/findings?status=open&orderBy=entityRef&order=asc&limit=25&offset=0`,
      ),
    );
    expect(currentSearch(screen.getByTestId('location')).get('sort')).toBe(
      'entityRef',
    );

    // Dates sort newest first on the first click, then flip.
    await userEvent.click(screen.getByTestId('sort-firstSeenAt'));
    await waitFor(() =>
      expect(urls.at(-1)).toContain('orderBy=firstSeenAt&order=desc'),
    );
    await userEvent.click(screen.getByTestId('sort-firstSeenAt'));
    await waitFor(() =>
      expect(urls.at(-1)).toContain('orderBy=firstSeenAt&order=asc'),
    );
  });

  it('filters by severity, status and kind, and goes back to the first page', async () => {
    const urls = serveFindings([critical], { totalItems: 60 });
    await renderWithBackend(<FindingsTable />, { routeEntries: ['/?page=2'] });
    await screen.findByTestId('finding-row-fp-critical');
    expect(urls[0]).toContain('offset=50');

    await userEvent.click(
      within(screen.getByTestId('filter-severity')).getByRole('button'),
    );
    await userEvent.click(
      within(screen.getByRole('listbox')).getByRole('option', {
        name: 'Critical',
      }),
    );
    await userEvent.keyboard('{Escape}');
    await waitFor(() =>
      expect(urls.at(-1)).toBe(
        `${BACKEND}/findings?severity=critical&status=open&orderBy=severity&order=asc&limit=25&offset=0`,
      ),
    );

    await userEvent.click(
      within(screen.getByTestId('filter-status')).getByRole('button'),
    );
    await userEvent.click(
      screen.getByRole('option', { name: 'All' }),
    );
    await waitFor(() =>
      expect(urls.at(-1)).toContain('status=open&status=exempted&status=resolved'),
    );

    await userEvent.click(
      within(screen.getByTestId('filter-kind')).getByRole('button'),
    );
    await userEvent.click(screen.getByRole('option', { name: 'API' }));
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(urls.at(-1)).toContain('entityKind=API'));

    const search = currentSearch(screen.getByTestId('location'));
    expect(search.getAll('severity')).toEqual(['critical']);
    expect(search.get('status')).toBe('all');
    expect(search.getAll('kind')).toEqual(['API']);
    expect(search.has('page')).toBe(false);
  });

  it('searches free text after a pause and filters by typed owner refs', async () => {
    const urls = serveFindings([critical]);
    await renderWithBackend(<FindingsTable />, {
      catalogEntities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Group',
          metadata: { name: 'payments-checkout', namespace: 'default' },
          spec: { type: 'team', children: [] },
        },
      ],
    });
    await screen.findByTestId('finding-row-fp-critical');

    await userEvent.type(screen.getByTestId('filter-text'), 'aws key');
    await waitFor(() =>
      expect(urls.at(-1)).toContain('text=aws+key&orderBy=severity'),
    );
    // One request for the whole word, not one per keystroke.
    expect(urls.filter(u => u.includes('text=')).length).toBe(1);

    await userEvent.type(
      screen.getByTestId('filter-owner-input'),
      'Group:default/Payments-Checkout{Enter}',
    );
    await waitFor(() =>
      expect(urls.at(-1)).toContain(
        'owner=group%3Adefault%2Fpayments-checkout',
      ),
    );

    await userEvent.click(screen.getByTestId('filter-reset'));
    // Back to the unfiltered query (answered from the cache: no new request needed).
    await waitFor(() =>
      expect(screen.getByTestId('location')).toHaveTextContent(/^\/$/),
    );
    expect(screen.getByTestId('filter-text')).toHaveValue('');
    expect(screen.getByTestId('filter-reset')).toBeDisabled();
    expect(urls[0]).toBe(
      `${BACKEND}/findings?status=open&orderBy=severity&order=asc&limit=25&offset=0`,
    );
  });

  it('pages on the server', async () => {
    const urls = serveFindings(
      url =>
        Array.from({ length: 10 }, (_, i) => {
          const n = Number(url.searchParams.get('offset')) + i;
          return makeFinding({ fingerprint: `fp-${n}`, title: `Finding ${n}` });
        }),
      { totalItems: 23 },
    );
    await renderWithBackend(<FindingsTable />, { routeEntries: ['/?size=10'] });
    expect(await screen.findByText('Finding 0')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: /next page/i }));
    expect(await screen.findByText('Finding 10')).toBeInTheDocument();
    expect(screen.queryByText('Finding 0')).not.toBeInTheDocument();
    expect(urls.at(-1)).toContain('limit=10&offset=10');
    expect(currentSearch(screen.getByTestId('location')).get('page')).toBe('1');
  });

  it('goes to the last page when a shared link points past it', async () => {
    const urls = serveFindings(
      url => (Number(url.searchParams.get('offset')) >= 30 ? [] : [critical]),
      { totalItems: 30 },
    );
    await renderWithBackend(<FindingsTable />, {
      routeEntries: ['/?page=7&size=10'],
    });
    await waitFor(() => expect(urls.at(-1)).toContain('limit=10&offset=20'));
    expect(currentSearch(screen.getByTestId('location')).get('page')).toBe('2');
    expect(
      await screen.findByTestId('finding-row-fp-critical'),
    ).toBeInTheDocument();
  });

  it('opens the details drawer from a row with redacted evidence, remediation and links', async () => {
    serveFindings([critical]);
    const detailUrls: string[] = [];
    server.use(
      http.get(`${BACKEND}/findings/:fingerprint`, ({ request }) => {
        detailUrls.push(request.url);
        return HttpResponse.json(critical);
      }),
    );
    await renderWithBackend(<FindingsTable />);
    await userEvent.click(
      await screen.findByTestId('finding-open-fp-critical'),
    );

    const drawer = await screen.findByRole('dialog');
    const details = within(drawer).getByTestId('finding-details-fp-critical');
    expect(details).toHaveTextContent('…(40 chars)');
    expect(details).toHaveTextContent('sha256:0badc0de');
    expect(details).toHaveTextContent('aws-secret-access-key');
    expect(
      within(details).getByTestId('finding-remediation'),
    ).toHaveTextContent('Rotate the key and move it to a secret store.');
    expect(
      within(details).getByRole('link', { name: /Documentation/ }),
    ).toHaveAttribute(
      'href',
      'https://backstage.io/docs/features/software-catalog/descriptor-format',
    );
    expect(
      within(drawer).getByRole('link', { name: 'All findings of this check' }),
    ).toHaveAttribute('href', '/?check=catalog%2Fleaked-secret&status=all');
    expect(detailUrls).toEqual([`${BACKEND}/findings/fp-critical`]);
    expect(currentSearch(screen.getByTestId('location')).get('finding')).toBe(
      'fp-critical',
    );

    await userEvent.keyboard('{Escape}');
    await waitFor(() =>
      expect(currentSearch(screen.getByTestId('location')).has('finding')).toBe(
        false,
      ),
    );
  });

  it('opens the drawer of a shared link even when the finding is not on the page', async () => {
    serveFindings([]);
    server.use(
      http.get(`${BACKEND}/findings/fp-config`, () =>
        HttpResponse.json(config),
      ),
    );
    await renderWithBackend(<FindingsTable />, {
      routeEntries: ['/?finding=fp-config'],
    });
    const drawer = await screen.findByRole('dialog');
    expect(
      await within(drawer).findByText(
        'Guest sign-in is possible outside development',
      ),
    ).toBeInTheDocument();
    expect(drawer).toHaveTextContent('No evidence recorded.');
  });

  it('says when nothing matches, and offers to clear the filters', async () => {
    serveFindings([]);
    await renderWithBackend(<FindingsTable />, {
      routeEntries: ['/?severity=critical'],
    });
    const empty = await screen.findByTestId('findings-empty');
    expect(empty).toHaveTextContent('No findings match these filters.');
    await userEvent.click(
      within(empty).getByRole('button', { name: 'Clear filters' }),
    );
    expect(await screen.findByTestId('findings-empty')).toHaveTextContent(
      'No open findings.',
    );
  });

  it('names the scope of users without the report permission', async () => {
    serveFindings([], { scope: 'mine' });
    await renderWithBackend(<FindingsTable />);
    expect(await screen.findByTestId('findings-empty')).toHaveTextContent(
      'No open findings in the entities you may see in detail.',
    );
    expect(screen.getByTestId('findings-table')).toHaveTextContent(
      'Findings of my entities',
    );
  });

  it('shows the backend error', async () => {
    server.use(
      http.get(`${BACKEND}/findings`, () =>
        HttpResponse.json(
          { error: { name: 'InputError', message: 'text is too long' } },
          { status: 400 },
        ),
      ),
    );
    await renderWithBackend(<FindingsTable />);
    expect(
      await screen.findByText(/Could not load findings/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/text is too long/).length).toBeGreaterThan(0);
  });

  it('shows progress while the first page loads', async () => {
    server.use(
      http.get(`${BACKEND}/findings`, async () => {
        await delay('infinite');
        return HttpResponse.json(makePage([]));
      }),
    );
    await renderWithBackend(<FindingsTable />);
    expect(
      screen.getByRole('progressbar', { name: 'Loading findings' }),
    ).toBeInTheDocument();
    expect(screen.queryByTestId('findings-empty')).not.toBeInTheDocument();
  });

  it('exports the current filters (without paging) under a dated file name', async () => {
    serveFindings([critical]);
    const csvUrls: string[] = [];
    server.use(
      http.get(`${BACKEND}/export.csv`, ({ request }) => {
        csvUrls.push(request.url);
        return new HttpResponse(
          'fingerprint,severity\nfp-critical,critical\n',
          {
            headers: {
              'Content-Type': 'text/csv',
              'Content-Disposition':
                'attachment; filename="security-posture-report.csv"',
            },
          },
        );
      }),
    );
    Object.assign(window.URL, {
      createObjectURL: jest.fn(() => 'blob:csv'),
      revokeObjectURL: jest.fn(),
    });
    const saved: string[] = [];
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function record(this: HTMLAnchorElement) {
        saved.push(this.download);
      });

    await renderWithBackend(
      <FindingsTable
        fixed={{ category: ['catalog'] }}
        exportFilenameBase="security-posture-catalog-findings"
      />,
      { routeEntries: ['/?severity=critical&q=aws&page=2&sort=entityRef'] },
    );
    await screen.findByTestId('finding-row-fp-critical');
    // The category is fixed by the view: not offered as a filter.
    expect(screen.queryByTestId('filter-category')).toBeNull();
    expect(screen.getByTestId('filter-severity')).toBeInTheDocument();
    await act(async () => {
      await userEvent.click(screen.getByTestId('findings-export-csv'));
    });

    await waitFor(() => expect(saved).toHaveLength(1));
    expect(csvUrls).toEqual([
      `${BACKEND}/export.csv?category=catalog&severity=critical&status=open&text=aws`,
    ]);
    expect(saved[0]).toMatch(
      /^security-posture-catalog-findings-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    click.mockRestore();
  });

  it('walks back and forward through pages and filters (history entries, not replacements)', async () => {
    serveFindings(numbered, { totalItems: 35 });
    await renderWithBackend(
      <>
        <FindingsTable />
        <HistoryButtons />
      </>,
      { routeEntries: ['/elsewhere', '/?size=10'] },
    );
    expect(await screen.findByText('Finding 0')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: /next page/i }));
    expect(await screen.findByText('Finding 10')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: /next page/i }));
    expect(await screen.findByText('Finding 20')).toBeInTheDocument();
    await userEvent.click(
      within(screen.getByTestId('filter-status')).getByRole('button'),
    );
    await userEvent.click(screen.getByRole('option', { name: 'Resolved' }));
    await waitFor(() =>
      expect(currentSearch(screen.getByTestId('location')).get('status')).toBe(
        'resolved',
      ),
    );

    const location = () => screen.getByTestId('location').textContent;
    await userEvent.click(screen.getByRole('button', { name: 'Browser back' }));
    await waitFor(() => expect(location()).toBe('/?size=10&page=2'));
    expect(await screen.findByText('Finding 20')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Browser back' }));
    await waitFor(() => expect(location()).toBe('/?size=10&page=1'));
    expect(await screen.findByText('Finding 10')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Browser back' }));
    await waitFor(() => expect(location()).toBe('/?size=10'));
    // Still on the table: Back walked through its pages, not off the page.
    expect(await screen.findByText('Finding 0')).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Browser forward' }),
    );
    await waitFor(() => expect(location()).toBe('/?size=10&page=1'));
  });

  it('corrects a page past the end without an MUI warning, and shows loading instead of "0-0 of 0"', async () => {
    const errors = jest.spyOn(console, 'error');
    const warnings = jest.spyOn(console, 'warn');
    let answer: () => void = () => {};
    const answered = new Promise<void>(resolve => {
      answer = resolve;
    });
    const urls: string[] = [];
    server.use(
      http.get(`${BACKEND}/findings`, async ({ request }) => {
        urls.push(request.url);
        await answered;
        const url = new URL(request.url);
        const offset = Number(url.searchParams.get('offset'));
        return HttpResponse.json(
          makePage(offset >= 30 ? [] : numbered(url), {
            totalItems: 30,
            limit: 10,
            offset,
          }),
        );
      }),
    );
    await renderWithBackend(<FindingsTable />, {
      routeEntries: ['/?page=999&size=10'],
    });
    // While the first page loads, the total is unknown.
    expect(screen.getByTestId('findings-pagination-loading')).toHaveTextContent(
      'Loading findings…',
    );
    expect(screen.queryByText(/0-0 of 0/)).not.toBeInTheDocument();
    expect(screen.queryByTestId('findings-empty')).not.toBeInTheDocument();

    answer();
    expect(await screen.findByText('Finding 20')).toBeInTheDocument();
    expect(screen.getByText('21-30 of 30')).toBeInTheDocument();
    expect(currentSearch(screen.getByTestId('location')).get('page')).toBe('2');
    expect(urls.map(u => new URL(u).searchParams.get('offset'))).toEqual([
      '9990',
      '20',
    ]);
    const messages = [...errors.mock.calls, ...warnings.mock.calls]
      .flat()
      .map(String);
    expect(messages.filter(m => /out of range/.test(m))).toEqual([]);
    errors.mockRestore();
    warnings.mockRestore();
  });

  it('gives owners and locators room: minimum widths, one owner per line, breaks only at separators', async () => {
    serveFindings([
      {
        ...critical,
        owners: [
          'group:default/payments-checkout',
          'group:default/platform-team',
          'group:default/security',
        ],
      },
    ]);
    await renderWithBackend(<FindingsTable />);
    const row = await screen.findByTestId('finding-row-fp-critical');
    expect(screen.getByTestId('column-owners')).toHaveStyle({
      minWidth: '160px',
    });
    expect(screen.getByTestId('column-target')).toHaveStyle({
      minWidth: '200px',
    });
    expect(screen.getByTestId('column-title')).toHaveStyle({
      minWidth: '240px',
    });
    const owner = row.querySelector(
      'span[title="group:default/payments-checkout"]',
    );
    expect(owner).toHaveStyle({
      display: 'block',
      whiteSpace: 'nowrap',
      textOverflow: 'ellipsis',
    });
    expect(row).toHaveTextContent('+1 more');
    // The location keeps its text but may only wrap after `.`, `/` or `#`.
    const location = within(row).getByText(
      (_content, element) =>
        element?.tagName === 'P' &&
        element.textContent ===
          'metadata.annotations.acme.io/aws-secret-access-key',
    );
    expect(location.querySelectorAll('wbr')).toHaveLength(4);
    expect(location).toHaveStyle({ overflowWrap: 'break-word' });
  });

  it('offers restricted users only the categories they can see', async () => {
    serveFindings([critical], { scope: 'mine' });
    server.use(
      http.get(`${BACKEND}/checks`, () =>
        HttpResponse.json({
          items: [
            { id: 'auth/guest', category: 'auth', scope: 'deployment' },
            { id: 'acme/entity-x', category: 'acme', scope: 'entity' },
          ],
        }),
      ),
    );
    await renderWithBackend(<FindingsTable />);
    await screen.findByTestId('finding-row-fp-critical');
    await waitFor(() =>
      expect(screen.getByTestId('findings-table')).toHaveTextContent(
        'Findings of my entities',
      ),
    );
    await userEvent.click(
      within(screen.getByTestId('filter-category')).getByRole('button'),
    );
    const options = within(screen.getByRole('listbox'))
      .getAllByRole('option')
      .map(o => o.textContent);
    expect(options).toEqual(['Templates', 'Catalog', 'Acme']);
  });

  it('offers platform users every category', async () => {
    serveFindings([critical]);
    server.use(
      http.get(`${BACKEND}/checks`, () => HttpResponse.json({ items: [] })),
    );
    await renderWithBackend(<FindingsTable />);
    await screen.findByTestId('finding-row-fp-critical');
    await userEvent.click(
      within(screen.getByTestId('filter-category')).getByRole('button'),
    );
    expect(
      within(screen.getByRole('listbox'))
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual([
      'Authentication',
      'Permissions',
      'Plugins',
      'Templates',
      'Catalog',
      'Runtime',
      'Detections',
    ]);
  });
});
