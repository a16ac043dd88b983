/*
 * The security-posture plugin inside a real backend: real catalog (the demo org from dev/),
 * real permission backend with this repo's demo policy, real scans. Only identities are mocked:
 * the mock auth service issues tokens, and ownership refs come from DEMO_OWNERSHIP (what the
 * transitive ownership resolver computes for the demo org).
 */
import path from 'node:path';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import securityPosturePlugin from '@security-posture/plugin-security-posture-backend';
import permissionPolicyModule from './modules/permissionPolicy';
import {
  actorKeepingAuthServiceFactory,
  userInfoServiceFactory,
} from './__testUtils__/identities';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';

const devDir = path.resolve(__dirname, '../../../dev');

/** Fake credentials planted in dev/catalog (dev/catalog/PLANTED-SECRETS.md). */
const PLANTED_SECRETS = [
  'AKIARR4SFYO37FA03SD2',
  'V4cOFjUYzTu98BWC',
  'ghp_CNI7i6c7VuYrSPZiQorrQnud2n9GD4C4KOA3',
  '1omwBuzrCBQOUCeQNkxBNM48',
];




const catalogFiles = ['org', 'systems', 'components', 'apis', 'resources'].map(name => ({
  type: 'file',
  target: path.join(devDir, 'catalog', `${name}.yaml`),
}));

// The findings this suite reasons about: leaked secrets in the demo catalog.
const LEAKS = 'checkId=catalog/leaked-secret';

const as = (user: string) => () => mockCredentials.user.header(`user:${user}`);
const alice = () => as('default/alice')();
const sam = () => as('default/sam')();
const dana = () => as('default/dana')();
const guest = () => as('development/guest')();

