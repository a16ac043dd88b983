import express from 'express';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  securityPostureEntityDetailsReadPermission,
  securityPostureExemptionCreatePermission,
  securityPostureExemptionDeletePermission,
} from '@security-posture/plugin-security-posture-common';
import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import { DatabaseExemptionStore } from '../database/DatabaseExemptionStore';
import { NewFinding } from '../database/PostureStore';
import { CheckRegistry } from '@security-posture/checks';
import { ReportService } from '../service/ReportService';
import { DefaultScanService } from '../service/ScanService';
import { ExemptionService } from '../service/ExemptionService';
import { TeamScorecardService } from '../service/teamScorecards';
import { createRouter } from '../router';
import { createTestDatabases, TestDatabaseId } from '../database/__testUtils__/databases';

/** Raw secrets planted where a leak would show them: catalog error text and entity data. */
export const PLANTED_SECRETS = [
  'AKIARR4SFYO37FA03SD2',
  'ghp_CNI7i6c7VuYrSPZiQorrQnud2n9GD4C4KOA3',
];

/** What the catalog says when it fails: internal URL, SQL, a nested body and a secret. */
export const CATALOG_FAILURE_TEXT =
  `Request failed with 500 Internal Server Error, http://localhost:7007/api/catalog/entities/by-name ` +
  `{"error":{"name":"DatabaseError","message":"select * from final_entities where entity_ref = 'x' ` +
  `-- token ${PLANTED_SECRETS[0]}","stack":"at 127.0.0.1"}}`;

/** The demo principals (dev/ org): who they are and what the demo policy lets them do. */
export const PRINCIPALS = {
  platform: mockCredentials.user.header('user:default/alice'),
  owner: mockCredentials.user.header('user:default/sam'),
  ownsNothing: mockCredentials.user.header('user:default/dana'),
  guest: mockCredentials.user.header('user:development/guest'),
  unauthenticated: mockCredentials.none.header(),
  service: mockCredentials.service.header(),
} as const;
export type PrincipalName = keyof typeof PRINCIPALS;

const OWNED: Record<string, string[]> = {
  'user:default/sam': ['component:default/payments-api'],
};
/** Entities the catalog knows; `restricted` is readable by the platform team and services only. */
export const ENTITIES = [
  'component:default/payments-api',
  'component:default/identity-gateway',
  'component:default/restricted',
];

function userOf(credentials: BackstageCredentials) {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
  };
  return principal.type === 'service'
    ? 'service'
    : principal.userEntityRef ?? 'none';
}

function mayDoEverything(credentials: BackstageCredentials) {
  const who = userOf(credentials);
  return who === 'service' || who === 'user:default/alice';
}

/**
 * A catalog like the demo's, plus names that make it fail: `*9*` as a 400 whose text holds an
 * internal URL and a secret; with `internalFailures`, `*0*` as a 500 with SQL, URL and secret.
 */
export function demoCatalog(options: { internalFailures?: boolean } = {}) {
  return {
    async getEntityByRef(
      ref: string,
      { credentials }: { credentials: BackstageCredentials },
    ) {
      const name = ref.split('/').pop() ?? '';
      if (options.internalFailures && name.includes('0')) {
        throw Object.assign(new Error(CATALOG_FAILURE_TEXT), {
          name: 'ResponseError',
          statusCode: 500,
          body: { error: { message: CATALOG_FAILURE_TEXT } },
        });
      }
      if (name.includes('9')) {
        throw Object.assign(
          new Error(
            `Bad name, see http://localhost:7007/api/catalog (${PLANTED_SECRETS[1]})`,
          ),
          {
            name: 'ResponseError',
            statusCode: 400,
          },
        );
      }
      if (!ENTITIES.includes(ref)) return undefined;
      if (ref.endsWith('/restricted') && !mayDoEverything(credentials))
        return undefined;
      const [kind, rest] = ref.split(':');
      return {
        apiVersion: 'backstage.io/v1alpha1',
        kind,
        metadata: {
          name: rest.split('/')[1],
          annotations: { token: PLANTED_SECRETS[1] },
        },
      };
    },
  };
}

/** Permissions an owner has on their own entities (as in the hardened demo policy). */
const OWNER_PERMISSIONS = [
  securityPostureEntityDetailsReadPermission.name,
  securityPostureExemptionCreatePermission.name,
  securityPostureExemptionDeletePermission.name,
];

/** Ownership refs as the demo's sign-in resolver gives them (Sam: his team and its parent). */
const OWNERSHIP: Record<string, string[]> = {
  'user:default/sam': [
    'user:default/sam',
    'group:default/payments-checkout',
    'group:default/payments',
  ],
};

export const demoUserInfo = {
  async getUserInfo(credentials: BackstageCredentials) {
    const who = userOf(credentials);
    return { userEntityRef: who, ownershipEntityRefs: OWNERSHIP[who] ?? [who] };
  },
};

export const demoPermissions = {
  async authorize(
    requests: Array<{ permission: { name: string }; resourceRef?: string }>,
    { credentials }: { credentials: BackstageCredentials },
  ) {
    const who = userOf(credentials);
    return requests.map(({ permission, resourceRef }) => {
      if (mayDoEverything(credentials))
        return { result: AuthorizeResult.ALLOW };
      if (
        OWNER_PERMISSIONS.includes(permission.name) &&
        resourceRef &&
        (OWNED[who] ?? []).includes(resourceRef)
      ) {
        return { result: AuthorizeResult.ALLOW };
      }
      return { result: AuthorizeResult.DENY };
    });
  },
  /** Asked without a resource: everything for the platform team, owners' rules stay conditional. */
  async authorizeConditional(
    requests: Array<{ permission: { name: string } }>,
    { credentials }: { credentials: BackstageCredentials },
  ) {
    return requests.map(({ permission }) => {
      if (mayDoEverything(credentials)) return { result: AuthorizeResult.ALLOW };
      if (OWNER_PERMISSIONS.includes(permission.name)) {
        return {
          result: AuthorizeResult.CONDITIONAL,
          pluginId: 'catalog',
          resourceType: 'catalog-entity',
          conditions: { rule: 'IS_ENTITY_OWNER', params: { claims: [userOf(credentials)] } },
        };
      }
      return { result: AuthorizeResult.DENY };
    });
  },
};

