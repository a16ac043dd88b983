/*
 * Live probes against the real demo backend process: `backstage-cli package start` with the
 * demo portal's insecure config, then with its hardened config, each on a free port with real
 * auth (startTestBackend's mock auth would let token-less requests in, so its 401s mean
 * nothing). A scan runs inside each backend; the test reads what auth/live-probes observed and
 * the permission coverage matrix's live columns through the security-posture API.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  AuthProbeReport,
  PermissionCoverageMatrix,
} from '@security-posture/plugin-security-posture-common';

const repoRoot = path.resolve(__dirname, '../../..');
const backendDir = path.resolve(__dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function until<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    await new Promise(r => setTimeout(r, 300));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}

interface RunningBackend {
  baseUrl: string;
  output: string[];
  stop(): Promise<void>;
}

/** Starts packages/backend as `npm start` does, with `variant` layered on app-config.yaml. */
async function startRealBackend(variant: 'demo' | 'hardened'): Promise<RunningBackend> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-probes-'));
  const overrides = path.join(dir, 'app-config.port.yaml');
  fs.writeFileSync(
    overrides,
    [
      'backend:',
      `  baseUrl: ${baseUrl}`,
      '  listen:',
      `    port: ${port}`,
      'securityPosture:',
      '  schedule:',
      // the scheduler's worker starts polling only after initialDelay; keep it short so a
      // requested scan runs at once
      '    initialDelay: { seconds: 1 }',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'npx',
    [
      'backstage-cli',
      'package',
      'start',
      '--config',
      path.join(repoRoot, 'app-config.yaml'),
      '--config',
      path.join(repoRoot, `dev/config/app-config.${variant}.yaml`),
      '--config',
      overrides,
    ],
    {
      cwd: backendDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    },
  );
  const output: string[] = [];
  child.stdout?.on('data', d => output.push(String(d)));
  child.stderr?.on('data', d => output.push(String(d)));
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise(r => setTimeout(() => r(false), 10_000)),
      ]);
      if (!killed) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    // the backend process is a grandchild of npx: wait until it has let go of the port
    await until('the backend to stop listening', 15_000, async () => {
      try {
        await fetch(`${baseUrl}/api/permission/health`);
        return undefined;
      } catch {
        return true;
      }
    }).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(`the ${variant} backend on ${baseUrl}`, 60_000, async () => {
      if (child.exitCode !== null)
        throw new Error(`backend exited: ${output.join('').slice(-2000)}`);
      const res = await fetch(`${baseUrl}/api/permission/health`);
      return res.ok ? true : undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl, output, stop };
}

/** Signs in as Alice (platform team) through the dev-only demo provider, runs a scan, reads the data. */
async function scanAndRead(backend: RunningBackend) {
  const api = `${backend.baseUrl}/api`;
  const token = await until('demo sign-in as alice (catalog ingestion)', 60_000, async () => {
    const res = await fetch(`${api}/auth/demo/refresh`, {
      headers: { 'x-demo-user': 'alice', 'X-Requested-With': 'XMLHttpRequest' },
    });
    return res.ok ? ((await res.json()).backstageIdentity.token as string) : undefined;
  });
  const auth = { Authorization: `Bearer ${token}` };
  const started = await fetch(`${api}/security-posture/scans`, { method: 'POST', headers: auth });
  expect(started.status).toBeLessThan(300);
  const scanId = (await started.json()).id;
  const scan = await until('the scan', 90_000, async () => {
    const res = await (
      await fetch(`${api}/security-posture/scans/${scanId}`, { headers: auth })
    ).json();
    return ['succeeded', 'partial', 'failed'].includes(res.status) ? res : undefined;
  });
  const read = async (check: string, key: string) => {
    const res = await fetch(`${api}/security-posture/checks/${check}/data/${key}`, {
      headers: auth,
    });
    return res.ok ? (await res.json()).data : { status: res.status, body: await res.text(), scan };
  };
  const failing = async (checkId: string) => {
    const res = await fetch(
      `${api}/security-posture/findings?checkId=${encodeURIComponent(
        checkId,
      )}&status=open&limit=100`,
      { headers: auth },
    );
    const items = (await res.json()).items as Array<{
      location: string;
      outcome: string;
      target: { type: string; path?: string };
    }>;
    return items
      .filter(f => f.outcome === 'fail')
      .map(f => (f.target.type === 'config' ? `${f.target.path} in ${f.location}` : f.location))
      .sort();
  };
  return {
    read,
    probes: (await read('auth/live-probes', 'probes')) as AuthProbeReport,
    matrix: (await read('permissions/policy-coverage', 'matrix')) as PermissionCoverageMatrix,
    failing,
  };
}

