import { JsonValue } from '@backstage/types';
import {
  CoverageDecision,
  PermissionCoverageMatrix,
  POLICY_COVERAGE_CHECK_ID,
  POLICY_COVERAGE_MATRIX_KEY,
} from '@security-posture/plugin-security-posture-common';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { exposedSensitiveEntityCheck } from './exposedSensitiveEntity';
import { component, fakes } from '@security-posture/static-analysis/testUtils';

const ENABLED = { permission: { enabled: true } };

function matrix(decisions: Record<string, CoverageDecision>, frameworkEnabled = true) {
  const principals = [
    { id: 'guest', label: 'Guest', kind: 'guest' as const, source: 'live' as const },
    {
      id: 'nobody',
      label: 'User who owns nothing',
      kind: 'user-owns-nothing' as const,
      source: 'policy-evaluation' as const,
    },
    { id: 'owner', label: 'Owner', kind: 'owner' as const, source: 'policy-evaluation' as const },
    {
      id: 'platform',
      label: 'Platform team',
      kind: 'platform-team' as const,
      source: 'policy-evaluation' as const,
    },
  ];
  const data: PermissionCoverageMatrix = {
    generatedAt: '2026-11-29T00:00:00Z',
    frameworkEnabled,
    policyRegistered: true,
    plugins: [{ pluginId: 'catalog', status: 'ok', permissionCount: 1 }],
    permissions: [
      {
        name: 'catalog.entity.read',
        type: 'resource',
        resourceType: 'catalog-entity',
        action: 'read',
        pluginId: 'catalog',
        sensitive: false,
      },
    ],
    principals,
    cells: principals.map(p => ({
      permission: 'catalog.entity.read',
      principal: p.id,
      decision: decisions[p.id] ?? { result: 'ALLOW' },
    })),
    notes: [],
  };
  return {
    [`${POLICY_COVERAGE_CHECK_ID}#${POLICY_COVERAGE_MATRIX_KEY}`]: data as unknown as JsonValue,
  };
}

const ownerOnly: CoverageDecision = { result: 'CONDITIONAL', rules: ['IS_ENTITY_OWNER'] };
const withSecret = () =>
  component({ name: 'leaky', annotations: { 'acme.io/key': fakes.awsKeyId() } });
const withReference = () =>
  component({ name: 'mapped', annotations: { 'vault.hashicorp.com/role': 'payments' } });
const clean = () =>
  component({ name: 'clean', annotations: { 'github.com/project-slug': 'acme/clean' } });

describe('catalog/exposed-sensitive-entity', () => {
  it('treats a disabled permission framework as everyone can read, without coverage data', async () => {
    const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
      config: { permission: { enabled: false } },
      entities: [withSecret(), withReference(), clean()],
    });
    expect(results.map(r => [r.target, r.outcome, r.severity])).toEqual([
      [{ type: 'entity', entityRef: 'component:default/leaky' }, 'fail', 'critical'],
      // A secret-reference is medium on its own; exposed, one level higher.
      [{ type: 'entity', entityRef: 'component:default/mapped' }, 'fail', 'high'],
    ]);
    expect(results[0].evidence).toMatchObject({
      readableBy: ['everyone'],
      secretKinds: ['aws-access-key-id'],
      fields: ['metadata.annotations["acme.io/key"]'],
    });
  });

  it('fails when the policy lets people outside the owners read entities', async () => {
    const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
      config: ENABLED,
      published: matrix({ guest: { result: 'DENY' }, nobody: { result: 'ALLOW' } }),
      entities: [withSecret()],
    });
    expect(results).toMatchObject([
      {
        outcome: 'fail',
        severity: 'critical',
        evidence: { readableBy: ['nobody (User who owns nothing)'] },
      },
    ]);
  });

  it('passes when catalog.entity.read is denied or owner-only outside the owners', async () => {
    const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
      config: ENABLED,
      published: matrix({ guest: { result: 'DENY' }, nobody: ownerOnly }),
      entities: [withSecret(), withReference()],
    });
    expect(results.map(r => r.outcome)).toEqual(['pass', 'pass']);
  });

  it('is not applicable without coverage data, rather than guessing', async () => {
    const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
      config: ENABLED,
      entities: [withSecret(), clean()],
    });
    expect(results).toMatchObject([{ outcome: 'notApplicable' }]);
    expect(results[0].message).toContain(POLICY_COVERAGE_CHECK_ID);
  });

  it('is not applicable when the decision cannot be evaluated per entity', async () => {
    for (const decision of [
      { result: 'CONDITIONAL', rules: ['IS_ENTITY_OWNER', 'HAS_ANNOTATION'] },
      { result: 'NOT_EVALUATED', reason: 'no token' },
      { result: 'ERROR', message: 'policy threw' },
    ] as CoverageDecision[]) {
      const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
        config: ENABLED,
        published: matrix({ guest: { result: 'DENY' }, nobody: decision }),
        entities: [withSecret()],
      });
      expect(results.map(r => r.outcome)).toEqual(['notApplicable']);
    }
  });

  it('trusts the matrix when it reports the framework disabled', async () => {
    const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
      config: ENABLED,
      published: matrix({}, false),
      entities: [withReference()],
    });
    expect(results).toMatchObject([{ outcome: 'fail', evidence: { readableBy: ['everyone'] } }]);
  });

  it('ignores documentation examples', async () => {
    const results = await runSecurityCheck(exposedSensitiveEntityCheck, {
      config: {},
      entities: [component({ description: ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('') })],
    });
    expect(results).toEqual([]);
  });
});
