/*
 * The coverage matrix of the demo portal's own policy, in both its modes (`open` for npm start,
 * `hardened` for npm run start:hardened), computed by security-posture inside a real backend
 * (real catalog with the demo org, real permission backend with DemoPermissionPolicy, real
 * scaffolder; permissions enumerated from each plugin's metadata endpoint), checked twice:
 * against a table written from reading DemoPermissionPolicy, and against what the live
 * permission backend answers for the same users; and the grade of the permissions category the
 * scan gives. Identities are mocked as in securityPosture.integration.test.ts.
 */
import path from 'node:path';
import request from 'supertest';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import securityPosturePlugin from '@security-posture/plugin-security-posture-backend';
import { PermissionCoverageMatrix } from '@security-posture/plugin-security-posture-common';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  actorKeepingAuthServiceFactory,
  userInfoServiceFactory,
} from './__testUtils__/identities';
import permissionPolicyModule from './modules/permissionPolicy';
import policyEvaluationModule from './modules/securityPosturePolicyEvaluation';

const devDir = path.resolve(__dirname, '../../../dev');

const USERS = {
  'user-owns-nothing': {
    userEntityRef: 'user:default/dana',
    ownershipEntityRefs: [
      'user:default/dana',
      'group:default/guild-frontend',
      'group:default/acme',
    ],
  },
  owner: {
    userEntityRef: 'user:default/sam',
    ownershipEntityRefs: [
      'user:default/sam',
      'group:default/payments-checkout',
      'group:default/payments',
      'group:default/engineering',
      'group:default/acme',
    ],
  },
  'platform-team': {
    userEntityRef: 'user:default/alice',
    ownershipEntityRefs: [
      'user:default/alice',
      'group:default/platform-team',
      'group:default/acme',
    ],
  },
};
const SAMPLE = 'component:default/payments-api'; // owned by payments-checkout (sam's team)
const OWNERSHIP = Object.fromEntries(
  Object.values(USERS).map(u => [u.userEntityRef, u.ownershipEntityRefs]),
);



/**
 * What DemoPermissionPolicy grants, written from its code: [user who owns nothing, owner of
 * payments-api, platform team]. `OWNER` = CONDITIONAL(IS_ENTITY_OWNER), shown with its outcome on
 * payments-api. Platform team: everything. Others (open): catalog reads, all scaffolder
 * permissions, catalog-entity changes and security-posture entity details for owners only; the
 * rest denied (exemptions too; in hardened, owners may exempt their own entities' findings).
 */
const OWNER_DENY = 'CONDITIONAL(IS_ENTITY_OWNER)→DENY';
const OWNER_ALLOW = 'CONDITIONAL(IS_ENTITY_OWNER)→ALLOW';
const EXPECTED_OPEN: Record<string, [string, string, string]> = {
  'catalog.entity.read': ['ALLOW', 'ALLOW', 'ALLOW'],
  'catalog.entity.create': ['DENY', 'DENY', 'ALLOW'],
  'catalog.entity.delete': [OWNER_DENY, OWNER_ALLOW, 'ALLOW'],
  'catalog.entity.refresh': [OWNER_DENY, OWNER_ALLOW, 'ALLOW'],
  'catalog.entity.validate': ['DENY', 'DENY', 'ALLOW'],
  'catalog.location.read': ['ALLOW', 'ALLOW', 'ALLOW'],
  'catalog.location.create': ['DENY', 'DENY', 'ALLOW'],
  'catalog.location.analyze': ['DENY', 'DENY', 'ALLOW'],
  'catalog.location.delete': ['DENY', 'DENY', 'ALLOW'],
  'catalog.ingestion.read': ['ALLOW', 'ALLOW', 'ALLOW'],
  'catalog.ingestion.manage': ['DENY', 'DENY', 'ALLOW'],
  'scaffolder.action.execute': ['ALLOW', 'ALLOW', 'ALLOW'],
  'scaffolder.template.parameter.read': ['ALLOW', 'ALLOW', 'ALLOW'],
  'scaffolder.template.step.read': ['ALLOW', 'ALLOW', 'ALLOW'],
  'scaffolder.template.dry-run': ['ALLOW', 'ALLOW', 'ALLOW'],
  'scaffolder.task.read': ['ALLOW', 'ALLOW', 'ALLOW'],
  'scaffolder.task.create': ['ALLOW', 'ALLOW', 'ALLOW'],
  'scaffolder.task.cancel': ['ALLOW', 'ALLOW', 'ALLOW'],
  'scaffolder.template.management': ['ALLOW', 'ALLOW', 'ALLOW'],
  'security-posture.report.read': ['DENY', 'DENY', 'ALLOW'],
  'security-posture.scan.create': ['DENY', 'DENY', 'ALLOW'],
  'security-posture.entity.details.read': [OWNER_DENY, OWNER_ALLOW, 'ALLOW'],
  'security-posture.exemption.create': ['DENY', 'DENY', 'ALLOW'],
  'security-posture.exemption.delete': ['DENY', 'DENY', 'ALLOW'],
};

