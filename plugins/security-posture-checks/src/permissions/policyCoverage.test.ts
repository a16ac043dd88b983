import { Entity } from '@backstage/catalog-model';
import { JsonValue } from '@backstage/types';
import { AuthorizeResult, PolicyDecision } from '@backstage/plugin-permission-common';
import { PermissionPolicy, PolicyQuery, PolicyQueryUser } from '@backstage/plugin-permission-node';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { PermissionCoverageMatrix } from '@security-posture/plugin-security-posture-common';
import { policyCoverageCheck } from './policyCoverage';
import { allowAllPolicyCheck } from './allowAllPolicy';
import { GUEST_TOKEN, startStandInBackend } from './standInBackend';

const allowAll: PermissionPolicy = { handle: async () => ({ result: AuthorizeResult.ALLOW }) };

/** Platform team: everything. Others: read the catalog, delete only what they own, nothing else. */
class OwnersPolicy implements PermissionPolicy {
  async handle({ permission }: PolicyQuery, user?: PolicyQueryUser): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];
    if (claims.includes('group:default/platform-team')) return { result: AuthorizeResult.ALLOW };
    if (permission.name === 'catalog.entity.read') return { result: AuthorizeResult.ALLOW };
    if (permission.name === 'catalog.entity.delete') {
      return {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: { rule: 'IS_ENTITY_OWNER', resourceType: 'catalog-entity', params: { claims } },
      };
    }
    return { result: AuthorizeResult.DENY };
  }
}

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'payments-api',
      namespace: 'default',
      annotations: { 'vault.io/secrets-path': 'secret/payments' },
    },
    spec: { owner: 'payments' },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/payments' }],
  },
];

const principalOptions = {
  principals: {
    userOwnsNothing: {
      userEntityRef: 'user:default/dana',
      ownershipEntityRefs: ['user:default/dana'],
    },
    owner: {
      userEntityRef: 'user:default/sam',
      ownershipEntityRefs: ['user:default/sam', 'group:default/payments'],
      sampleEntityRef: 'component:default/payments-api',
    },
    platformTeam: {
      userEntityRef: 'user:default/alice',
      ownershipEntityRefs: ['user:default/alice', 'group:default/platform-team'],
    },
  },
};

async function coverage(opts: {
  livePolicy: PermissionPolicy;
  registered?: PermissionPolicy;
  guest: boolean;
  enabled?: boolean;
  options?: any;
  metadataDelayMs?: Record<string, number>;
}) {
  const backend = await startStandInBackend(opts);
  try {
    const published: Record<string, JsonValue> = {};
    const results = await runSecurityCheck(policyCoverageCheck, {
      config: { permission: { enabled: opts.enabled ?? true } },
      options: opts.options ?? principalOptions,
      entities,
      installedPlugins: backend.installedPlugins,
      services: { ...backend.services, permissionPolicy: opts.registered },
      onPublish: (key, data) => {
        published[key] = data;
      },
    });
    return { results, matrix: published.matrix as unknown as PermissionCoverageMatrix };
  } finally {
    await backend.stop();
  }
}

function table(matrix: PermissionCoverageMatrix) {
  const out: Record<string, Record<string, string>> = {};
  for (const c of matrix.cells) {
    const d = c.decision;
    out[c.principal] ??= {};
    out[c.principal][c.permission] =
      d.result === 'CONDITIONAL'
        ? `CONDITIONAL(${d.rules.join(',')})→${d.resolvedForResource ?? '?'}`
        : d.result;
  }
  return out;
}

