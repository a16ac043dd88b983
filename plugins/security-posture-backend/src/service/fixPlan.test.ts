import { FindingExposure, Grade } from '@security-posture/plugin-security-posture-common';
import { inMemoryScoringSource } from './__testUtils__/inMemoryScoringSource';
import {
  CANDIDATES_PER_GROUP,
  computeFixPlan,
  FixCandidate,
  HELD_DOWN_LIMIT,
  PATH_STEPS_MAX,
  PATH_STEPS_SHOWN,
} from './fixPlan';
import { computeSummary, FindingGroupKey, OpenFindingGroup } from './scoring';

const CATEGORIES = ['auth', 'catalog', 'permissions', 'plugins', 'templates'];

const exposed = (level: FindingExposure['level']): FindingExposure => ({
  level,
  permission: 'catalog.entity.read',
  basis: `catalog.entity.read: ${level}`,
});

let next = 0;
function finding(overrides: Partial<FixCandidate> = {}): FixCandidate {
  next += 1;
  return {
    fingerprint: `fp-${String(next).padStart(4, '0')}`,
    checkId: 'catalog/leaked-secret',
    title: 'A finding',
    category: 'catalog',
    severity: 'medium',
    outcome: 'fail',
    ...overrides,
  };
}

const inGroup = (f: FixCandidate, g: FindingGroupKey) =>
  f.category === g.category && f.severity === g.severity && f.outcome === g.outcome;

/** A plan over findings in memory; records which groups were read, and how many of each. */
async function plan(findings: FixCandidate[], categories = CATEGORIES) {
  const groups = await inMemoryScoringSource(findings).countOpenFindingGroups();
  const { grade } = await computeSummary({ countOpenFindingGroups: async () => groups }, categories);
  const reads: Array<{ group: FindingGroupKey; limit: number }> = [];
  const result = await computeFixPlan(
    {
      groups,
      categories,
      async listCandidates(group, limit) {
        reads.push({ group, limit });
        return findings
          .filter(f => inGroup(f, group))
          .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))
          .slice(0, limit);
      },
    },
    grade,
  );
  return { ...result, grade, reads };
}

/** The summary once the given findings are fixed. */
function scoreWithout(findings: FixCandidate[], fixed: string[], categories = CATEGORIES) {
  const left = findings.filter(f => !fixed.includes(f.fingerprint));
  return computeSummary(inMemoryScoringSource(left), categories);
}

