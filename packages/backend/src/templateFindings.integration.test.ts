/*
 * Issue 17, defect 2: template findings carry the template's ref, kind and owners like the
 * findings of catalog entities, so the kind and owner filters, the Owners and CSV columns and the
 * visibility rules treat them the same. A real backend: the demo org and templates in a real
 * catalog (with the scaffolder's entity model), the demo permission policy, a real scan.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import permissionPlugin from '@backstage/plugin-permission-backend';
import securityPosturePlugin from '@security-posture/plugin-security-posture-backend';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import permissionPolicyModule from './modules/permissionPolicy';
import { actorKeepingAuthServiceFactory, userInfoServiceFactory } from './__testUtils__/identities';

const devDir = path.resolve(__dirname, '../../../dev');
const templateFiles = fs
  .readdirSync(path.join(devDir, 'templates'))
  .map(name => path.join(devDir, 'templates', name, 'template.yaml'))
  .filter(file => fs.existsSync(file));
const catalogFiles = ['org', 'components'].map(name => path.join(devDir, 'catalog', `${name}.yaml`));

const TEMPLATES = 'checkId=templates/template-risk';
// Owned by Sam's team (payments-checkout) directly, and by its parent (payments).
const SAMS_TEMPLATE = 'template:default/trigger-deployment';
const PARENT_TEAMS_TEMPLATE = 'template:default/risky-copy-files';
// Owned by data-platform: neither Sam's nor Dana's.
const OTHER_TEMPLATE = 'template:default/insider-exfil';

const alice = mockCredentials.user.header('user:default/alice');
const sam = mockCredentials.user.header('user:default/sam');
const dana = mockCredentials.user.header('user:default/dana');

type FindingJson = {
  fingerprint: string;
  entityRef?: string;
  entityKind?: string;
  owners: string[];
  target: { type: string };
};

// Each test makes several requests through the real permission backend; 5 s is too tight on a
// loaded two-core CI machine.
jest.setTimeout(30_000);

describe('template findings: owners and kind (issue 17, defect 2)', () => {
  let server: any;
  let stop: () => Promise<void> = async () => {};
  const get = (url: string, auth: string) =>
    request(server).get(`/api/security-posture${url}`).set('Authorization', auth);
  const items = async (url: string, auth: string): Promise<FindingJson[]> => {
    const res = await get(url, auth);
    expect(res.status).toBe(200);
    return res.body.items;
  };

  beforeAll(async () => {
    for (const level of ['log', 'info', 'debug', 'warn'] as const) {
      jest.spyOn(console, level).mockImplementation(() => {});
    }
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        permissionPlugin,
        permissionPolicyModule,
        securityPosturePlugin,
        userInfoServiceFactory(),
        actorKeepingAuthServiceFactory,
        mockServices.rootLogger.factory({ level: 'error' }),
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              rules: [{ allow: ['Component', 'System', 'Group', 'User', 'Location', 'Template'] }],
              locations: [...catalogFiles, ...templateFiles].map(target => ({ type: 'file', target })),
              processingInterval: { seconds: 1 },
            },
            securityPosture: {
              schedule: { frequency: { hours: 24 }, timeout: { minutes: 5 }, initialDelay: { hours: 1 } },
              // Offline: no scan here depends on the network.
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
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();

    // Every template, with its ownership relation processed.
    const ingestDeadline = Date.now() + 60_000;
    while (Date.now() < ingestDeadline) {
      const res = await request(server)
        .get(`/api/catalog/entities/by-query?limit=500&filter=${encodeURIComponent('kind=template')}`)
        .set('Authorization', alice);
      const withOwners = (res.body.items ?? []).filter((t: any) =>
        (t.relations ?? []).some((r: any) => r.type === 'ownedBy'),
      );
      if (withOwners.length >= templateFiles.length - 1) break;
      await new Promise(r => setTimeout(r, 500));
    }

    const started = await request(server).post('/api/security-posture/scans').set('Authorization', alice);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const scan = await get(`/scans/${started.body.id}`, alice);
      if (['succeeded', 'partial', 'failed'].includes(scan.body.status)) break;
      await new Promise(r => setTimeout(r, 250));
    }
  }, 150_000);

  // Stopping the backend lets a running scan end first (up to 5 s): more than jest's default.
  afterAll(async () => {
    await stop();
    jest.restoreAllMocks();
  }, 30_000);

  it('every template finding has the template as its entity, kind Template and its owners', async () => {
    const findings = await items(`/findings?limit=500&${TEMPLATES}`, alice);
    const onTemplates = findings.filter(f => f.target.type === 'template');
    expect(onTemplates.length).toBeGreaterThan(5);
    for (const f of onTemplates) {
      expect(f.entityRef).toMatch(/^template:default\//);
      expect(f.entityKind).toBe('Template');
      expect(f.owners.length).toBeGreaterThan(0);
    }
    const sams = onTemplates.find(f => f.entityRef === SAMS_TEMPLATE);
    expect(sams?.owners).toEqual(['group:default/payments-checkout']);
  });

  it('the kind filter Template finds them, and only them', async () => {
    const templates = await items('/findings?limit=500&entityKind=Template', alice);
    expect(templates.length).toBeGreaterThan(5);
    expect(templates.every(f => f.entityKind === 'Template')).toBe(true);
    expect(new Set(templates.map(f => f.entityRef))).toEqual(
      new Set((await items(`/findings?limit=500&${TEMPLATES}`, alice)).map(f => f.entityRef)),
    );
    const components = await items('/findings?limit=500&entityKind=Component', alice);
    expect(components.some(f => f.entityKind === 'Template')).toBe(false);
  });

  it('the owner filter finds the templates of a team, for the platform team and for the owner', async () => {
    const ofTeam = await items(
      '/findings?limit=500&entityKind=Template&owner=group:default/payments-checkout',
      alice,
    );
    expect(new Set(ofTeam.map(f => f.entityRef))).toEqual(new Set([SAMS_TEMPLATE]));
    // Sam sees his templates' findings, including his parent team's, with the same filters.
    const samsView = await items('/findings?limit=500&entityKind=Template', sam);
    const samsRefs = new Set(samsView.map(f => f.entityRef));
    expect(samsRefs.has(SAMS_TEMPLATE)).toBe(true);
    expect(samsRefs.has(PARENT_TEAMS_TEMPLATE)).toBe(true);
    expect(samsRefs.has(OTHER_TEMPLATE)).toBe(false);
    const samsOwn = await items('/findings?limit=500&owner=group:default/payments-checkout', sam);
    expect(samsOwn.some(f => f.entityRef === SAMS_TEMPLATE)).toBe(true);
    // Dana owns nothing: no template finding for her, whatever the filter.
    expect(await items('/findings?limit=500&entityKind=Template', dana)).toEqual([]);
  });

  it('CSV: the entityKind and owners columns are filled for template rows', async () => {
    const res = await get(`/export.csv?entityKind=Template`, alice);
    expect(res.status).toBe(200);
    const rows: Array<Record<string, string>> = parse(res.text, { columns: true });
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) {
      expect(row.entityKind).toBe('Template');
      expect(row.owners).toMatch(/^group:default\//);
    }
    expect(rows.find(r => r.entityRef === SAMS_TEMPLATE)?.owners).toBe('group:default/payments-checkout');
    const samsRows: Array<Record<string, string>> = parse(
      (await get(`/export.csv?entityKind=Template`, sam)).text,
      { columns: true },
    );
    expect(samsRows.some(r => r.entityRef === SAMS_TEMPLATE)).toBe(true);
    expect(samsRows.some(r => r.entityRef === OTHER_TEMPLATE)).toBe(false);
  });

  it("a template's Security tab: details for owners and the platform team, counts for everyone else", async () => {
    const url = `/entities/template/default/${SAMS_TEMPLATE.split('/')[1]}/findings`;
    for (const auth of [alice, sam]) {
      const res = await get(url, auth);
      expect(res.status).toBe(200);
      expect(res.body.visibility).toBe('details');
      expect(res.body.findings.length).toBeGreaterThan(0);
      expect(res.body.findings.every((f: FindingJson) => f.entityKind === 'Template')).toBe(true);
    }
    const counts = await get(url, dana);
    expect(counts.body.visibility).toBe('counts');
    expect(counts.body.findings).toBeUndefined();
    const total = Object.values(counts.body.counts as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
    // Someone else's template: Sam gets counts only, and not a single finding by fingerprint.
    const other = await get(`/entities/template/default/${OTHER_TEMPLATE.split('/')[1]}/findings`, sam);
    expect(other.body.visibility).toBe('counts');
    const foreign = (await items(`/findings?limit=500&${TEMPLATES}`, alice)).find(
      f => f.entityRef === OTHER_TEMPLATE,
    )!;
    expect((await get(`/findings/${foreign.fingerprint}`, sam)).status).toBe(404);
    expect((await get(`/findings/${foreign.fingerprint}`, alice)).status).toBe(200);
  });
});
