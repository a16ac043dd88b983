import http from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  reusedServiceTokens,
  uncompressedCatalog,
} from './uncompressedCatalog';

describe('uncompressedCatalog', () => {
  let server: http.Server;
  let baseUrl: string;
  const requests: Array<{ url: string; headers: http.IncomingHttpHeaders }> =
    [];

  beforeAll(async () => {
    // Like the catalog behind Backstage's compression: gzip unless asked for identity.
    server = http.createServer((req, res) => {
      requests.push({ url: req.url!, headers: req.headers });
      const body = req.url!.startsWith('/api/catalog/entity-facets')
        ? { facets: { kind: [{ value: 'Component', count: 2 }] } }
        : {
            items: [
              {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: { name: 'a' },
              },
            ],
            totalItems: 1,
            pageInfo: {},
          };
      const json = Buffer.from(JSON.stringify(body));
      const gzip = /gzip/.test(String(req.headers['accept-encoding'] ?? ''));
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      });
      res.end(gzip ? gzipSync(json) : json);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  beforeEach(() => {
    requests.length = 0;
  });

  function reads() {
    return uncompressedCatalog({
      discovery: mockServices.discovery.mock({
        getBaseUrl: async (pluginId: string) => `${baseUrl}/api/${pluginId}`,
      }),
      auth: mockServices.auth(),
    });
  }

  it('pages the catalog asking for uncompressed responses, with a token for the catalog on behalf of the caller', async () => {
    const page = await reads().queryEntities(
      { filter: { kind: 'Component' }, limit: 500 },
      { credentials: mockCredentials.service('plugin:security-posture') },
    );

    expect(page.items.map(e => e.metadata.name)).toEqual(['a']);
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toMatch(/^\/api\/catalog\/entities\/by-query\?/);
    expect(requests[0].url).toContain('limit=500');
    expect(requests[0].headers['accept-encoding']).toBe('identity');
    expect(requests[0].headers.authorization).toBe(
      mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('plugin:security-posture'),
        targetPluginId: 'catalog',
      }),
    );
  });

  it('reads the kind facet the same way', async () => {
    const facets = await reads().getEntityFacets(
      { facets: ['kind'] },
      { credentials: mockCredentials.service('plugin:security-posture') },
    );

    expect(facets.facets.kind).toEqual([{ value: 'Component', count: 2 }]);
    expect(requests.map(r => r.headers['accept-encoding'])).toEqual([
      'identity',
    ]);
  });

  it('says where a worker reads a page: the same query URL and token as the client uses', async () => {
    const credentials = mockCredentials.service('plugin:security-posture');
    const catalog = reads();
    const first = await catalog.pageRequest!({ limit: 500 }, { credentials });
    const next = await catalog.pageRequest!(
      { limit: 500, cursor: 'abc=' },
      { credentials },
    );
    expect(first.url).toBe(
      `${baseUrl}/api/catalog/entities/by-query?limit=500`,
    );
    expect(next.url).toBe(
      `${baseUrl}/api/catalog/entities/by-query?limit=500&cursor=abc%3D`,
    );
    expect(`Bearer ${first.token}`).toBe(
      mockCredentials.service.header({
        onBehalfOf: credentials,
        targetPluginId: 'catalog',
      }),
    );
    // The client's own request for the first page has the same URL.
    await catalog.queryEntities({ limit: 500 }, { credentials });
    expect(`${baseUrl}${requests[0].url}`).toBe(first.url);
    // Turned off (`securityPosture.scans.workersReadCatalog: false`): the workers read nothing.
    expect(
      uncompressedCatalog({
        discovery: mockServices.discovery(),
        auth: mockServices.auth(),
        pageRequests: false,
      }).pageRequest,
    ).toBeUndefined();
  });
});

describe('reusedServiceTokens', () => {
  const jwt = (exp: number) =>
    `h.${Buffer.from(JSON.stringify({ exp: exp / 1000 })).toString(
      'base64url',
    )}.s`;
  const service = mockCredentials.service('plugin:security-posture');

  it('reuses a service token for a few minutes, never close to its expiry', async () => {
    let now = 1_000_000_000_000;
    let issued = 0;
    const token = reusedServiceTokens(
      async () => {
        issued += 1;
        return { token: jwt(now + 60 * 60_000) };
      },
      () => now,
    );
    const first = await token(service);
    expect(await token(service)).toEqual(first);
    now += 4 * 60_000;
    expect(await token(service)).toEqual(first);
    expect(issued).toBe(1);
    now += 2 * 60_000;
    await token(service);
    expect(issued).toBe(2);
  });

  it('issues a fresh token when the kept one expires within a minute', async () => {
    const now = 1_000_000_000_000;
    let issued = 0;
    const token = reusedServiceTokens(
      async () => {
        issued += 1;
        return { token: jwt(now + 50_000) };
      },
      () => now,
    );
    await token(service);
    await token(service);
    expect(issued).toBe(2);
  });

  it('never reuses tokens of users, or tokens whose expiry it cannot read', async () => {
    let issued = 0;
    const userToken = reusedServiceTokens(async () => {
      issued += 1;
      return { token: jwt(Date.now() + 60 * 60_000) };
    });
    await userToken(mockCredentials.user());
    await userToken(mockCredentials.user());
    expect(issued).toBe(2);
    const opaque = reusedServiceTokens(async () => {
      issued += 1;
      return { token: 'not-a-jwt' };
    });
    await opaque(service);
    await opaque(service);
    expect(issued).toBe(4);
  });
});