describe('security-posture in a real backend', () => {
  let server: any;
  const logLines: string[] = [];
  const captureLog = (...args: unknown[]) => {
    logLines.push(args.map(a => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
  let scanId = '';
  let scanStatus = '';
  let checkRuns: Array<{ checkId: string; outcome: string; message?: string }> = [];
  const responses: string[] = [];

  const get = async (url: string, auth: string) => {
    const res = await request(server).get(`/api/security-posture${url}`).set('Authorization', auth);
    responses.push(res.text);
    return res;
  };

  beforeAll(async () => {
    // capture everything the backend logs (the mock root logger writes to console)
    for (const level of ['error', 'warn', 'info', 'debug', 'log'] as const) {
      jest.spyOn(console, level).mockImplementation(captureLog);
    }
    const logger = mockServices.rootLogger.factory({ level: 'debug' });
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        permissionPlugin,
        permissionPolicyModule,
        securityPosturePlugin,
        userInfoServiceFactory(),
        actorKeepingAuthServiceFactory,
        logger,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location', 'Domain', 'Group', 'User'] }],
              locations: catalogFiles,
              processingInterval: { seconds: 1 },
            },
            securityPosture: {
              schedule: { frequency: { hours: 24 }, timeout: { minutes: 5 }, initialDelay: { hours: 1 } },
            },
          },
        }),
      ],
    });
    server = backend.server;


    // wait for the catalog to ingest the demo org
    const ingestDeadline = Date.now() + 60_000;
    while (Date.now() < ingestDeadline) {
      const res = await request(server)
        .get('/api/catalog/entities/by-name/component/default/payments-api')
        .set('Authorization', alice());
      if (res.status === 200) break;
      await new Promise(r => setTimeout(r, 500));
    }

    const started = await request(server).post('/api/security-posture/scans').set('Authorization', alice());
    scanId = started.body.id;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const scan = await request(server).get(`/api/security-posture/scans/${scanId}`).set('Authorization', alice());
      scanStatus = scan.body.status;
      checkRuns = scan.body.checkRuns ?? [];
      if (['succeeded', 'partial', 'failed'].includes(scanStatus)) break;
      await new Promise(r => setTimeout(r, 250));
    }
  }, 120_000);

  afterAll(() => jest.restoreAllMocks());

  it('ran a scan over the demo catalog', () => {
    expect(scanId).toBeTruthy();
    // Other check families may be partial in a test backend (no registry, no probes target);
    // what this suite is about is the catalog check and visibility.
    expect(['succeeded', 'partial']).toContain(scanStatus);
    expect(checkRuns.find(r => r.checkId === 'catalog/leaked-secret')?.outcome).toBe('fail');
  });

  it('refuses unauthenticated calls', async () => {
    const res = await request(server)
      .get('/api/security-posture/findings')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it('summary: platform team only', async () => {
    const ok = await get('/summary', alice());
    expect(ok.status).toBe(200);
    expect(ok.body.grade).toMatch(/^[A-F]$/);
    expect(ok.body.counts.critical).toBeGreaterThan(0);
    for (const auth of [sam(), dana(), guest()]) {
      expect((await get('/summary', auth)).status).toBe(403);
    }
  });

  it('starting a scan: platform team only', async () => {
    for (const auth of [sam(), dana(), guest()]) {
      const res = await request(server).post('/api/security-posture/scans').set('Authorization', auth);
      expect(res.status).toBe(403);
    }
  });

  it('findings: all for the platform team, own entities for owners, nothing for others', async () => {
    const all = await get(`/findings?limit=500&${LEAKS}`, alice());
    expect(all.body.scope).toBe('all');
    const allRefs = new Set(all.body.items.map((f: any) => f.entityRef));
    expect(allRefs).toEqual(
      new Set([
        'component:default/payments-api',
        'component:default/legacy-billing',
        'component:default/identity-gateway',
        'resource:default/search-cluster',
      ]),
    );
    // The AWS documentation example in aws-credentials-helper is not a leak: no finding at all.
    expect(allRefs.has('component:default/aws-credentials-helper')).toBe(false);

    const mine = await get(`/findings?limit=500&${LEAKS}`, sam());
    expect(mine.body.scope).toBe('mine');
    // sam owns payments-api through payments-checkout; legacy-billing belongs to payments-ledger
    expect(new Set(mine.body.items.map((f: any) => f.entityRef))).toEqual(
      new Set(['component:default/payments-api']),
    );

    for (const auth of [dana(), guest()]) {
      const none = await get('/findings', auth);
      expect(none.body).toMatchObject({ scope: 'mine', totalItems: 0, items: [] });
    }
  });

  it('entity findings: details for owners and platform, counts for everyone else', async () => {
    const url = '/entities/component/default/payments-api/findings';
    for (const auth of [alice(), sam()]) {
      const res = await get(url, auth);
      expect(res.body).toMatchObject({ visibility: 'details' });
      expect(res.body.findings.length).toBeGreaterThan(0);
      const secrets = res.body.findings.filter((f: any) => f.checkId === 'catalog/leaked-secret');
      expect(secrets.length).toBeGreaterThan(0);
      for (const f of secrets) expect(f.evidence.secretMask).toMatch(/…\(\d+ chars\)$/);
    }
    for (const auth of [dana(), guest()]) {
      const res = await get(url, auth);
      expect(res.body.visibility).toBe('counts');
      expect(res.body.findings).toBeUndefined();
      expect(res.body.counts.high).toBeGreaterThan(0);
    }
    // someone else's entity: sam gets counts only
    const other = await get('/entities/component/default/identity-gateway/findings', sam());
    expect(other.body.visibility).toBe('counts');
    // an entity that does not exist is a 404, not empty counts
    expect((await get('/entities/component/default/no-such-thing/findings', dana())).status).toBe(404);
  });

  it('single finding: hidden from those who may not see its entity', async () => {
    const all = await get('/findings?entityKind=component&limit=500', alice());
    const billing = all.body.items.find((f: any) => f.entityRef === 'component:default/legacy-billing');
    expect((await get(`/findings/${billing.fingerprint}`, alice())).status).toBe(200);
    expect((await get(`/findings/${billing.fingerprint}`, sam())).status).toBe(404);
  });

  it('CSV export applies the same rules', async () => {
    const report = await get(`/export.csv?${LEAKS}`, alice());
    expect(report.headers['content-type']).toMatch(/text\/csv/);
    const reportRows = parse(report.text, { columns: true });
    expect(reportRows.length).toBe(
      (await get(`/findings?limit=500&${LEAKS}`, alice())).body.totalItems,
    );
    // the unfiltered report holds at least as much
    const full = parse((await get('/export.csv', alice())).text, { columns: true });
    expect(full.length).toBe((await get('/findings?limit=500', alice())).body.totalItems);

    const samRows = parse((await get(`/export.csv?${LEAKS}`, sam())).text, { columns: true });
    expect(new Set(samRows.map((r: any) => r.entityRef))).toEqual(new Set(['component:default/payments-api']));

    const danaRows = parse((await get('/export.csv', dana())).text, { columns: true });
    // dana owns nothing: not even deployment-level rows
    expect(danaRows).toEqual([]);

    const entityCsv = await get('/entities/component/default/payments-api/findings.csv', dana());
    const countRows = parse(entityCsv.text, { columns: true });
    expect(Object.keys(countRows[0])).toEqual(['entityRef', 'severity', 'openFindings']);

    const ownerCsv = parse((await get('/entities/component/default/payments-api/findings.csv', sam())).text, {
      columns: true,
    });
    expect(ownerCsv.some((row: any) => /secretMask=/.test(row.evidence))).toBe(true);
  });

  it('exports the permission coverage matrix as CSV for the platform team only', async () => {
    const matrix = await get('/checks/permissions/policy-coverage/data/matrix', alice());
    expect(matrix.status).toBe(200);
    const csv = await get('/checks/permissions/policy-coverage/data/matrix/export.csv', alice());
    expect(csv.status).toBe(200);
    const rows = parse(csv.text, { columns: true });
    expect(rows.length).toBe(matrix.body.data.cells.length);
    expect(rows.map((r: any) => r.permission)).toContain('security-posture.report.read');
    expect((await get('/checks/permissions/policy-coverage/data/matrix/export.csv', sam())).status).toBe(403);
  });

  it('never returns or logs a planted secret', async () => {
    expect(responses.length).toBeGreaterThan(10);
    // the sweep is meaningful only if the scan logged and the secrets were really found
    expect(logLines.some(line => line.includes('security-posture'))).toBe(true);
    const details = await get('/findings?checkId=catalog/leaked-secret&limit=500', alice());
    expect(details.body.totalItems).toBeGreaterThanOrEqual(PLANTED_SECRETS.length);
    const everything = [...responses, ...logLines].join('\n');
    for (const secret of PLANTED_SECRETS) {
      expect(everything).not.toContain(secret);
    }
  });
});