describe('permissions/policy-coverage', () => {
  it('builds the matrix: live unauthenticated and guest columns, policy-evaluated synthetic users', async () => {
    const policy = new OwnersPolicy();
    const { matrix, results } = await coverage({
      livePolicy: policy,
      registered: policy,
      guest: true,
    });

    expect(matrix.plugins.map(p => [p.pluginId, p.status])).toEqual([
      ['app', 'none'],
      ['auth', 'none'],
      ['catalog', 'ok'],
      ['permission', 'none'],
      ['scaffolder', 'ok'],
      ['security-posture', 'ok'],
    ]);
    expect(matrix.principals.map(p => [p.id, p.source])).toEqual([
      ['unauthenticated', 'live'],
      ['guest', 'live'],
      ['user-owns-nothing', 'policy-evaluation'],
      ['owner', 'policy-evaluation'],
      ['platform-team', 'policy-evaluation'],
    ]);
    const ordinary = {
      'catalog.entity.read': 'ALLOW',
      'catalog.entity.delete': 'CONDITIONAL(IS_ENTITY_OWNER)→DENY',
      'catalog.location.create': 'DENY',
      'scaffolder.task.create': 'DENY',
      'scaffolder.action.execute': 'DENY',
      'security-posture.report.read': 'DENY',
    };
    expect(table(matrix)).toEqual({
      unauthenticated: Object.fromEntries(Object.keys(ordinary).map(k => [k, 'DENY'])),
      guest: ordinary,
      'user-owns-nothing': ordinary,
      owner: { ...ordinary, 'catalog.entity.delete': 'CONDITIONAL(IS_ENTITY_OWNER)→ALLOW' },
      'platform-team': Object.fromEntries(Object.keys(ordinary).map(k => [k, 'ALLOW'])),
    });
    expect(matrix.permissions.filter(p => !p.sensitive).map(p => p.name)).toEqual([]);
    expect(matrix.restrictedShareForOrdinaryUser).toBeCloseTo(5 / 6);

    // catalog.entity.read is sensitive because payments-api carries a vault path
    const failures = results.filter(r => r.outcome === 'fail');
    expect(failures.map(r => r.location)).toEqual(['permission:catalog.entity.read']);
    expect(failures[0].evidence?.sensitiveEntities).toEqual(['component:default/payments-api']);
    expect(results.find(r => r.location === 'coverage')?.message).toContain('83% of 6');
    expect(JSON.stringify(matrix)).not.toContain(GUEST_TOKEN);
  });

  it('flags every sensitive permission under an allow-all policy', async () => {
    const { results } = await coverage({
      livePolicy: allowAll,
      registered: allowAll,
      guest: false,
    });
    const failed = results.filter(r => r.outcome === 'fail').map(r => r.location);
    expect(failed).toEqual([
      'permission:catalog.entity.read',
      'permission:catalog.entity.delete',
      'permission:catalog.location.create',
      'permission:scaffolder.task.create',
      'permission:scaffolder.action.execute',
      'permission:security-posture.report.read',
    ]);
    expect(results.find(r => r.location === 'permission:catalog.entity.delete')?.severity).toBe(
      'high',
    );
  });

  it('without a registered policy: synthetic principals NOT_EVALUATED, the live guest still counts', async () => {
    const { matrix, results } = await coverage({ livePolicy: allowAll, guest: true });
    expect(matrix.policyRegistered).toBe(false);
    expect(matrix.principals.map(p => [p.id, p.source])).toEqual([
      ['unauthenticated', 'live'],
      ['guest', 'live'],
      ['user-owns-nothing', 'not-available'],
      ['owner', 'not-available'],
      ['platform-team', 'not-available'],
    ]);
    expect(
      matrix.cells
        .filter(c => c.principal === 'owner')
        .every(c => c.decision.result === 'NOT_EVALUATED'),
    ).toBe(true);
    expect(matrix.notes.join(' ')).toContain('addPolicyForEvaluation');
    expect(results.filter(r => r.outcome === 'fail')).toHaveLength(6); // open to the guest
    expect(results.find(r => r.location === 'coverage')?.outcome).toBe('notApplicable');
  });

  it('reports a policy that throws as errors, never as a pass', async () => {
    const throwing: PermissionPolicy = {
      async handle() {
        throw new Error('catalog lookup failed');
      },
    };
    const { results, matrix } = await coverage({
      livePolicy: new OwnersPolicy(),
      registered: throwing,
      guest: false,
    });
    expect(matrix.cells.find(c => c.principal === 'owner')?.decision).toEqual({
      result: 'ERROR',
      message: 'the policy threw: catalog lookup failed',
    });
    expect(results.filter(r => r.outcome === 'error').map(r => r.location)).toEqual([
      'principal:user-owns-nothing',
      'principal:owner',
      'principal:platform-team',
    ]);
  });

  it('reports a plugin whose metadata times out as an error and keeps the others', async () => {
    const policy = new OwnersPolicy();
    const { results, matrix } = await coverage({
      livePolicy: policy,
      registered: policy,
      guest: false,
      options: { ...principalOptions, timeoutMs: 300 },
      metadataDelayMs: { scaffolder: 2000 },
    });
    expect(matrix.plugins.find(p => p.pluginId === 'scaffolder')).toMatchObject({
      status: 'error',
      message: 'timeout after 300 ms',
    });
    expect(matrix.permissions.map(p => p.pluginId)).not.toContain('scaffolder');
    expect(results.find(r => r.location === 'plugin:scaffolder')?.outcome).toBe('error');
  });

  it('with the framework disabled: every signed-in principal is ALLOW and the finding is left to framework-disabled', async () => {
    const policy = new OwnersPolicy();
    const { results, matrix } = await coverage({
      livePolicy: policy,
      registered: policy,
      guest: false,
      enabled: false,
    });
    expect(
      matrix.cells
        .filter(c => c.principal === 'user-owns-nothing')
        .every(c => c.decision.result === 'ALLOW'),
    ).toBe(true);
    expect(
      matrix.cells
        .filter(c => c.principal === 'unauthenticated')
        .every(c => c.decision.result === 'DENY'),
    ).toBe(true);
    expect(results.map(r => r.outcome)).toEqual(['notApplicable']);
  });

  it('picks an owned Component as the owner sample when none is configured', async () => {
    const policy = new OwnersPolicy();
    const { matrix } = await coverage({
      livePolicy: policy,
      registered: policy,
      guest: false,
      options: {},
    });
    const owner = matrix.principals.find(p => p.id === 'owner');
    expect(owner).toMatchObject({
      source: 'policy-evaluation',
      sampleResourceRef: 'component:default/payments-api',
      ownershipEntityRefs: [
        'user:default/security-posture-synthetic-owner',
        'group:default/payments',
      ],
    });
    expect(table(matrix).owner['catalog.entity.delete']).toBe('CONDITIONAL(IS_ENTITY_OWNER)→ALLOW');
    expect(matrix.principals.find(p => p.id === 'platform-team')?.source).toBe('not-available');
  });
});