function finding(entity: string | undefined, i: number): NewFinding {
  return {
    fingerprint: `fp${i}${
      entity ? entity.replace(/\W/g, '') : 'deployment'
    }`.slice(0, 60),
    checkId: 'catalog/leaked-secret',
    category: 'catalog',
    severity: (['critical', 'high', 'medium', 'low', 'info'] as const)[i % 5],
    outcome: 'fail',
    title: 'Leaked token',
    message: 'An annotation holds a token',
    target: entity
      ? { type: 'entity', entityRef: entity }
      : { type: 'deployment' },
    location: 'metadata.annotations.token',
    entityRef: entity,
    entityKind: entity ? 'Component' : undefined,
    owners: entity ? ['group:default/payments-checkout'] : [],
    evidence: { secretMask: 'AKIA…(20 chars)', secretFingerprint: 'abc' },
    remediation: 'Rotate it',
  };
}

/**
 * The real router over a real store (SQLite or PostgreSQL), real ReportService and ScanService;
 * catalog, permissions and identities as in the demo portal. Mounted like the plugin is, with
 * Backstage's own error handler behind it.
 */
export async function createApiHarness(
  databaseId: TestDatabaseId,
  options: {
    databases?: ReturnType<typeof createTestDatabases>;
    cooldownMs?: number;
    catalogInternalFailures?: boolean;
  } = {},
) {
  const databases = options.databases ?? createTestDatabases();
  const knex = await databases.init(databaseId);
  const database = mockServices.database({ knex, migrations: { skip: false } });
  const store = await DatabasePostureStore.create({ database });
  const exemptionStore = await DatabaseExemptionStore.create({ database });
  // Scheduled, so that manual starts are not in their cooldown; requestedBy shows where a user ref would leak.
  const scan = await store.createScan({
    trigger: 'schedule',
    requestedBy: 'user:default/alice',
  });
  await store.applyCheckFindings({
    scanId: scan.id,
    checkId: 'catalog/leaked-secret',
    findings: [
      ...[0, 1, 2].map(i => finding('component:default/payments-api', i)),
      ...[3, 4].map(i => finding('component:default/identity-gateway', i)),
      finding('component:default/restricted', 5),
      finding(undefined, 6),
    ],
    seenAt: '2026-11-01T00:00:00.000Z',
    resolveMissing: true,
  });
  await store.updateScan(scan.id, {
    status: 'succeeded',
    startedAt: '2026-11-01T00:00:00.000Z',
    finishedAt: '2026-11-01T00:00:05.000Z',
    progress: { done: 1, total: 1 },
  });
  await store.savePublished({
    checkId: 'permissions/policy-coverage',
    key: 'inventory',
    scanId: scan.id,
    updatedAt: '2026-11-01T00:00:05.000Z',
    data: [{ plugin: 'catalog', permissions: 3 }],
  });
  const logger = mockServices.logger.mock();
  const auditor = mockServices.auditor.mock({
    createEvent: jest.fn(async () => ({ success: jest.fn(), fail: jest.fn() })),
  });
  const registry = new CheckRegistry(new ConfigReader({}));
  // Exemptions of a check on a target or a set of entities name a registered check.
  registry.add(
    ...['catalog/leaked-secret', 'catalog/sensitive-reference', 'auth/cors-wildcard'].map(id =>
      createSecurityCheck({
        meta: {
          id,
          title: id,
          category: id.split('/')[0],
          defaultSeverity: 'high',
          description: 'A check',
          remediation: 'Fix it',
        },
        run: async () => [],
      }),
    ),
  );
  const auth = mockServices.auth();
  const report = new ReportService({
    store,
    registry,
    permissions: demoPermissions as any,
    catalog: demoCatalog({
      internalFailures: options.catalogInternalFailures ?? true,
    }) as any,
    auth,
  });
  const scans = new DefaultScanService({
    store,
    runner: {} as any,
    registry,
    logger,
    trigger: async () => {},
    timeoutMs: 60_000,
    heartbeatMs: 10_000,
    staleAfterMs: 60_000,
    retentionMs: 86_400_000,
    manualCooldownMs: options.cooldownMs ?? 60_000,
  });
  const exemptions = new ExemptionService({
    exemptions: exemptionStore,
    report,
    permissions: demoPermissions as any,
    registry,
    maxDurationMs: 90 * 24 * 60 * 60 * 1000,
  });
  const router = await createRouter({
    httpAuth: mockServices.httpAuth(),
    permissions: demoPermissions as any,
    auditor,
    logger,
    report,
    scans,
    scorecards: new TeamScorecardService({ store, report, userInfo: demoUserInfo }),
    exemptions,
    store,
    registry,
  });
  const app = express();
  app.use('/api/security-posture', router);
  const middleware = MiddlewareFactory.create({
    config: new ConfigReader({}),
    logger,
  });
  app.use(middleware.notFound());
  app.use(middleware.error());
  return { app, store, exemptionStore, scan, logger, auditor, knex };
}
