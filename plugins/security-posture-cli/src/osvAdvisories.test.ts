// `scan` over a lockfile asks the same sources as the portal: OSV (a local stand-in here, with
// api.osv.dev's response shapes) merged with the bundled dataset, the bundled dataset alone when
// OSV is off or unreachable; the report, the check's reason and standard error say which.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './__testUtils__/runCli';
import { ScanReport } from './report';

// Each test runs the CLI as a process, once or twice.
jest.setTimeout(60_000);

// A record shaped like OSV's GitHub-reviewed npm advisories (written for this test).
const RECORD = {
  schema_version: '1.6.0',
  id: 'GHSA-7777-8888-9999',
  modified: '2026-10-01T10:00:00Z',
  published: '2026-09-15T18:30:00Z',
  aliases: ['CVE-2026-7777'],
  summary: 'Header injection in fetch-helper',
  details: 'Written for the tests.',
  affected: [
    {
      package: { ecosystem: 'npm', name: 'fetch-helper', purl: 'pkg:npm/fetch-helper' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.5.0' }] }],
    },
  ],
  database_specific: { severity: 'HIGH', github_reviewed: true, cwe_ids: ['CWE-93'] },
};

const LOCKFILE = {
  name: 'ci-app',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': {
      name: 'ci-app',
      dependencies: {
        '@acme/backstage-plugin-widgets': '2.0.1',
        '@backstage/plugin-techdocs': '0.9.2',
      },
    },
    'node_modules/@acme/backstage-plugin-widgets': {
      version: '2.0.1',
      dependencies: { 'fetch-helper': '^1.0.0' },
    },
    'node_modules/fetch-helper': { version: '1.4.0' },
    // In the bundled dataset (GHSA-gg96-f8wr-p89f): found with or without OSV.
    'node_modules/@backstage/plugin-techdocs': { version: '0.9.2' },
  },
};

interface StandIn {
  url: string;
  queries: Array<{ package: { name: string }; version: string }>;
  close(): Promise<void>;
}

async function startOsv(): Promise<StandIn> {
  const queries: StandIn['queries'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/v1/querybatch') {
        const batch = JSON.parse(Buffer.concat(chunks).toString()).queries as StandIn['queries'];
        queries.push(...batch);
        const results = batch.map(q =>
          q.package.name === 'fetch-helper' && q.version === '1.4.0'
            ? { vulns: [{ id: RECORD.id, modified: RECORD.modified }] }
            : {},
        );
        res.end(JSON.stringify({ results }));
      } else if (req.method === 'GET' && req.url === `/v1/vulns/${RECORD.id}`) {
        res.end(JSON.stringify(RECORD));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 5, message: 'Bug not found.' }));
      }
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

async function closedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('scan over a lockfile: advisory sources', () => {
  let dir: string;
  let osv: StandIn;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-osv-'));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(LOCKFILE, null, 2));
    osv = await startOsv();
  });
  afterAll(async () => {
    await osv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scan = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const run = await runCli(['scan', 'package-lock.json', '--format', 'json', ...args], dir, env);
    return { ...run, report: JSON.parse(run.stdout) as ScanReport };
  };
  const advisoryFindings = (report: ScanReport) =>
    report.findings.filter(f => f.checkId === 'plugins/known-vulnerability');
  const advisoryCheck = (report: ScanReport) =>
    report.checks.find(c => c.checkId === 'plugins/known-vulnerability')!;

  it('asks OSV about every installed version, merges it with the bundled dataset and says so', async () => {
    const { report, stderr } = await scan(['--osv-url', osv.url]);
    expect(osv.queries.map(q => `${q.package.name}@${q.version}`).sort()).toEqual([
      '@acme/backstage-plugin-widgets@2.0.1',
      '@backstage/plugin-techdocs@0.9.2',
      'fetch-helper@1.4.0',
    ]);
    const helper = advisoryFindings(report).find(f => f.title.startsWith('fetch-helper@'))!;
    expect(helper.title).toBe('fetch-helper@1.4.0: GHSA-7777-8888-9999');
    expect(helper.severity).toBe('high');
    expect(helper.message).toContain(
      'Pulled in by @acme/backstage-plugin-widgets: package-lock.json root › @acme/backstage-plugin-widgets › fetch-helper@1.4.0 (dependencies).',
    );
    expect(helper.message).toContain(`Reported by osv (${osv.url}, asked `);
    const osvStatus = report.advisorySources.find(s => s.name === 'osv')!;
    expect(osvStatus).toMatchObject({ status: 'ok', url: osv.url, queried: 3, answered: 3 });
    expect(report.advisorySources.find(s => s.name === 'bundled')).toMatchObject({
      status: 'ok',
      asOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(advisoryCheck(report)).toMatchObject({
      outcome: 'fail',
      reason: expect.stringContaining(`advisory sources: osv (${osv.url}, asked`),
    });
    expect(stderr).toMatch(
      new RegExp(
        `advisories: osv \\(${osv.url}, asked [^,]+, 3 package versions\\) and bundled dataset of \\d{4}-\\d{2}-\\d{2}`,
      ),
    );
    // The bundled advisory is still found.
    expect(advisoryFindings(report).map(f => f.title)).toContain(
      '@backstage/plugin-techdocs@0.9.2: GHSA-gg96-f8wr-p89f',
    );
  });

  it('falls back to the bundled dataset when OSV is unreachable, and the check errs with the reason', async () => {
    const down = await closedUrl();
    const { report, stderr } = await scan(['--osv-url', down]);
    expect(advisoryFindings(report).map(f => f.title)).toEqual([
      '@backstage/plugin-techdocs@0.9.2: GHSA-gg96-f8wr-p89f',
    ]);
    expect(report.advisorySources.find(s => s.name === 'osv')).toMatchObject({
      status: 'failed',
      error: `${down} unreachable (ECONNREFUSED)`,
    });
    expect(advisoryCheck(report)).toMatchObject({
      outcome: 'error',
      reason: expect.stringContaining(`osv (${down}) unavailable`),
    });
    expect(stderr).toContain(
      `advisories: osv (${down}) unavailable (${down} unreachable (ECONNREFUSED)): bundled dataset of`,
    );
  });

  it('stays offline with --offline, and with an app-config that switches OSV off', async () => {
    const offline = await scan(['--offline']);
    expect(offline.report.advisorySources.find(s => s.name === 'osv')).toEqual({
      name: 'osv',
      status: 'disabled',
    });
    expect(offline.stderr).toContain('advisories: offline, bundled dataset of');
    expect(advisoryCheck(offline.report).reason).toMatch(/^offline \(osv off\)/);

    writeFileSync(
      join(dir, 'app-config.yaml'),
      'securityPosture:\n  checks:\n    plugins:\n      inventory:\n        options:\n          advisorySources:\n            osv:\n              enabled: false\n',
    );
    const asked = osv.queries.length;
    // No --osv-url and no SECURITY_POSTURE_OSV_URL: the scanned app-config decides.
    const configured = await scan(['--config', 'app-config.yaml'], {
      SECURITY_POSTURE_OSV_URL: '',
    });
    expect(configured.report.advisorySources.find(s => s.name === 'osv')?.status).toBe('disabled');
    expect(osv.queries.length).toBe(asked);
  });
});