describe('what holds the grade down (risk first)', () => {
  it('lists open criticals first even when a saturated category makes their fix gain little', async () => {
    // The demo's shape: a catalog full of findings, criticals among them, and a few highs in a
    // clean category whose fix gains far more points.
    const criticals = [
      finding({ severity: 'critical', title: 'Leaked AWS key', exposure: exposed('guests') }),
      finding({ severity: 'critical', title: 'Leaked GitHub token', exposure: exposed('guests') }),
    ];
    const findings = [
      ...criticals,
      ...Array.from({ length: 40 }, () => finding({ severity: 'low' })),
      ...Array.from({ length: 20 }, () => finding({ severity: 'medium' })),
      finding({ severity: 'high', category: 'permissions', checkId: 'permissions/policy-coverage' }),
      finding({ severity: 'high', category: 'auth', checkId: 'auth/guest' }),
    ];
    const { heldDownBy } = await plan(findings);
    expect(heldDownBy.slice(0, 2).map(d => d.title).sort()).toEqual([
      'Leaked AWS key',
      'Leaked GitHub token',
    ]);
    expect(heldDownBy.slice(2, 4).map(d => d.severity)).toEqual(['high', 'high']);
    // ...although the highs gain more points than the criticals
    expect(heldDownBy[2].overallGain).toBeGreaterThan(heldDownBy[0].overallGain);
    expect(heldDownBy[0].exposure?.level).toBe('guests');
    expect(heldDownBy).toHaveLength(HELD_DOWN_LIMIT);
  });

  it('orders a severity by exposure (anyone, guests, signed-in, not assessed, owners), then by gain', async () => {
    const findings = [
      finding({ severity: 'high', fingerprint: 'h-owners', exposure: exposed('owners') }),
      finding({ severity: 'high', fingerprint: 'h-none', category: 'auth', checkId: 'auth/x' }),
      finding({ severity: 'high', fingerprint: 'h-signed-in', exposure: exposed('signed-in') }),
      finding({ severity: 'high', fingerprint: 'h-anyone', exposure: exposed('anyone') }),
      finding({ severity: 'high', fingerprint: 'h-guests', exposure: exposed('guests') }),
      // same exposure (not assessed), more points: before the auth high
      finding({ severity: 'high', fingerprint: 'h-none-more', category: 'plugins' }),
      finding({ severity: 'low', category: 'plugins', fingerprint: 'p-low' }),
      ...Array.from({ length: 3 }, () => finding({ severity: 'high', category: 'auth' })),
    ];
    const { heldDownBy } = await plan(findings);
    expect(heldDownBy.map(d => d.fingerprint).slice(0, 4)).toEqual([
      'h-anyone',
      'h-guests',
      'h-signed-in',
      'h-none-more',
    ]);
    const order = heldDownBy.map(d => d.fingerprint);
    expect(order.indexOf('h-none')).toBeGreaterThan(order.indexOf('h-none-more'));
    expect(order.indexOf('h-owners')).toBe(order.length - 2);
    expect(order[order.length - 1]).toBe('p-low');
  });

  it('gives each listed finding the gain its fix alone brings', async () => {
    const findings = [
      finding({ severity: 'low', category: 'catalog' }),
      finding({ severity: 'critical', category: 'auth' }),
      finding({ severity: 'high', category: 'auth' }),
      finding({ severity: 'high', category: 'permissions' }),
      finding({ severity: 'medium', category: 'plugins', outcome: 'error' }),
      finding({ severity: 'info', category: 'templates' }),
      finding({ severity: 'high', category: 'custom' }),
    ];
    const { heldDownBy } = await plan(findings);
    const before = await scoreWithout(findings, []);
    expect(heldDownBy.map(d => d.fingerprint).sort()).toEqual(
      findings
        .filter(f => f.severity !== 'info')
        .map(f => f.fingerprint)
        .sort(),
    );
    for (const drag of heldDownBy) {
      const after = await scoreWithout(findings, [drag.fingerprint]);
      expect(Math.abs(drag.overallGain - (after.score - before.score))).toBeLessThanOrEqual(
        0.1 + 1e-9,
      );
    }
    // an errored check comes after every failed finding that costs points
    expect(heldDownBy[heldDownBy.length - 1]).toMatchObject({ outcome: 'error' });
  });

  it('leaves out a non-critical finding whose fix would not raise the score, never a critical', async () => {
    // 'custom' is scored only because of its findings: fixing its lone low drops it from the
    // mean, and the overall score goes down. A lone critical there still caps the grade.
    const lone = finding({ severity: 'low', category: 'custom' });
    const auth = finding({ severity: 'critical', category: 'auth' });
    expect((await plan([auth, lone], ['auth'])).heldDownBy.map(d => d.fingerprint)).toEqual([
      auth.fingerprint,
    ]);
    const critical = finding({ severity: 'critical', category: 'custom' });
    const { heldDownBy } = await plan([critical, ...Array.from({ length: 5 }, () => finding({ severity: 'high', category: 'auth' }))], ['auth']);
    expect(heldDownBy[0].fingerprint).toBe(critical.fingerprint);
  });

  it('reads a bounded number of findings per group, and only the severities it lists', async () => {
    const findings = [
      ...Array.from({ length: 120 }, () =>
        finding({ severity: 'critical', exposure: exposed('guests') }),
      ),
      ...Array.from({ length: 30 }, () => finding({ severity: 'low', category: 'auth' })),
    ];
    const { heldDownBy, reads } = await plan(findings);
    expect(heldDownBy).toHaveLength(HELD_DOWN_LIMIT);
    expect(heldDownBy.every(d => d.severity === 'critical')).toBe(true);
    expect(reads.every(r => r.limit <= CANDIDATES_PER_GROUP)).toBe(true);
    // low findings are read only for the path to the next grade, if it needs them
    expect(new Set(reads.map(r => `${r.group.category}/${r.group.severity}`)).size).toBeLessThanOrEqual(2);
  });
});

