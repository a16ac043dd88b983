import { ScoringFinding } from '../database/PostureStore';
import {
  categoryScore,
  computeSummary,
  ERROR_WEIGHT,
  gradeFor,
  round1,
  ScoreState,
  SEVERITY_WEIGHTS,
} from './scoring';
import { inMemoryScoringSource } from './__testUtils__/inMemoryScoringSource';

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

  it('computes gains that match rescoring without the finding', async () => {
    const findings = [
      finding({ severity: 'low', category: 'catalog' }),
      finding({ severity: 'critical', category: 'auth' }),
      finding({ severity: 'high', category: 'auth' }),
      finding({ severity: 'medium', category: 'catalog' }),
      finding({ severity: 'medium', category: 'plugins', outcome: 'error' }),
      // A category only findings know about still counts, and leaves the mean with its last one.
      finding({ severity: 'high', category: 'custom' }),
    ];
    const source = inMemoryScoringSource(findings);
    const state = new ScoreState(await source.countOpenFindingGroups(), CATEGORIES);
    const summary = await summarize(findings, CATEGORIES);
    expect(round1(state.overall())).toBe(summary.score);
    for (const f of findings) {
      const gain = state.gainOf(f);
      const without = await summarize(
        findings.filter(other => other !== f),
        CATEGORIES,
      );
      expect(Math.abs(gain.overallGain - (without.score - summary.score))).toBeLessThanOrEqual(
        0.1 + 1e-9,
      );
      const before = summary.categories.find(c => c.category === f.category)!.score;
      const after = without.categories.find(c => c.category === f.category)?.score ?? 100;
      expect(Math.abs(gain.categoryGain - (after - before))).toBeLessThanOrEqual(0.1 + 1e-9);
    }
    // gainOf leaves the state as it was
    expect(round1(state.overall())).toBe(summary.score);
    expect(summary.categories.map(c => c.category)).toEqual([...CATEGORIES, 'custom'].sort());
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
    // Same cost as a low finding, whatever the check's severity.
    const low = await summarize([finding({ category: 'plugins', severity: 'low' })], CATEGORIES);
    expect(ERROR_WEIGHT).toBe(SEVERITY_WEIGHTS.low);
    expect(summary.score).toBe(low.score);
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