/**
 * Hardened: entities are read by their owners and, for the organisation kinds, by everyone
 * (payments-api is a Component: Dana may not read it); the scaffolder is the platform team's.
 */
const READ_DENY = 'CONDITIONAL(IS_ENTITY_OWNER,IS_ENTITY_KIND)→DENY';
const READ_ALLOW = 'CONDITIONAL(IS_ENTITY_OWNER,IS_ENTITY_KIND)→ALLOW';
const PLATFORM_ONLY: [string, string, string] = ['DENY', 'DENY', 'ALLOW'];
const EXPECTED_HARDENED: Record<string, [string, string, string]> = {
  ...EXPECTED_OPEN,
  'catalog.entity.read': [READ_DENY, READ_ALLOW, 'ALLOW'],
  // owners may exempt their own entities' findings
  'security-posture.exemption.create': [OWNER_DENY, OWNER_ALLOW, 'ALLOW'],
  'security-posture.exemption.delete': [OWNER_DENY, OWNER_ALLOW, 'ALLOW'],
  ...Object.fromEntries(
    Object.keys(EXPECTED_OPEN)
      .filter(name => name.startsWith('scaffolder.'))
      .map(name => [name, PLATFORM_ONLY]),
  ),
};

const SYNTHETIC = ['user-owns-nothing', 'owner', 'platform-team'] as const;

/** Rule names of a condition tree, in order. */
function rulesOf(condition: any): string[] {
  if (condition.rule) return [condition.rule];
  const children = condition.anyOf ?? condition.allOf ?? (condition.not ? [condition.not] : []);
  return children.flatMap(rulesOf);
}

function show(decision: any): string {
  return decision.result === 'CONDITIONAL'
    ? `CONDITIONAL(${decision.rules.join(',')})→${decision.resolvedForResource ?? '?'}`
    : decision.result;
}

/** Sensitive permissions each mode leaves open to a user who owns nothing, and the grade. */
const OPEN_IN_OPEN_MODE = [
  'catalog.entity.read',
  'scaffolder.action.execute',
  'scaffolder.task.cancel',
  'scaffolder.task.create',
  'scaffolder.template.management',
];