describe('path to the next grade', () => {
  /** Checks a path against rescoring: its fixes reach the grade, one fix fewer does not. */
  async function expectPathReaches(findings: FixCandidate[], categories = CATEGORIES) {
    const result = await plan(findings, categories);
    const path = result.nextGrade!;
    expect(path.fixCount).toBeLessThanOrEqual(PATH_STEPS_SHOWN);
    expect(path.steps).toHaveLength(path.fixCount);
    const fixed = path.steps.map(s => s.fingerprint);
    expect(new Set(fixed).size).toBe(fixed.length);
    const after = await scoreWithout(findings, fixed, categories);
    expect(after.grade <= path.grade).toBe(true);
    expect(after).toMatchObject({ score: path.scoreAfter, grade: path.gradeAfter });
    expect(path.steps[path.steps.length - 1].scoreAfter).toBe(path.scoreAfter);
    const oneFewer = await scoreWithout(findings, fixed.slice(0, -1), categories);
    expect(oneFewer.grade > path.grade).toBe(true);
    return { ...result, path };
  }

  it('lists the fixes that raise an F to a D, the biggest gains first', async () => {
    const findings = [
      ...Array.from({ length: 4 }, () => finding({ severity: 'high', category: 'auth' })),
      ...Array.from({ length: 3 }, () => finding({ severity: 'high', category: 'permissions' })),
      ...Array.from({ length: 30 }, () => finding({ severity: 'medium', category: 'catalog' })),
      ...Array.from({ length: 10 }, () => finding({ severity: 'high', category: 'templates' })),
    ];
    const { grade, path } = await expectPathReaches(findings);
    expect(grade).toBe('F');
    expect(path).toMatchObject({ grade: 'D', minimumScore: 60, criticalFixes: 0 });
    expect(path.incomplete).toBeUndefined();
    for (let i = 1; i < path.steps.length; i++) {
      expect(path.steps[i].scoreAfter).toBeGreaterThan(path.steps[i - 1].scoreAfter);
    }
  });

  it('fixes every open critical first when the grade above needs it, however little they gain', async () => {
    // 86 without the cap, capped at D by two criticals in a saturated catalog.
    const findings = [
      finding({ severity: 'critical', fingerprint: 'c-1' }),
      finding({ severity: 'critical', fingerprint: 'c-2' }),
      ...Array.from({ length: 12 }, () => finding({ severity: 'medium' })),
      finding({ severity: 'high', category: 'auth' }),
    ];
    const { grade, path } = await expectPathReaches(findings);
    expect(grade).toBe('D');
    expect(path.steps.slice(0, 2).map(s => s.fingerprint).sort()).toEqual(['c-1', 'c-2']);
    expect(path).toMatchObject({ grade: 'C', criticalFixes: 2 });
    expect(path.gradeAfter <= 'C').toBe(true);
  });

  it('counts the whole path and lists its first fixes, the riskiest of each group first', async () => {
    const findings = [
      ...Array.from({ length: 30 }, (_, i) =>
        finding({
          severity: 'high',
          category: 'auth',
          exposure: i === 29 ? exposed('anyone') : undefined,
          fingerprint: `a-${String(i).padStart(2, '0')}`,
        }),
      ),
    ];
    const { nextGrade } = await plan(findings, ['auth']);
    expect(nextGrade!.grade).toBe('D');
    expect(nextGrade!.fixCount).toBeGreaterThan(PATH_STEPS_SHOWN);
    expect(nextGrade!.steps).toHaveLength(PATH_STEPS_SHOWN);
    expect(nextGrade!.steps[0].fingerprint).toBe('a-29');
    const after = await scoreWithout(
      findings,
      findings.slice(0, nextGrade!.fixCount).map(f => f.fingerprint),
      ['auth'],
    );
    expect(after.grade).toBe('D');
  });

  it('says when the path is longer than it follows', async () => {
    const groups: OpenFindingGroup[] = [
      { category: 'catalog', severity: 'low', outcome: 'fail', count: 1_000_000 },
    ];
    const result = await computeFixPlan(
      { groups, categories: ['catalog'], listCandidates: async () => [] },
      'F',
    );
    expect(result.nextGrade).toMatchObject({
      grade: 'D',
      fixCount: PATH_STEPS_MAX,
      incomplete: true,
      gradeAfter: 'F',
      steps: [],
    });
  });

  it('has no next grade at A', async () => {
    const result = await plan([finding({ severity: 'low' })]);
    expect(result.grade).toBe('A');
    expect(result.nextGrade).toBeUndefined();
  });

  it.each<[Grade, Grade, string[]]>([
    ['B', 'A', ['auth']],
    ['C', 'B', ['auth', 'permissions']],
  ])('raises %s to %s', async (from, to, categories) => {
    const findings = categories.flatMap(category =>
      Array.from({ length: 10 }, () => finding({ severity: 'high', category })),
    );
    const { grade, path } = await expectPathReaches(findings);
    expect(grade).toBe(from);
    expect(path.grade).toBe(to);
  });
});
