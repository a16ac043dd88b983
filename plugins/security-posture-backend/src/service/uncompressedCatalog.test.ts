import http from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { uncompressedCatalog } from './uncompressedCatalog';

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
});
