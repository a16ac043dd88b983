import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { ResponseError } from '@backstage/errors';
import { FetchApi } from '@backstage/core-plugin-api';
import { mockApis } from '@backstage/test-utils';
import {
  filenameFromContentDisposition,
  findingsQueryString,
  SecurityPostureClient,
} from './SecurityPostureClient';
import {
  makeEntityDetails,
  makeFinding,
  makePage,
  makeScan,
  makeSummary,
} from '../__testUtils__/fixtures';

const baseUrl = 'http://localhost:7007/api/security-posture';
const server = setupServer();

/** Like the app's fetchApi: adds the user's token to every request. */
const fetchApi: FetchApi = {
  fetch: (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('Authorization', 'Bearer user-token');
    return fetch(input, { ...init, headers });
  },
};

function createClient() {
  return new SecurityPostureClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
    fetchApi,
  });
}

describe('SecurityPostureClient', () => {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('fetches the summary with the user token', async () => {
    const summary = makeSummary();
    let authorization: string | null = null;
    server.use(
      http.get(`${baseUrl}/summary`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return HttpResponse.json(summary);
      }),
    );
    await expect(createClient().getSummary()).resolves.toEqual(summary);
    expect(authorization).toBe('Bearer user-token');
  });

  it('turns a 403 into a ResponseError carrying the backend message', async () => {
    server.use(
      http.get(`${baseUrl}/summary`, () =>
        HttpResponse.json(
          {
            error: { name: 'NotAllowedError', message: 'Not allowed' },
            request: { method: 'GET', url: '/summary' },
            response: { statusCode: 403 },
          },
          { status: 403 },
        ),
      ),
    );
    const error = await createClient()
      .getSummary()
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.response.status).toBe(403);
    expect(error.body.error.name).toBe('NotAllowedError');
    expect(error.cause.message).toBe('Not allowed');
  });

  it('repeats array parameters in the findings query', async () => {
    let search: URLSearchParams | undefined;
    const page = makePage([makeFinding()], { limit: 25, offset: 50 });
    server.use(
      http.get(`${baseUrl}/findings`, ({ request }) => {
        search = new URL(request.url).searchParams;
        return HttpResponse.json(page);
      }),
    );
    const result = await createClient().getFindings({
      severity: ['critical', 'high'],
      status: ['open'],
      category: ['auth'],
      text: 'token leak',
      orderBy: 'firstSeenAt',
      order: 'desc',
      limit: 25,
      offset: 50,
    });
    expect(result).toEqual(page);
    expect(search!.getAll('severity')).toEqual(['critical', 'high']);
    expect(search!.getAll('status')).toEqual(['open']);
    expect(search!.get('category')).toBe('auth');
    expect(search!.get('text')).toBe('token leak');
    expect(search!.get('orderBy')).toBe('firstSeenAt');
    expect(search!.get('order')).toBe('desc');
    expect(search!.get('limit')).toBe('25');
    expect(search!.get('offset')).toBe('50');
    expect(search!.has('owner')).toBe(false);
  });

  it('sends the findings query string exactly, in a stable order', async () => {
    let url = '';
    server.use(
      http.get(`${baseUrl}/findings`, ({ request }) => {
        url = request.url;
        return HttpResponse.json(makePage([]));
      }),
    );
    await createClient().getFindings({
      offset: 50,
      limit: 25,
      order: 'desc',
      orderBy: 'firstSeenAt',
      text: 'token leak & more',
      entityKind: ['Component', 'API'],
      owner: ['group:default/payments-checkout'],
      checkId: ['catalog/leaked-secret'],
      status: ['open', 'resolved'],
      severity: ['critical', 'high'],
      category: ['auth'],
    });
    expect(url).toBe(
      `${baseUrl}/findings?category=auth&severity=critical&severity=high` +
        '&status=open&status=resolved&checkId=catalog%2Fleaked-secret' +
        '&owner=group%3Adefault%2Fpayments-checkout&entityKind=Component&entityKind=API' +
        '&text=token+leak+%26+more&orderBy=firstSeenAt&order=desc&limit=25&offset=50',
    );
  });

  it('reads published check data from the check data route', async () => {
    let url = '';
    server.use(
      http.get(`${baseUrl}/checks/:category/:name/data/:key`, ({ request }) => {
        url = request.url;
        return HttpResponse.json({
          checkId: 'permissions/policy-coverage',
          key: 'matrix',
          scanId: 'scan-1',
          updatedAt: '2026-11-29T08:00:00.000Z',
          data: { permissions: [] },
        });
      }),
    );
    const published = await createClient().getCheckData<{
      permissions: unknown[];
    }>('permissions/policy-coverage', 'matrix');
    expect(url).toBe(
      `${baseUrl}/checks/permissions/policy-coverage/data/matrix`,
    );
    expect(published?.data).toEqual({ permissions: [] });
    expect(published?.scanId).toBe('scan-1');
  });

  it('answers undefined for check data not published yet, and throws on other errors', async () => {
    server.use(
      http.get(`${baseUrl}/checks/auth/live-probes/data/probes`, () =>
        HttpResponse.json(
          { error: { name: 'NotFoundError', message: 'nothing yet' } },
          { status: 404 },
        ),
      ),
      http.get(`${baseUrl}/checks/plugins/inventory/data/inventory`, () =>
        HttpResponse.json(
          { error: { name: 'NotAllowedError', message: 'Not allowed' } },
          { status: 403 },
        ),
      ),
    );
    const client = createClient();
    await expect(
      client.getCheckData('auth/live-probes', 'probes'),
    ).resolves.toBeUndefined();
    const error = await client
      .getCheckData('plugins/inventory', 'inventory')
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.response.status).toBe(403);
    await expect(client.getCheckData('no-slash', 'x')).rejects.toThrow(
      /expected '<category>\/<name>'/,
    );
  });

  it('serializes an empty query to nothing', () => {
    expect(findingsQueryString({})).toBe('');
    expect(findingsQueryString({ owner: [], text: '' })).toBe('');
    expect(findingsQueryString({ offset: 0 })).toBe('?offset=0');
  });

  it('never sends what the backend rejects: empty items, undeclared parameters', async () => {
    expect(
      findingsQueryString({ owner: ['', ' '], category: ['auth', ''], text: '  ' }),
    ).toBe('?category=auth');
    // entityRef is not a parameter of GET /findings (the backend answers 400 to unknown ones).
    expect(findingsQueryString({ entityRef: 'component:default/x' })).toBe('');
    // The export takes filters only, no paging or order.
    expect(
      await createClient().exportCsvUrl({
        severity: ['high'],
        orderBy: 'severity',
        order: 'asc',
        limit: 5,
        offset: 10,
      }),
    ).toBe(`${baseUrl}/export.csv?severity=high`);
  });

  it('fetches one finding by encoded fingerprint', async () => {
    const finding = makeFinding({ fingerprint: 'a/b' });
    server.use(
      http.get(`${baseUrl}/findings/:fingerprint`, ({ params }) =>
        params.fingerprint === 'a/b'
          ? HttpResponse.json(finding)
          : new HttpResponse(null, { status: 404 }),
      ),
    );
    await expect(createClient().getFinding('a/b')).resolves.toEqual(finding);
  });

  it('addresses an entity by kind, namespace and name', async () => {
    const details = makeEntityDetails([makeFinding()]);
    let path = '';
    server.use(
      http.get(
        `${baseUrl}/entities/:kind/:namespace/:name/findings`,
        ({ request }) => {
          path = new URL(request.url).pathname;
          return HttpResponse.json(details);
        },
      ),
    );
    await expect(
      createClient().getEntityFindings('Component:default/checkout-api'),
    ).resolves.toEqual(details);
    expect(path).toBe(
      '/api/security-posture/entities/component/default/checkout-api/findings',
    );
    await createClient().getEntityFindings({
      kind: 'Group',
      namespace: 'default',
      name: 'payments-checkout',
    });
    expect(path).toBe(
      '/api/security-posture/entities/group/default/payments-checkout/findings',
    );
  });

  it('requests a scan and reads scans, history and checks', async () => {
    const queued = makeScan({ id: 'scan-9', status: 'queued' });
    let method = '';
    server.use(
      http.post(`${baseUrl}/scans`, ({ request }) => {
        method = request.method;
        return HttpResponse.json(queued, { status: 202 });
      }),
      http.get(`${baseUrl}/scans`, () =>
        HttpResponse.json({ items: [queued] }),
      ),
      http.get(`${baseUrl}/scans/:id`, ({ params }) =>
        HttpResponse.json({ ...queued, id: params.id, status: 'running' }),
      ),
      http.get(`${baseUrl}/history`, () =>
        HttpResponse.json({
          items: [
            {
              scanId: 'scan-1',
              finishedAt: '2026-11-29T08:00:00.000Z',
              status: 'succeeded',
              score: 80,
              grade: 'B',
              categories: [],
              counts: { critical: 0, high: 1, medium: 0, low: 0, info: 0 },
            },
          ],
        }),
      ),
      http.get(`${baseUrl}/checks`, () =>
        HttpResponse.json({
          items: [
            {
              id: 'auth/guest-in-production',
              title: 'Guest sign-in enabled in production',
              category: 'auth',
              defaultSeverity: 'critical',
              severity: 'critical',
              description: 'd',
              remediation: 'r',
              enabled: true,
              scope: 'deployment',
            },
          ],
        }),
      ),
    );
    const client = createClient();
    await expect(client.requestScan()).resolves.toEqual(queued);
    expect(method).toBe('POST');
    await expect(client.listScans()).resolves.toEqual([queued]);
    await expect(client.getScan('scan-9')).resolves.toMatchObject({
      id: 'scan-9',
      status: 'running',
    });
    const history = await client.getHistory();
    expect(history.map(h => h.grade)).toEqual(['B']);
    const checks = await client.listChecks();
    expect(checks.map(c => c.id)).toEqual(['auth/guest-in-production']);
  });

  it('builds CSV URLs with the same filters', async () => {
    const client = createClient();
    await expect(
      client.exportCsvUrl({ severity: ['critical'], status: ['open'] }),
    ).resolves.toBe(`${baseUrl}/export.csv?severity=critical&status=open`);
    await expect(
      client.entityCsvUrl('component:default/checkout-api'),
    ).resolves.toBe(
      `${baseUrl}/entities/component/default/checkout-api/findings.csv`,
    );
  });

  it('downloads CSV with the user token and the server file name', async () => {
    let authorization: string | null = null;
    server.use(
      http.get(`${baseUrl}/export.csv`, ({ request }) => {
        authorization = request.headers.get('authorization');
        return new HttpResponse('fingerprint,severity\nfp-1,high\n', {
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition':
              'attachment; filename="security-posture-report.csv"',
          },
        });
      }),
      http.get(
        `${baseUrl}/entities/:kind/:namespace/:name/findings.csv`,
        () =>
          new HttpResponse('entityRef,critical\n', {
            headers: { 'Content-Type': 'text/csv' },
          }),
      ),
    );
    const client = createClient();
    const report = await client.downloadFindingsCsv({ status: ['open'] });
    expect(authorization).toBe('Bearer user-token');
    expect(report.filename).toBe('security-posture-report.csv');
    expect(await report.blob.text()).toBe('fingerprint,severity\nfp-1,high\n');

    const entity = await client.downloadEntityFindingsCsv(
      'component:default/checkout-api',
    );
    expect(entity.filename).toBe('security-posture-entity.csv');
    expect(await entity.blob.text()).toBe('entityRef,critical\n');
  });

  it('fails a CSV download with a ResponseError', async () => {
    server.use(
      http.get(`${baseUrl}/export.csv`, () =>
        HttpResponse.json(
          { error: { name: 'AuthenticationError', message: 'No token' } },
          { status: 401 },
        ),
      ),
    );
    const error = await createClient()
      .downloadFindingsCsv()
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.response.status).toBe(401);
  });

  it('asks what a scan changed with the parameters the backend reads', async () => {
    const urls: string[] = [];
    server.use(
      http.get(`${baseUrl}/scans/:id/changes`, ({ request }) => {
        urls.push(request.url.replace(baseUrl, ''));
        return HttpResponse.json({ items: [] });
      }),
    );
    const client = createClient();
    await client.getScanChanges('scan/1');
    await client.getScanChanges('s2', {
      change: ['new', 'resolved'],
      limit: 25,
      offset: 50,
    });
    await client.getScanChanges('s3', { limit: 5, offset: 0 });
    expect(urls).toEqual([
      '/scans/scan%2F1/changes',
      '/scans/s2/changes?change=new&change=resolved&limit=25&offset=50',
      '/scans/s3/changes?limit=5',
    ]);
  });

  it('reads the team scorecards and downloads them as CSV', async () => {
    server.use(
      http.get(`${baseUrl}/scorecards`, () =>
        HttpResponse.json({ items: [], scope: 'mine', categories: [] }),
      ),
      http.get(
        `${baseUrl}/scorecards/export.csv`,
        () =>
          new HttpResponse('owner\n', {
            headers: {
              'Content-Type': 'text/csv',
              'Content-Disposition': 'attachment; filename="security-posture-my-teams.csv"',
            },
          }),
      ),
    );
    const client = createClient();
    await expect(client.getScorecards()).resolves.toEqual({
      items: [],
      scope: 'mine',
      categories: [],
    });
    const download = await client.downloadScorecardsCsv();
    expect(download.filename).toBe('security-posture-my-teams.csv');
    expect(await download.blob.text()).toBe('owner\n');
  });

  it('parses Content-Disposition file names', () => {
    expect(filenameFromContentDisposition(null)).toBeUndefined();
    expect(
      filenameFromContentDisposition('attachment; filename="a b.csv"'),
    ).toBe('a b.csv');
    expect(filenameFromContentDisposition('attachment; filename=x.csv')).toBe(
      'x.csv',
    );
    expect(
      filenameFromContentDisposition(
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.csv",
      ),
    ).toBe('résumé.csv');
  });
});