describe.each([
  ['open', EXPECTED_OPEN, OPEN_IN_OPEN_MODE, 'F'],
  ['hardened', EXPECTED_HARDENED, [], 'A'],
] as const)('policy coverage matrix of the %s demo policy in a real backend', (mode, EXPECTED, OPEN, GRADE) => {
  let server: any;
  let matrix: PermissionCoverageMatrix;
  let scanStatus = '';
  const alice = mockCredentials.user.header('user:default/alice');

  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => {});
    jest.spyOn(console, 'info').mockImplementation(() => {});
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        permissionPlugin,
        permissionPolicyModule,
        scaffolderPlugin,
        securityPosturePlugin,
        policyEvaluationModule,
        userInfoServiceFactory(OWNERSHIP),
        actorKeepingAuthServiceFactory,
        mockServices.rootLogger.factory({ level: 'warn' }),
        mockServices.rootConfig.factory({
          data: {
            demo: { permissionPolicy: mode },
            permission: { enabled: true },
            catalog: {
              rules: [
                {
                  allow: [
                    'Component',
                    'System',
                    'API',
                    'Resource',
                    'Location',
                    'Domain',
                    'Group',
                    'User',
                  ],
                },
              ],
              locations: ['org', 'systems', 'components'].map(name => ({
                type: 'file',
                target: path.join(devDir, 'catalog', `${name}.yaml`),
              })),
              processingInterval: { seconds: 1 },
            },
            securityPosture: {
              schedule: {
                frequency: { hours: 24 },
                timeout: { minutes: 5 },
                initialDelay: { hours: 1 },
              },
              checks: {
                permissions: {
                  'policy-coverage': {
                    options: {
                      principals: {
                        userOwnsNothing: USERS['user-owns-nothing'],
                        owner: { ...USERS.owner, sampleEntityRef: SAMPLE },
                        platformTeam: USERS['platform-team'],
                      },
                    },
                  },
                },
              },
            },
          },
        }),
      ],
    });
    server = backend.server;

    const ingestDeadline = Date.now() + 60_000;
    while (Date.now() < ingestDeadline) {
      const res = await request(server)
        .get('/api/catalog/entities/by-name/component/default/payments-api')
        .set('Authorization', alice);
      if (res.status === 200) break;
      await new Promise(r => setTimeout(r, 500));
    }
    const started = await request(server)
      .post('/api/security-posture/scans')
      .set('Authorization', alice);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const scan = await request(server)
        .get(`/api/security-posture/scans/${started.body.id}`)
        .set('Authorization', alice);
      scanStatus = scan.body.status;
      if (['succeeded', 'partial', 'failed'].includes(scanStatus)) break;
      await new Promise(r => setTimeout(r, 250));
    }
    const res = await request(server)
      .get('/api/security-posture/checks/permissions/policy-coverage/data/matrix')
      .set('Authorization', alice);
    matrix = res.body.data;
  }, 120_000);

  afterAll(() => jest.restoreAllMocks());

  it('enumerated the permissions of catalog, scaffolder and security-posture from their metadata endpoints', () => {
    expect(['succeeded', 'partial']).toContain(scanStatus);
    expect(matrix.policyRegistered).toBe(true);
    expect(
      matrix.plugins
        .filter(p => p.status === 'ok')
        .map(p => p.pluginId)
        .sort(),
    ).toEqual(['catalog', 'scaffolder', 'security-posture']);
    expect(new Set(matrix.permissions.map(p => p.name))).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it('the evaluated matrix matches what DemoPermissionPolicy grants', () => {
    for (const principal of SYNTHETIC) {
      expect(matrix.principals.find(p => p.id === principal)?.source).toBe('policy-evaluation');
    }
    const cellOf = (name: string, principal: string) =>
      matrix.cells.find(c => c.permission === name && c.principal === principal)?.decision ?? {};
    const actual = Object.fromEntries(
      Object.keys(EXPECTED).map(name => [name, SYNTHETIC.map(p => show(cellOf(name, p)))]),
    );
    expect(actual).toEqual(EXPECTED);
  });

  it('every synthetic cell equals what the live permission backend answers for the same user', async () => {
    const names = Object.keys(EXPECTED);
    const cells = matrix.cells;
    for (const principal of SYNTHETIC) {
      const user = USERS[principal];
      // on behalf of the user, as a plugin asks: conditional decisions come back unapplied
      const token = mockCredentials.user.token(user.userEntityRef, {
        actor: { subject: 'plugin:test' },
      });
      const items = matrix.permissions.map(p => ({
        id: p.name,
        permission: {
          type: p.type,
          name: p.name,
          attributes: p.action ? { action: p.action } : {},
          ...(p.resourceType ? { resourceType: p.resourceType } : {}),
        },
      }));
      const raw = await request(server)
        .post('/api/permission/authorize')
        .set('Authorization', `Bearer ${token}`)
        .send({ items });
      expect(raw.status).toBe(200);
      // and applied to the sample entity, for the catalog-entity permissions
      const onSample = await request(server)
        .post('/api/permission/authorize')
        .set('Authorization', `Bearer ${token}`)
        .send({
          items: items
            .filter(i => i.permission.resourceType === 'catalog-entity')
            .map(i => ({ ...i, resourceRef: SAMPLE })),
        });
      expect(onSample.status).toBe(200);
      const applied = new Map(onSample.body.items.map((i: any) => [i.id, i.result]));

      const fromMatrix = names.map(name => {
        const cell = cells.find(c => c.permission === name && c.principal === principal)!;
        const d = cell.decision as any;
        return [name, d.result, d.rules ?? null, d.resolvedForResource ?? null];
      });
      const fromLive = names.map(name => {
        const live = raw.body.items.find((item: any) => item.id === name);
        const conditional = live.result === 'CONDITIONAL';
        return [
          name,
          live.result,
          conditional ? rulesOf(live.conditions) : null,
          conditional ? applied.get(name) ?? null : null,
        ];
      });
      expect([principal, fromMatrix]).toEqual([principal, fromLive]);
    }
  });

  it('grades the permissions category by what the policy leaves open', async () => {
    const findings = await request(server)
      .get('/api/security-posture/findings?category=permissions&status=open&limit=100')
      .set('Authorization', alice);
    expect(findings.status).toBe(200);
    const open = findings.body.items
      .filter((f: any) => f.checkId === 'permissions/policy-coverage')
      .map((f: any) => f.evidence.permission)
      .sort();
    const summary = await request(server)
      .get('/api/security-posture/summary')
      .set('Authorization', alice);
    const permissions = summary.body.categories.find((c: any) => c.category === 'permissions');
    expect(open).toEqual(OPEN);
    // nothing else of the category is open either
    expect(findings.body.items).toHaveLength(OPEN.length);
    expect(permissions.grade).toBe(GRADE);
  });

  it('the unauthenticated column is live (mock auth lets no-header requests in, so only its source is asserted here)', () => {
    expect(matrix.principals.find(p => p.id === 'unauthenticated')?.source).toBe('live');
  });
});
