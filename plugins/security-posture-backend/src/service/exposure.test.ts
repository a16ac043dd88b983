import {
  CoverageDecision,
  Finding,
  PermissionCoverageMatrix,
} from '@security-posture/plugin-security-posture-common';
import { exposureRank, ExposureModel, isCoverageMatrix } from './exposure';

const PRINCIPALS: PermissionCoverageMatrix['principals'] = [
  { id: 'unauthenticated', label: 'Unauthenticated client', kind: 'unauthenticated', source: 'live' },
  { id: 'guest', label: 'Guest (user:development/guest)', kind: 'guest', source: 'live' },
  {
    id: 'user-owns-nothing',
    label: 'User who owns nothing (user:default/dana)',
    kind: 'user-owns-nothing',
    source: 'policy-evaluation',
  },
  { id: 'platform-team', label: 'Platform team', kind: 'platform-team', source: 'policy-evaluation' },
];

const DENY: CoverageDecision = { result: 'DENY' };
const ALLOW: CoverageDecision = { result: 'ALLOW' };
const OWNER: CoverageDecision = { result: 'CONDITIONAL', rules: ['IS_ENTITY_OWNER'] };

/** A matrix with decisions per permission for [unauthenticated, guest, user-owns-nothing]. */
function matrix(
  decisions: Record<string, [CoverageDecision, CoverageDecision, CoverageDecision]>,
  frameworkEnabled = true,
): PermissionCoverageMatrix {
  return {
    generatedAt: '2026-12-01T00:00:00.000Z',
    frameworkEnabled,
    policyRegistered: true,
    plugins: [],
    permissions: Object.keys(decisions).map(name => ({
      name,
      type: 'basic',
      pluginId: name.split('.')[0],
      sensitive: true,
    })),
    principals: PRINCIPALS,
    cells: Object.entries(decisions).flatMap(([permission, row]) => [
      ...row.map((decision, i) => ({ permission, principal: PRINCIPALS[i].id, decision })),
      { permission, principal: 'platform-team', decision: ALLOW },
    ]),
    notes: [],
  };
}

const entityFinding: Pick<Finding, 'target' | 'evidence' | 'outcome'> = {
  target: { type: 'entity', entityRef: 'component:default/payments-api' },
  evidence: {},
  outcome: 'fail',
};
const templateFinding: Pick<Finding, 'target' | 'evidence' | 'outcome'> = {
  target: { type: 'template', entityRef: 'template:default/insider-exfil' },
  evidence: {},
  outcome: 'fail',
};
const policyFinding = (permission: string): Pick<Finding, 'target' | 'evidence' | 'outcome'> => ({
  target: { type: 'deployment' },
  evidence: { permission },
  outcome: 'fail',
});

