import http from 'node:http';
import net from 'node:net';
import { AddressInfo } from 'node:net';
import { JsonValue } from '@backstage/types';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { createEgressCheck } from './egress';

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function run(options: Record<string, JsonValue>) {
  const published: Record<string, JsonValue> = {};
  const results = await runSecurityCheck(createEgressCheck(), {
    options,
    services: { fetch: globalThis.fetch },
    onPublish: (k, d) => {
      published[k] = d;
    },
  });
  return { results, data: published.egress as any };
}

describe('runtime/egress', () => {
  it('is not applicable without a canary URL, and sends nothing', async () => {
    const { results, data } = await run({});
    expect(results).toEqual([expect.objectContaining({ outcome: 'notApplicable' })]);
    expect(data).toBeUndefined();
  });

  it('fails when the canary answers, having sent a bodiless HEAD without credentials', async () => {
    const seen: Array<{ method?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    const port = await listen(server);
    try {
      const { results, data } = await run({ canaryUrl: `http://127.0.0.1:${port}/canary?id=secret-path` });
      expect(results).toEqual([
        expect.objectContaining({
          outcome: 'fail',
          message: expect.stringMatching(new RegExp(`^The backend reached http://127\\.0\\.0\\.1:${port} \\(HTTP 204\\)`)),
        }),
      ]);
      expect(data).toEqual(expect.objectContaining({ verdict: 'reachable', status: 204, canary: `http://127.0.0.1:${port}` }));
      expect(JSON.stringify({ results, data })).not.toContain('secret-path');
      expect(seen).toHaveLength(1);
      expect(seen[0].method).toBe('HEAD');
      expect(seen[0].body).toBe('');
      expect(seen[0].headers.authorization).toBeUndefined();
      expect(seen[0].headers.cookie).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('passes as blocked when the connection is refused', async () => {
    const server = net.createServer();
    const port = await listen(server);
    await new Promise(resolve => server.close(resolve));
    const { results, data } = await run({ canaryUrl: `http://127.0.0.1:${port}/` });
    expect(data).toEqual(expect.objectContaining({ verdict: 'blocked', detail: 'ECONNREFUSED', status: null }));
    expect(results).toEqual([
      expect.objectContaining({ outcome: 'pass', message: expect.stringContaining('consistent with egress filtering') }),
    ]);
  });

  it('passes as timeout when the canary never answers, within the strict timeout', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer(socket => sockets.push(socket)); // accepts, never answers
    const port = await listen(server);
    try {
      const started = Date.now();
      const { results, data } = await run({ canaryUrl: `http://127.0.0.1:${port}/`, timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(data).toEqual(expect.objectContaining({ verdict: 'timeout', detail: 'no answer within 300 ms' }));
      expect(results).toEqual([expect.objectContaining({ outcome: 'pass' })]);
    } finally {
      sockets.forEach(s => s.destroy());
      server.close();
    }
  });

  it('errors on a canary URL that is not http(s)', async () => {
    const { results } = await run({ canaryUrl: 'file:///etc/passwd' });
    expect(results).toEqual([expect.objectContaining({ outcome: 'error' })]);
  });
});