describe('permissions/allow-all-policy', () => {
  async function allowAllOutcome(opts: {
    livePolicy: PermissionPolicy;
    registered?: PermissionPolicy;
    guest: boolean;
    enabled?: boolean;
  }) {
    const backend = await startStandInBackend(opts);
    try {
      return await runSecurityCheck(allowAllPolicyCheck, {
        config: {
          permission: { enabled: opts.enabled ?? true },
          securityPosture: {
            checks: { permissions: { 'policy-coverage': { options: principalOptions } } },
          },
        },
        entities,
        installedPlugins: backend.installedPlugins,
        services: { ...backend.services, permissionPolicy: opts.registered },
      });
    } finally {
      await backend.stop();
    }
  }

  it('fails for a policy that allows everything, whatever it is called', async () => {
    const [result] = await allowAllOutcome({
      livePolicy: allowAll,
      registered: allowAll,
      guest: false,
    });
    expect(result.outcome).toBe('fail');
    expect(result.evidence?.principal).toBe(
      'User who owns nothing (user:default/dana) [policy-evaluation]',
    );
  });

  it('passes a restrictive policy', async () => {
    const policy = new OwnersPolicy();
    const [result] = await allowAllOutcome({
      livePolicy: policy,
      registered: policy,
      guest: false,
    });
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain('5 of 6 sensitive permissions');
  });

  it('decides with a live guest session when no policy is registered', async () => {
    const [result] = await allowAllOutcome({ livePolicy: allowAll, guest: true });
    expect(result.outcome).toBe('fail');
    expect(result.evidence?.principal).toBe('Guest (user:development/guest) [live]');
  });

  it('is not applicable without any low-privilege principal, or with the framework disabled', async () => {
    expect((await allowAllOutcome({ livePolicy: allowAll, guest: false }))[0].outcome).toBe(
      'notApplicable',
    );
    expect(
      (
        await allowAllOutcome({
          livePolicy: allowAll,
          registered: allowAll,
          guest: false,
          enabled: false,
        })
      )[0].outcome,
    ).toBe('notApplicable');
  });
});
