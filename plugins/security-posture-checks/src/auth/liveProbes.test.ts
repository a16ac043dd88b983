import http from 'node:http';
import { AddressInfo } from 'node:net';
import { JsonValue } from '@backstage/types';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { AuthProbeReport } from '@security-posture/plugin-security-posture-common';
import { liveProbesCheck } from './liveProbes';

const GUEST_TOKEN = 'guest-session-token-abcdef0123456789';

/** A stand-in backend: what a real one answers anonymous callers, with switches for each weakness. */
function standInBackend(mode: { guest: boolean; anonymousCatalog: boolean }) {
  const requests: Array<{ method?: string; url?: string; auth?: string }> = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, auth: req.headers.authorization });
    const send = (status: number, body: unknown = {}, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const url = req.url ?? '';
    if (url.startsWith('/api/catalog/entities/by-query')) {
      const allowed =
        mode.anonymousCatalog || req.headers.authorization === `Bearer ${GUEST_TOKEN}`;
      return allowed ? send(200, { items: [{}], totalItems: 42 }) : send(401);
    }
    if (url === '/api/auth/guest/refresh') {
      return mode.guest
        ? send(200, {
            backstageIdentity: {
              token: GUEST_TOKEN,
              identity: {
                type: 'user',
                userEntityRef: 'user:development/guest',
                ownershipEntityRefs: [],
              },
            },
          })
        : send(404, { error: { message: "No auth provider registered for 'guest'" } });
    }
    if (url.startsWith('/api/open-plugin/')) return send(200, { ok: true });
    if (url.startsWith('/api/redirecting/'))
      return send(302, {}, { location: 'https://elsewhere.invalid/login' });
    if (url.startsWith('/api/slow/')) return undefined; // never answers
    return send(401);
  });
  return { server, requests };
}

describe('auth/live-probes', () => {
  const servers: http.Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise(resolve => s.close(resolve));
    }
  });

  async function probeWith(mode: { guest: boolean; anonymousCatalog: boolean }, plugins: string[]) {
    const { server, requests } = standInBackend(mode);
    servers.push(server);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    const published: Record<string, JsonValue> = {};
    const results = await runSecurityCheck(liveProbesCheck, {
      config: { backend: { baseUrl: base.replace(/\/api$/, '') } },
      options: { timeoutMs: 500 },
      installedPlugins: plugins.map(pluginId => ({ pluginId })),
      services: {
        fetch,
        discovery: {
          getBaseUrl: async (id: string) => `${base}/${id}`,
          getExternalBaseUrl: async (id: string) => `${base}/${id}`,
        },
      },
      onPublish: (key, data) => {
        published[key] = data;
      },
    });
    return { results, report: published.probes as unknown as AuthProbeReport, requests };
  }

  it('reports the guest session and what the guest reads, with observed status codes', async () => {
    const { results, report } = await probeWith({ guest: true, anonymousCatalog: false }, [
      'app',
      'auth',
      'catalog',
      'scaffolder',
      'permission',
    ]);
    const byId = Object.fromEntries(report.probes.map(p => [p.id, p]));
    expect(byId['catalog-entities-unauthenticated']).toMatchObject({ status: 401, verdict: 'ok' });
    expect(byId['guest-session']).toMatchObject({ status: 200, verdict: 'exposed' });
    expect(byId['guest-session'].detail).toContain('user:development/guest');
    expect(byId['catalog-entities-as-guest']).toMatchObject({ status: 200, verdict: 'exposed' });
    expect(byId['catalog-entities-as-guest'].detail).toContain('42 entities');
    expect(byId['plugin:scaffolder']).toMatchObject({ status: 401, verdict: 'ok', method: 'GET' });
    expect(byId['plugin:permission']).toMatchObject({ status: 401, verdict: 'ok', method: 'POST' });
    expect(byId['plugin:app']).toBeUndefined(); // public by design
    expect(results.filter(r => r.outcome === 'fail').map(r => r.location)).toEqual([
      'probe:guest-session',
      'probe:catalog-entities-as-guest',
    ]);
    // the guest token is used, never published
    expect(JSON.stringify(report)).not.toContain(GUEST_TOKEN);
    expect(JSON.stringify(results)).not.toContain(GUEST_TOKEN);
  });

  it('passes when the catalog answers 401 and no guest session is issued', async () => {
    const { results, report } = await probeWith({ guest: false, anonymousCatalog: false }, [
      'auth',
      'catalog',
    ]);
    expect(report.probes.map(p => [p.id, p.status, p.verdict])).toEqual([
      ['catalog-entities-unauthenticated', 401, 'ok'],
      ['guest-session', 404, 'ok'],
    ]);
    expect(results.map(r => r.outcome)).toEqual(['pass', 'pass']);
  });

  it('fails critically when the catalog answers anonymous callers', async () => {
    const { results } = await probeWith({ guest: false, anonymousCatalog: true }, ['catalog']);
    expect(results[0]).toMatchObject({ outcome: 'fail', severity: 'critical' });
    expect(results[0].message).toContain('HTTP 200');
  });

  it('never follows redirects, flags open plugin routes, and turns timeouts into errors', async () => {
    const { results, report, requests } = await probeWith(
      { guest: false, anonymousCatalog: false },
      ['open-plugin', 'redirecting', 'slow'],
    );
    const byId = Object.fromEntries(report.probes.map(p => [p.id, p]));
    expect(byId['plugin:open-plugin']).toMatchObject({ status: 200, verdict: 'exposed' });
    expect(byId['plugin:redirecting']).toMatchObject({
      status: 302,
      verdict: 'inconclusive',
      redirectLocation: 'https://elsewhere.invalid/login',
    });
    expect(byId['plugin:slow']).toMatchObject({
      verdict: 'inconclusive',
      error: 'timeout after 500 ms',
    });
    expect(results.map(r => r.outcome)).toEqual(['fail', 'notApplicable', 'error']);
    expect(requests.map(r => r.url)).toEqual([
      '/api/open-plugin/',
      '/api/redirecting/',
      '/api/slow/',
    ]);
  });
});