describe('ExposureModel', () => {
  it('takes the widest principal outside the owners that the permission is allowed for', () => {
    const model = new ExposureModel(
      matrix({
        'catalog.entity.read': [DENY, ALLOW, ALLOW],
        'scaffolder.task.create': [DENY, DENY, ALLOW],
        'catalog.location.create': [ALLOW, ALLOW, ALLOW],
      }),
    );
    expect(model.exposureOf(entityFinding)).toEqual({
      level: 'guests',
      permission: 'catalog.entity.read',
      basis: 'catalog.entity.read is allowed for Guest (user:development/guest)',
    });
    expect(model.exposureOf(policyFinding('scaffolder.task.create'))).toMatchObject({
      level: 'signed-in',
      basis: 'scaffolder.task.create is allowed for User who owns nothing (user:default/dana)',
    });
    expect(model.exposureOf(policyFinding('catalog.location.create'))?.level).toBe('anyone');
  });

  it('says owners only when every outsider is denied or limited to what they own', () => {
    const model = new ExposureModel(
      matrix({
        'catalog.entity.read': [DENY, DENY, OWNER],
        'scaffolder.task.create': [DENY, DENY, DENY],
      }),
    );
    expect(model.exposureOf(entityFinding)).toMatchObject({ level: 'owners' });
    expect(model.exposureOf(templateFinding)).toMatchObject({ level: 'owners' });
  });

  it('counts no one for a principal that could not be obtained, and needs a signed-in user for owners only', () => {
    const withoutGuest = (m: PermissionCoverageMatrix): PermissionCoverageMatrix => ({
      ...m,
      principals: m.principals.map(p =>
        p.kind === 'guest' ? { ...p, source: 'not-available' } : p,
      ),
      cells: m.cells.map(c =>
        c.principal === 'guest'
          ? { ...c, decision: { result: 'NOT_EVALUATED', reason: 'no guest session' } }
          : c,
      ),
    });
    const noGuests = new ExposureModel(
      withoutGuest(matrix({ 'scaffolder.task.create': [DENY, ALLOW, DENY] })),
    );
    expect(noGuests.exposureOf(policyFinding('scaffolder.task.create'))).toMatchObject({
      level: 'owners',
    });
    const nobodyEvaluated = matrix({ 'scaffolder.task.create': [DENY, DENY, DENY] });
    const onlyAnonymous = new ExposureModel({
      ...nobodyEvaluated,
      principals: nobodyEvaluated.principals.filter(p => p.kind === 'unauthenticated'),
    });
    expect(onlyAnonymous.exposureOf(policyFinding('scaffolder.task.create'))).toBeUndefined();
  });

  it('takes the wider of reading and running a template', () => {
    const model = new ExposureModel(
      matrix({
        'catalog.entity.read': [DENY, DENY, OWNER],
        'scaffolder.task.create': [DENY, ALLOW, ALLOW],
      }),
    );
    expect(model.exposureOf(templateFinding)).toMatchObject({
      level: 'guests',
      permission: 'scaffolder.task.create',
    });
  });

  it('does not guess: conditions it cannot apply, missing cells and missing data leave exposure unassessed', () => {
    const byKind: CoverageDecision = {
      result: 'CONDITIONAL',
      rules: ['IS_ENTITY_OWNER', 'IS_ENTITY_KIND'],
    };
    const model = new ExposureModel(
      matrix({
        'catalog.entity.read': [DENY, DENY, byKind],
        'scaffolder.task.create': [DENY, DENY, DENY],
      }),
    );
    expect(model.exposureOf(entityFinding)).toBeUndefined();
    // running is owners-only, but reading is unknown: so is the template's exposure
    expect(model.exposureOf(templateFinding)).toBeUndefined();
    expect(model.exposureOf(policyFinding('not.in.matrix'))).toBeUndefined();
    expect(
      model.exposureOf({ target: { type: 'config', path: 'auth' }, evidence: {}, outcome: 'fail' }),
    ).toBeUndefined();
    expect(model.exposureOf({ ...entityFinding, outcome: 'error' })).toBeUndefined();
    expect(new ExposureModel(undefined).exposureOf(entityFinding)).toBeUndefined();
  });

  it('treats a disabled framework as open to every signed-in user', () => {
    const model = new ExposureModel(
      matrix({ 'catalog.entity.read': [DENY, DENY, DENY] }, false),
    );
    expect(model.exposureOf(entityFinding)).toMatchObject({ level: 'signed-in' });
  });

  it('ranks anyone, guests, signed-in, not assessed, owners', () => {
    const ranks = (['anyone', 'guests', 'signed-in', undefined, 'owners'] as const).map(level =>
      exposureRank(level ? { level, permission: 'p', basis: 'b' } : undefined),
    );
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(new Set(ranks).size).toBe(5);
  });

  it('recognises a coverage matrix', () => {
    expect(isCoverageMatrix(matrix({}))).toBe(true);
    expect(isCoverageMatrix({ frameworkEnabled: true })).toBe(false);
    expect(isCoverageMatrix(undefined)).toBe(false);
  });
});