/** The fake integration credentials of the demo configs (dev/fixtures/runtime, PLANTED-SECRETS.md). */
const FAKE_INTEGRATION_SECRETS = [
  '558efd576238625cff641f91e8ad16b2b3e0150c',
  'f95NmHNlHbfKDN0ztcelsp02kdqTtKxk',
  'qE62FY1g5Vhgb/2u14H2Zkl3TgdT8ZC/OAAYerpj',
  'jD7Bf2oeUyLimyW93nMO',
  'eyJwHLvYEXdfarKiYlm8uLcvX99ND0n1zNyu33nKUFWxSxHAhf5eTux2kqZCKir',
  'uKqcpSGm+HXJSRtUgJT6TnMqUohJwF11wmwDrri5Q9RUuz1FwBOo1Ff0bK3J',
];

interface BlastRadiusData {
  score: number;
  credentials: Array<{ path: string; reach: string; source: string }>;
}

/** The runtime checks' published data and failing locations, swept for the fake credentials. */
async function runtimePosture(
  backend: RunningBackend,
  scanned: Awaited<ReturnType<typeof scanAndRead>>,
) {
  const blast = (await scanned.read('runtime/blast-radius', 'blast-radius')) as BlastRadiusData;
  const inventory = await scanned.read('runtime/credential-inventory', 'credentials');
  const literal = await scanned.failing('runtime/credential-inventory');
  const everything = JSON.stringify([blast, inventory, literal]) + backend.output.join('');
  for (const secret of FAKE_INTEGRATION_SECRETS) expect(everything).not.toContain(secret);
  const sources = Object.fromEntries(blast.credentials.map(c => [c.path, `${c.reach} (${c.source})`]));
  return { score: blast.score, sources, literal };
}

const probeTable = (report: AuthProbeReport) =>
  Object.fromEntries(report.probes.map(p => [p.id, { status: p.status, verdict: p.verdict }]));

