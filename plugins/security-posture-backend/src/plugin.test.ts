import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { securityPosturePlugin } from './plugin';
import { createRouter } from './router';

const spec = YAML.parse(
  fs.readFileSync(path.resolve(__dirname, 'schema/openapi.yaml'), 'utf8'),
);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the OpenAPI spec, as [METHOD, path with sample parameters]. */
const specRoutes: Array<[string, string]> = Object.entries(spec.paths).flatMap(
  ([route, operations]) =>
    Object.keys(operations as object)
      .filter(method => METHODS.includes(method))
      .map(method => [method.toUpperCase(), route.replace(/\{[^}]+\}/g, 'x')] as [string, string]),
);

async function startBackend() {
  const auditor = mockServices.auditor.mock({
    createEvent: jest.fn(async () => ({ success: jest.fn(), fail: jest.fn() })),
  });
  const { server } = await startTestBackend({
    features: [
      securityPosturePlugin,
      catalogServiceMock.factory({ entities: [] }),
      auditor.factory,
      mockServices.rootConfig.factory({
        data: {
          securityPosture: {
            schedule: { frequency: { hours: 24 }, timeout: { minutes: 1 }, initialDelay: { hours: 1 } },
          },
        },
      }),
    ],
  });
  return { server, auditor };
}

describe('security-posture plugin', () => {
  it('documents every route it serves, and serves every documented route', async () => {
    const router = await createRouter({} as any);
    const served = (router as any).stack
      // The validated router also serves the spec itself (backend-openapi-utils).
      .filter((layer: any) => layer.route && layer.route.path !== '/openapi.json')
      .flatMap((layer: any) =>
        Object.keys(layer.route.methods).map(
          method => `${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      )
      .sort();
    const documented = Object.entries(spec.paths)
      .flatMap(([route, operations]) =>
        Object.keys(operations as object)
          .filter(method => METHODS.includes(method))
          .map(method => `${method.toUpperCase()} ${route}`),
      )
      .sort();
    expect(served).toEqual(documented);
    expect(documented.length).toBeGreaterThanOrEqual(10);
  });

  it.each(specRoutes)('%s %s refuses unauthenticated requests', async (method, route) => {
    const { server } = await startBackend();
    const res = await (request(server) as any)
      [method.toLowerCase()](`/api/security-posture${route}`)
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('audits report reads, exports and scan starts', async () => {
    const { server, auditor } = await startBackend();
    const auth = mockCredentials.user.header('user:default/alice');
    expect((await request(server).get('/api/security-posture/findings').set('Authorization', auth)).status).toBe(200);
    expect((await request(server).get('/api/security-posture/export.csv').set('Authorization', auth)).status).toBe(200);
    expect((await request(server).post('/api/security-posture/scans').set('Authorization', auth)).status).toBe(202);
    const events = auditor.createEvent.mock.calls.map(([event]: any) => event.eventId);
    expect(events).toEqual(['report-read', 'report-export', 'scan-start']);
  });

  it('rejects malformed queries with a clear 400', async () => {
    const { server } = await startBackend();
    const auth = mockCredentials.user.header('user:default/alice');
    const res = await request(server)
      .get('/api/security-posture/findings?severity=urgent&limit=5')
      .set('Authorization', auth);
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(/severity/);
  });
});
