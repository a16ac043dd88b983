import { ScoringFinding } from '../database/PostureStore';
import {
  categoryScore,
  computeSummary,
  ERROR_WEIGHT,
  gradeFor,
  SEVERITY_WEIGHTS,
} from './scoring';
import { inMemoryScoringSource } from '../__testUtils__/inMemoryScoringSource';

const summarize = (findings: ScoringFinding[], categories: string[]) =>
  computeSummary(inMemoryScoringSource(findings), categories);

let next = 0;
function finding(overrides: Partial<ScoringFinding> = {}): ScoringFinding {
  next += 1;
  return {
    fingerprint: `fp-${String(next).padStart(3, '0')}`,
    checkId: 'catalog/leaked-secret',
    title: 'A finding',
    category: 'catalog',
    severity: 'medium',
    outcome: 'fail',
    ...overrides,
  };
}

const CATEGORIES = ['auth', 'catalog', 'permissions', 'plugins', 'templates'];

describe('computeSummary', () => {
  it('gives 100/A with no findings', async () => {
    const summary = await summarize([], CATEGORIES);
    expect(summary).toMatchObject({
      score: 100,
      grade: 'A',
      gradeCap: undefined,
      openFindings: 0,
      heldDownBy: [],
      counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    });
    expect(summary.categories.map(c => [c.category, c.score, c.grade, c.errors])).toEqual(
      CATEGORIES.map(c => [c, 100, 'A', 0]),
    );
    expect(await summarize([], [])).toMatchObject({ score: 100, grade: 'A', categories: [] });
  });

  it('caps the grade at D while a critical finding is open', async () => {
    const critical = finding({ severity: 'critical', category: 'auth' });
    const summary = await summarize([critical], CATEGORIES);
    // One critical in one of five categories: the mean alone would be an A.
    const uncapped = (categoryScore(SEVERITY_WEIGHTS.critical) + 4 * 100) / 5;
    expect(uncapped).toBeGreaterThanOrEqual(90);
    expect(summary.score).toBeCloseTo(uncapped, 1);
    expect(gradeFor(summary.score)).toBe('A');
    expect(summary.grade).toBe('D');
    expect(summary.gradeCap).toMatch(/1 open critical/);
    expect(summary.counts.critical).toBe(1);
    expect(summary.categories.find(c => c.category === 'auth')).toMatchObject({
      grade: 'C',
      counts: { critical: 1 },
    });

    // Fixing it lifts the cap.
    const fixed = await summarize([], CATEGORIES);
    expect(fixed.grade).toBe('A');
    expect(fixed.gradeCap).toBeUndefined();
  });

  it('never raises a worse grade to D', async () => {
    const findings = [
      finding({ severity: 'critical', category: 'auth' }),
      ...Array.from({ length: 10 }, () => finding({ severity: 'high', category: 'auth' })),
    ];
    const summary = await summarize(findings, ['auth']);
    expect(summary.score).toBeLessThan(60);
    expect(summary.grade).toBe('F');
    expect(summary.gradeCap).toBeUndefined();
  });

  it('lists what holds the grade down, sorted by gain, with gains that match rescoring', async () => {
    const findings = [
      finding({ severity: 'low', category: 'catalog' }),
      finding({ severity: 'critical', category: 'auth' }),
      finding({ severity: 'high', category: 'auth' }),
      finding({ severity: 'medium', category: 'catalog' }),
      finding({ severity: 'high', category: 'permissions' }),
      finding({ severity: 'medium', category: 'plugins', outcome: 'error' }),
      finding({ severity: 'info', category: 'templates' }),
      // A category only findings know about still counts.
      finding({ severity: 'high', category: 'custom' }),
    ];
    const summary = await summarize(findings, CATEGORIES);
    const drags = summary.heldDownBy;

    expect(drags.map(d => d.fingerprint).sort()).toEqual(
      findings
        .filter(f => f.severity !== 'info')
        .map(f => f.fingerprint)
        .sort(),
    );
    for (let i = 1; i < drags.length; i++) {
      expect(drags[i - 1].overallGain).toBeGreaterThanOrEqual(drags[i].overallGain);
    }
    expect(drags[0].severity).toBe('critical');

    for (const drag of drags) {
      const without = await summarize(
        findings.filter(f => f.fingerprint !== drag.fingerprint),
        CATEGORIES,
      );
      // Both sides are rounded to 0.1, so allow one rounding step.
      expect(Math.abs(drag.overallGain - (without.score - summary.score))).toBeLessThanOrEqual(
        0.1 + 1e-9,
      );
      const categoryBefore = summary.categories.find(c => c.category === drag.category)!.score;
      // A category that only this finding brought in is gone afterwards: it would score 100.
      const categoryAfter =
        without.categories.find(c => c.category === drag.category)?.score ?? 100;
      expect(Math.abs(drag.categoryGain - (categoryAfter - categoryBefore))).toBeLessThanOrEqual(
        0.1 + 1e-9,
      );
      expect(drag.overallGain).toBeGreaterThan(0);
    }
    expect(summary.categories.map(c => c.category)).toEqual([...CATEGORIES, 'custom'].sort());
  });

  it('does not list a finding whose fix would not raise the score', async () => {
    // 'custom' is scored only because of its one low finding (97.1 against a 71.4 'auth'):
    // fixing it drops the category from the mean, and the overall score goes down.
    const lone = finding({ severity: 'low', category: 'custom' });
    const findings = [finding({ severity: 'critical', category: 'auth' }), lone];
    const summary = await summarize(findings, ['auth']);
    const without = await summarize(findings.filter(f => f !== lone), ['auth']);
    expect(without.score).toBeLessThan(summary.score);
    expect(summary.heldDownBy.map(d => d.fingerprint)).toEqual([findings[0].fingerprint]);
  });

  it('keeps only the ten biggest drags', async () => {
    const findings = [
      ...Array.from({ length: 12 }, () => finding({ severity: 'low', category: 'auth' })),
      finding({ severity: 'high', category: 'catalog' }),
    ];
    const { heldDownBy } = await summarize(findings, CATEGORIES);
    expect(heldDownBy).toHaveLength(10);
    expect(heldDownBy[0].severity).toBe('high');
  });

  it('charges errors ERROR_WEIGHT and counts them apart from severities', async () => {
    const error = finding({ category: 'plugins', severity: 'critical', outcome: 'error' });
    const summary = await summarize([error], CATEGORIES);
    const plugins = summary.categories.find(c => c.category === 'plugins')!;
    expect(plugins.errors).toBe(1);
    expect(plugins.counts).toEqual({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
    expect(plugins.score).toBeCloseTo(categoryScore(ERROR_WEIGHT), 1);
    expect(plugins.score).toBeLessThan(100);
    expect(summary.counts).toEqual({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
    expect(summary.openFindings).toBe(0);
    // An errored check's severity does not cap the grade: nothing critical is known to be open.
    expect(summary.gradeCap).toBeUndefined();
    expect(summary.heldDownBy).toHaveLength(1);
    expect(summary.heldDownBy[0]).toMatchObject({ fingerprint: error.fingerprint });
    // Same cost as a low finding, whatever the check's severity.
    const low = await summarize([finding({ category: 'plugins', severity: 'low' })], CATEGORIES);
    expect(ERROR_WEIGHT).toBe(SEVERITY_WEIGHTS.low);
    expect(summary.score).toBe(low.score);
  });

  it('reads counts and only the findings it shows, ties in fingerprint order', async () => {
    // 30 equal medium findings in two checks of one category, plus two highs elsewhere.
    const many = Array.from({ length: 30 }, (_, i) =>
      finding({
        severity: 'medium',
        category: 'catalog',
        checkId: i % 2 ? 'catalog/a' : 'catalog/b',
        fingerprint: `m-${String((i * 7) % 30).padStart(3, '0')}`,
      }),
    );
    const highs = [
      finding({ severity: 'high', category: 'auth', fingerprint: 'z-1' }),
      finding({ severity: 'high', category: 'auth', fingerprint: 'a-1' }),
    ];
    const source = inMemoryScoringSource([...many, ...highs]);
    const summary = await computeSummary(source, CATEGORIES);
    expect(summary.openFindings).toBe(32);
    expect(summary.heldDownBy.map(d => d.fingerprint)).toEqual([
      'a-1',
      'z-1',
      ...['m-000', 'm-001', 'm-002', 'm-003', 'm-004', 'm-005', 'm-006', 'm-007'],
    ]);
    // Never more than the ten findings shown were asked for.
    expect(source.requestedLimits.every(limit => limit <= 10)).toBe(true);
  });

  it('counts info findings without charging for them', async () => {
    const infos = [
      finding({ severity: 'info', category: 'catalog' }),
      finding({ severity: 'info', category: 'catalog' }),
    ];
    const summary = await summarize(infos, CATEGORIES);
    expect(summary.score).toBe(100);
    expect(summary.grade).toBe('A');
    expect(summary.counts.info).toBe(2);
    expect(summary.openFindings).toBe(2);
    expect(summary.heldDownBy).toEqual([]);
    expect(summary.categories.find(c => c.category === 'catalog')).toMatchObject({
      score: 100,
      counts: { info: 2 },
    });
  });
});

describe('gradeFor', () => {
  it('grades on 90/80/70/60 boundaries', async () => {
    expect([100, 90, 89.9, 80, 79.9, 70, 69.9, 60, 59.9, 0].map(gradeFor)).toEqual([
      'A', 'A', 'B', 'B', 'C', 'C', 'D', 'D', 'F', 'F',
    ]);
  });
});