describe('live probes against the real demo backend', () => {
  let backend: RunningBackend | undefined;
  // Stopping waits up to 10 s for a graceful exit (a running scan gets up to 5 s of it) and
  // up to 15 s more for the port: more than jest's default 5 s hook timeout under load.
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
  }, 30_000);

  it('insecure demo config: anonymous catalog refused, but a guest session is issued and reads the catalog', async () => {
    backend = await startRealBackend('demo');
    const scanned = await scanAndRead(backend);
    const { probes, matrix, failing } = scanned;

    // the fake integrations: a wide blast radius, literals flagged, no value anywhere
    const runtime = await runtimePosture(backend, scanned);
    expect(runtime.sources).toMatchObject({
      'integrations.github[0].apps[0].privateKey': 'push to repos (file)',
      'integrations.github[0].apps[0].clientSecret': 'push to repos (literal)',
      'integrations.awsS3[0].secretAccessKey': 'cloud provisioning (literal)',
      'kubernetes.clusterLocatorMethods[0].clusters[0].serviceAccountToken': 'cluster access (file)',
      'proxy.endpoints["/pagerduty"].headers.Authorization': 'incident management (literal)',
      'backend.auth.externalAccess[0].options.token': 'API access (literal)',
    });
    expect(runtime.score).toBeGreaterThanOrEqual(30);
    expect(runtime.literal).toEqual(
      expect.arrayContaining([
        expect.stringContaining('integrations.awsS3[0].secretAccessKey'),
        expect.stringContaining('proxy.endpoints'),
      ]),
    );

    expect(probeTable(probes)).toEqual({
      'catalog-entities-unauthenticated': { status: 401, verdict: 'ok' },
      'guest-session': { status: 200, verdict: 'exposed' },
      'catalog-entities-as-guest': { status: 200, verdict: 'exposed' },
      'plugin:notifications': { status: 401, verdict: 'ok' },
      'plugin:permission': { status: 401, verdict: 'ok' },
      'plugin:scaffolder': { status: 401, verdict: 'ok' },
      'plugin:security-posture': { status: 401, verdict: 'ok' },
      // the signals backend answers on its websocket path only: nothing to conclude from a GET
      'plugin:signals': { status: 404, verdict: 'inconclusive' },
    });
    expect(probes.probes.find(p => p.id === 'catalog-entities-as-guest')?.detail).toMatch(
      /the guest can read the catalog: \d+ entities/,
    );
    expect(probes.probes.every(p => p.url.startsWith(backend!.baseUrl))).toBe(true);
    expect(await failing('auth/live-probes')).toEqual([
      'probe:catalog-entities-as-guest',
      'probe:guest-session',
    ]);
    // what the demo policy leaves open to every signed-in user (docs/checks/permissions.md)
    expect(await failing('permissions/policy-coverage')).toEqual([
      'permission:catalog.entity.read',
      'permission:scaffolder.action.execute',
      'permission:scaffolder.task.cancel',
      'permission:scaffolder.task.create',
      'permission:scaffolder.template.management',
    ]);
    expect(await failing('permissions/allow-all-policy')).toEqual([]);

    // the coverage matrix's live columns: anonymous refused by the default auth policy, the
    // guest decided by the real permission backend on the guest session's behalf
    const principal = (id: string) => matrix.principals.find(p => p.id === id);
    expect(principal('unauthenticated')).toMatchObject({ source: 'live' });
    expect(principal('unauthenticated')?.note).toContain('401');
    expect(
      matrix.cells
        .filter(c => c.principal === 'unauthenticated')
        .every(c => c.decision.result === 'DENY'),
    ).toBe(true);
    expect(principal('guest')).toMatchObject({
      source: 'live',
      userEntityRef: 'user:development/guest',
    });
    const guestCell = (name: string) =>
      matrix.cells.find(c => c.principal === 'guest' && c.permission === name)?.decision;
    expect(guestCell('catalog.entity.read')).toEqual({ result: 'ALLOW' });
    expect(guestCell('scaffolder.task.create')).toEqual({ result: 'ALLOW' });
    expect(guestCell('security-posture.report.read')).toEqual({ result: 'DENY' });
    expect(guestCell('catalog.entity.delete')).toMatchObject({
      result: 'CONDITIONAL',
      rules: ['IS_ENTITY_OWNER'],
      resolvedForResource: 'DENY',
    });
  }, 180_000);

  it('hardened config: the same probes are refused and no guest session exists', async () => {
    backend = await startRealBackend('hardened');
    const scanned = await scanAndRead(backend);
    const { probes, matrix, failing } = scanned;

    // one GitHub App from mounted files: a small blast radius, nothing literal
    const runtime = await runtimePosture(backend, scanned);
    expect(runtime.sources).toEqual({
      'integrations.github[0].apps[0].privateKey': 'push to repos (file)',
      'integrations.github[0].apps[0].clientSecret': 'push to repos (file)',
    });
    // 2 × push to repos (4), times 1 + ½ per community backend plugin or module
    expect(runtime.score).toBeLessThan(20);
    expect(runtime.literal).toEqual([]);

    expect(probeTable(probes)).toEqual({
      'catalog-entities-unauthenticated': { status: 401, verdict: 'ok' },
      'guest-session': { status: 404, verdict: 'ok' },
      'plugin:notifications': { status: 401, verdict: 'ok' },
      'plugin:permission': { status: 401, verdict: 'ok' },
      'plugin:scaffolder': { status: 401, verdict: 'ok' },
      'plugin:security-posture': { status: 401, verdict: 'ok' },
      // the signals backend answers on its websocket path only: nothing to conclude from a GET
      'plugin:signals': { status: 404, verdict: 'inconclusive' },
    });
    expect(await failing('auth/live-probes')).toEqual([]);
    expect(matrix.principals.find(p => p.id === 'guest')).toMatchObject({
      source: 'not-available',
    });
  }, 180_000);
});
