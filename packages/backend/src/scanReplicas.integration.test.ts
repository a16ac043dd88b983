/*
 * Fault test: two real replicas of the demo backend (separate processes, each on its own port)
 * on one real PostgreSQL, a private instance of this test's (started with the server binaries
 * of `apt-get install postgresql`) so that restarting it cannot disturb other test files.
 *
 * - both replicas serve the API; starts on both at once make one scan;
 * - `kill -9` of the replica running a scan in the middle of its catalog pass: the other replica
 *   closes the scan as interrupted once its lease (heartbeat) expired, serves the previous
 *   results unchanged and runs the next scan;
 * - PostgreSQL stopped and started again during a scan: the scan fails with a plain message,
 *   the API answers again without restarting the backend, and the next scan succeeds;
 * - a replica stopped (SIGTERM) during a scan records it as interrupted before it exits.
 *
 * The replicas run src/__testUtils__/faultTestBackend.ts: the demo backend plus one test-only
 * check that makes each scan's catalog pass last a few seconds.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  freePort,
  PrivatePostgres,
  privatePostgresUnavailable,
} from './__testUtils__/privatePostgres';

const repoRoot = path.resolve(__dirname, '../../..');
const backendDir = path.resolve(__dirname, '..');

// Scan timings of the replicas (securityPosture.scans): short, so that the test is quick.
const HEARTBEAT_MS = 500;
const STALE_AFTER_MS = 2000;
const ENTITY_DELAY_MS = 50;

const unavailable = privatePostgresUnavailable();
if (unavailable && process.env.SECURITY_POSTURE_REQUIRE_POSTGRES) {
  throw new Error(`The scan fault test must run in CI, but cannot: ${unavailable}`);
}
if (unavailable) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: scan fault test with two replicas on PostgreSQL: ${unavailable}`);
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
  diagnostics: () => string = () => '',
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
    await sleep(100);
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${
      lastError ? `: ${lastError}` : ''
    }${diagnostics()}`,
  );
}

interface Scan {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'partial' | 'failed';
  message?: string;
  progress: { done: number; total: number };
  checkRuns?: Array<{ checkId: string }>;
}

interface Replica {
  name: string;
  pid: number;
  baseUrl: string;
  output: string[];
  /** The replica's security-posture API as Alice (platform team): status and parsed body. */
  api(route: string, init?: RequestInit): Promise<{ status: number; body: any }>;
  /** Any route of the replica's backend as Alice. */
  backend(route: string, init?: RequestInit): Promise<{ status: number; body: any }>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

async function startReplica(
  name: string,
  dir: string,
  pg: PrivatePostgres,
  prefix: string,
): Promise<Replica> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const config = path.join(dir, `app-config.${name}.yaml`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      backend: {
        baseUrl,
        listen: { port },
        database: { client: 'pg', connection: pg.connectionString(), prefix },
      },
      securityPosture: {
        // No scheduled scans: the test starts every scan.
        schedule: { frequency: { hours: 24 }, timeout: { minutes: 2 }, initialDelay: { hours: 1 } },
        scans: {
          cooldown: { seconds: 1 },
          heartbeat: { milliseconds: HEARTBEAT_MS },
          staleAfter: { milliseconds: STALE_AFTER_MS },
        },
        // Offline: the plugins checks use their bundled data (a closed local port for the registry,
        // no OSV), so that no scan depends on the network; the check that reports missing live
        // data is off, else every scan here would be partial.
        checks: {
          plugins: {
            inventory: {
              options: {
                registry: 'http://127.0.0.1:9/',
                advisorySources: { osv: { enabled: false } },
              },
            },
            'live-data-unavailable': { enabled: false },
          },
        },
      },
    }),
  );
  // Node with the Backstage CLI's TypeScript loader, as `backstage-cli package start` runs the
  // backend, minus its file watcher (which would restart a replica when a source file changes)
  // and its wrapper process: the pid here is the replica's, the one a scan records as its runner.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/__testUtils__/faultTestBackend.ts',
      '--config',
      path.join(repoRoot, 'app-config.yaml'),
      '--config',
      path.join(repoRoot, 'dev/config/app-config.demo.yaml'),
      '--config',
      config,
    ],
    {
      cwd: backendDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        SECURITY_POSTURE_FAULT_TEST_ENTITY_DELAY_MS: String(ENTITY_DELAY_MS),
      },
    },
  );
  const output: string[] = [];
  const collect = (data: Buffer) => {
    output.push(String(data));
    if (output.length > 2000) output.splice(0, 1000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const tail = () => `\n--- ${name} output ---\n${output.join('').slice(-4000)}`;

  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, signal);
    } catch {
      return; // already gone
    }
    await Promise.race([exited, sleep(15_000)]);
  };

  let token = '';
  const backend = async (route: string, init: RequestInit = {}) => {
    const res = await fetch(`${baseUrl}${route}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...init.headers },
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  };
  const api = (route: string, init: RequestInit = {}) =>
    backend(`/api/security-posture${route}`, init);

  try {
    await until(
      `replica ${name} on ${baseUrl}`,
      90_000,
      async () => {
        if (child.exitCode !== null) throw new Error(`replica ${name} exited`);
        const res = await fetch(`${baseUrl}/api/permission/health`);
        return res.ok ? true : undefined;
      },
      tail,
    );
    // Demo sign-in as Alice (platform team); possible once the catalog has ingested her.
    token = await until(
      `sign-in as alice on replica ${name}`,
      60_000,
      async () => {
        const res = await fetch(`${baseUrl}/api/auth/demo/refresh`, {
          headers: { 'x-demo-user': 'alice', 'X-Requested-With': 'XMLHttpRequest' },
        });
        return res.ok ? ((await res.json()).backstageIdentity.token as string) : undefined;
      },
      tail,
    );
  } catch (e) {
    await kill('SIGKILL');
    throw e;
  }
  return { name, pid: child.pid!, baseUrl, output, api, backend, kill };
}

const TERMINAL = ['succeeded', 'partial', 'failed'];

/** Polls a scan on a replica until it ended; answers of a replica without database are retried. */
async function scanEnd(replica: Replica, id: string, timeoutMs = 60_000): Promise<Scan> {
  return until(
    `scan ${id} to end (read on ${replica.name})`,
    timeoutMs,
    async () => {
      const { status, body } = await replica.api(`/scans/${id}`);
      return status === 200 && TERMINAL.includes(body.status) ? (body as Scan) : undefined;
    },
    () => `\n--- ${replica.name} output ---\n${replica.output.join('').slice(-4000)}`,
  );
}

/** Open findings (fingerprint and status) and the summary's score, as a replica serves them. */
async function results(replica: Replica) {
  const findings = await replica.api('/findings?limit=500&status=open');
  const summary = await replica.api('/summary');
  expect(findings.status).toBe(200);
  expect(summary.status).toBe(200);
  return {
    fingerprints: (findings.body.items as Array<{ fingerprint: string }>)
      .map(f => f.fingerprint)
      .sort(),
    totalItems: findings.body.totalItems,
    score: summary.body.score,
    grade: summary.body.grade,
  };
}

/** Text that must never reach an API caller: driver, SQL and connection details. */
const INTERNAL_TEXT =
  /ECONNREFUSED|ECONNRESET|terminating connection|administrator command|select |insert |update |knex|pg_|127\.0\.0\.1|:\d{4,5}\b|\bat \w+ \(/i;

const describeWithPostgres = unavailable ? describe.skip : describe;

describeWithPostgres(
  `scans with two backend replicas on one PostgreSQL${
    unavailable ? ` (SKIPPED: ${unavailable})` : ''
  }`,
  () => {
    let pg: PrivatePostgres;
    let dir: string;
    let database: string;
    const replicas: Replica[] = [];
    let baseline: Scan;
    /** Checks that run before the catalog pass: a scan whose progress total exceeds it is in the pass. */
    let deploymentChecks: number;

    /** The replica whose process runs a scan, from the runner the scan record names (host:pid:tag). */
    async function runnerOf(scanId: string): Promise<Replica | undefined> {
      const runner = await pg.query(
        database,
        `select runner from security_posture_scans where id = '${scanId}'`,
      );
      const pid = Number(runner.split(':')[1]);
      return replicas.find(r => r.pid === pid);
    }

    /**
     * Starts a full scan on a replica (after the 1-second cooldown) and waits until its catalog
     * pass runs. Full: an incremental scan skips the unchanged entities, and with them the slow
     * pass this test interrupts.
     */
    async function scanInCatalogPass(replica: Replica): Promise<Scan> {
      const started = await until('a scan start outside the cooldown', 10_000, async () => {
        const res = await replica.api('/scans?full=true', { method: 'POST' });
        return res.status === 202 ? (res.body as Scan) : undefined;
      });
      return until(`scan ${started.id} to be in its catalog pass`, 30_000, async () => {
        const { body } = await replica.api(`/scans/${started.id}`);
        if (TERMINAL.includes(body.status))
          throw new Error(`scan ended before its catalog pass: ${JSON.stringify(body)}`);
        return body.status === 'running' &&
          body.progress.total > deploymentChecks &&
          body.progress.done < body.progress.total
          ? (body as Scan)
          : undefined;
      });
    }

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-fault-'));
      pg = await PrivatePostgres.create();
      // A fresh database name per run (each plugin gets `<prefix><pluginId>`).
      const prefix = `sp_fault_${randomBytes(4).toString('hex')}_`;
      database = `${prefix}security-posture`;
      // One after the other, as a rolling deployment starts them: the first creates the schema.
      replicas.push(await startReplica('a', dir, pg, prefix));
      replicas.push(await startReplica('b', dir, pg, prefix));
    }, 200_000);

    afterAll(async () => {
      await Promise.all(replicas.map(r => r.kill('SIGTERM')));
      await Promise.all(replicas.map(r => r.kill('SIGKILL')));
      await pg?.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it('both replicas serve the API, and starts on both at once make one scan', async () => {
      const [a, b] = replicas;
      for (const replica of replicas) {
        expect((await replica.api('/checks')).status).toBe(200);
      }
      // The catalog has read every demo file (its entity count held for 2 s): every scan from
      // here on sees the same catalog.
      let last = -1;
      let stableSince = Date.now();
      await until('the catalog to settle', 60_000, async () => {
        const { body } = await a.backend('/api/catalog/entities/by-query?limit=1');
        const count = Number(body.totalItems);
        if (count !== last) {
          last = count;
          stableSince = Date.now();
        }
        return count > 50 && Date.now() - stableSince >= 2000 ? true : undefined;
      });
      const answers = await Promise.all([a, b].map(r => r.api('/scans', { method: 'POST' })));
      // The first start queues the scan; the other, decided after it under the scans lock, gets the
      // same scan while it waits (202) or, once it runs, the cooldown (429).
      expect(answers.map(r => r.status).sort()).toEqual(expect.arrayContaining([202]));
      for (const answer of answers) expect([202, 429]).toContain(answer.status);
      const ids = new Set(answers.filter(r => r.status === 202).map(r => r.body.id));
      expect(ids.size).toBe(1);
      const [id] = ids;

      baseline = await scanEnd(b, id);
      expect(baseline.status).toBe('succeeded');
      expect((await a.api('/scans?limit=50')).body.items.map((s: Scan) => s.id)).toEqual([id]);
      // Deployment checks run first; entity checks (all catalog/*) in the catalog pass.
      deploymentChecks = baseline.checkRuns!.filter(r => !r.checkId.startsWith('catalog/')).length;
      expect(baseline.checkRuns!.map(r => r.checkId)).toContain('catalog/fault-test-slow-pass');
      expect(baseline.progress.total).toBeGreaterThan(deploymentChecks + 50);
    }, 90_000);

    it('kill -9 of the replica running a scan mid-pass: the other closes it, keeps the previous results and runs the next scan', async () => {
      expect(baseline?.status).toBe('succeeded');
      const before = await results(replicas[1]);
      expect(before.fingerprints.length).toBeGreaterThan(10);

      const scan = await scanInCatalogPass(replicas[0]);
      const victim = await runnerOf(scan.id);
      expect(victim).toBeDefined();
      const survivor = replicas.find(r => r !== victim)!;
      const killedAt = Date.now();
      await victim!.kill('SIGKILL');
      replicas.splice(replicas.indexOf(victim!), 1);

      const closed = await scanEnd(survivor, scan.id, 20_000);
      expect(closed).toMatchObject({
        status: 'failed',
        message: `Scan was interrupted: the backend running it stopped (no heartbeat for ${
          STALE_AFTER_MS / 1000
        } s); previous results are kept`,
      });
      // Closed once the lease expired, by the survivor's next look (every heartbeat).
      expect(Date.now() - killedAt).toBeLessThan(STALE_AFTER_MS + 5 * HEARTBEAT_MS + 3000);
      expect(await results(survivor)).toEqual(before);

      const next = await until('the next scan start', 10_000, async () => {
        const res = await survivor.api('/scans', { method: 'POST' });
        return res.status === 202 ? (res.body as Scan) : undefined;
      });
      expect(next.id).not.toBe(scan.id);
      expect(await scanEnd(survivor, next.id)).toMatchObject({ status: 'succeeded' });
      expect(await runnerOf(next.id)).toBe(survivor);
      expect(await results(survivor)).toEqual(before);
    }, 90_000);

    it('PostgreSQL restarted during a scan: the scan fails with a plain message, the API recovers without a restart', async () => {
      expect(replicas).toHaveLength(1);
      const [survivor] = replicas;
      const before = await results(survivor);

      const scan = await scanInCatalogPass(survivor);
      await pg.stop();
      // Down for several heartbeats: the running scan cannot renew its lease.
      await sleep(4 * HEARTBEAT_MS);
      // Refused while the database is away (by the plugin, or by auth first), never with its text.
      const duringOutage = await survivor.api('/summary');
      expect([401, 500, 503]).toContain(duringOutage.status);
      expect(JSON.stringify(duringOutage.body)).not.toMatch(INTERNAL_TEXT);
      await pg.start();

      const failed = await scanEnd(survivor, scan.id, 45_000);
      expect(failed).toMatchObject({
        status: 'failed',
        message:
          'Scan failed: the database could not be reached during the scan; previous results are kept',
      });
      expect(await results(survivor)).toEqual(before);
      expect((await survivor.api('/history')).status).toBe(200);

      const next = await until('a scan start after the restart', 20_000, async () => {
        const res = await survivor.api('/scans', { method: 'POST' });
        return res.status === 202 ? (res.body as Scan) : undefined;
      });
      expect(await scanEnd(survivor, next.id)).toMatchObject({ status: 'succeeded' });
      expect(await results(survivor)).toEqual(before);
    }, 120_000);

    it('a replica shut down during a scan records the scan as interrupted on its way out', async () => {
      const [survivor] = replicas;
      const scan = await scanInCatalogPass(survivor);
      await survivor.kill('SIGTERM');
      replicas.splice(0, 1);
      expect(
        await pg.query(
          database,
          `select status || ' | ' || message from security_posture_scans where id = '${scan.id}'`,
        ),
      ).toBe('failed | Scan was interrupted: the backend shut down; previous results are kept');
    }, 60_000);
  },
);
