import {
  CategoryScore,
  emptySeverityCounts,
  Grade,
  PostureSummary,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import type {
  FindingGroupKey,
  OpenFindingGroup,
  ScoringSource,
} from '../database/PostureStore';

// Declared with the store that answers them (the database folder does not import this one).
export type { FindingGroupKey, OpenFindingGroup, ScoringSource };

/** Penalty points per open finding. */
export const SEVERITY_WEIGHTS: Record<Severity, number> = {
  critical: 40,
  high: 20,
  medium: 8,
  low: 3,
  info: 0,
};

/** An errored check hides part of the posture: it costs like a low finding, never nothing. */
export const ERROR_WEIGHT = 3;

export function gradeFor(score: number): Grade {
  if (score >= 90) return 'A';
  if (score >= 80) return 'B';
  if (score >= 70) return 'C';
  if (score >= 60) return 'D';
  return 'F';
}

/** The grade of a score, capped at D while a critical finding is open. */
export function cappedGrade(score: number, openCriticals: number): Grade {
  const grade = gradeFor(score);
  return openCriticals > 0 && grade < 'D' ? 'D' : grade;
}

/**
 * A category's score falls with the sum of its penalties, smoothly and never below 0:
 * `100 · 100 / (100 + penalty)`. One critical gives 71, five highs 50, so every fix shows.
 */
export function categoryScore(penalty: number): number {
  return (100 * 100) / (100 + penalty);
}

export function weightOf(group: FindingGroupKey) {
  return group.outcome === 'error' ? ERROR_WEIGHT : SEVERITY_WEIGHTS[group.severity];
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Penalties per category and the scores they give, with what fixing findings would change:
 * the arithmetic shared by the summary, the fix order and the path to the next grade.
 */
export class ScoreState {
  /** Every category scored: the registered ones and any that only findings name. */
  readonly categories: string[];
  private readonly known: Set<string>;
  private readonly penalty = new Map<string, number>();
  private readonly findingsIn = new Map<string, number>();

  constructor(groups: OpenFindingGroup[], registered: string[]) {
    this.known = new Set(registered);
    this.categories = [...new Set([...registered, ...groups.map(g => g.category)])];
    for (const c of this.categories) {
      this.penalty.set(c, 0);
      this.findingsIn.set(c, 0);
    }
    for (const group of groups) {
      this.penalty.set(group.category, this.penalty.get(group.category)! + weightOf(group) * group.count);
      this.findingsIn.set(group.category, this.findingsIn.get(group.category)! + group.count);
    }
  }

  categoryScore(category: string): number {
    return categoryScore(this.penalty.get(category) ?? 0);
  }

  /**
   * The unrounded overall score: the mean of the scored categories, 100 without any. A category
   * known only from findings leaves the mean with its last one.
   */
  overall(): number {
    let sum = 0;
    let scored = 0;
    for (const c of this.categories) {
      if (this.known.has(c) || this.findingsIn.get(c)! > 0) {
        sum += this.categoryScore(c);
        scored += 1;
      }
    }
    return scored ? sum / scored : 100;
  }

  /** What fixing one finding of the group would gain, overall and in its category. */
  gainOf(group: FindingGroupKey): { overallGain: number; categoryGain: number } {
    const before = this.overall();
    const categoryBefore = this.categoryScore(group.category);
    this.fix(group);
    const result = {
      overallGain: this.overall() - before,
      categoryGain: this.categoryScore(group.category) - categoryBefore,
    };
    this.fix(group, -1);
    return result;
  }

  /** Applies `count` fixes of the group (a negative count undoes them). */
  fix(group: FindingGroupKey, count = 1) {
    const category = group.category;
    this.penalty.set(category, (this.penalty.get(category) ?? 0) - weightOf(group) * count);
    this.findingsIn.set(category, (this.findingsIn.get(category) ?? 0) - count);
  }
}

/**
 * Scores per category and overall (the mean of the categories), graded A–F. Any open critical
 * finding caps the grade at D. What holds the grade down is computed apart (fixPlan.ts).
 */
export async function computeSummary(
  source: Pick<ScoringSource, 'countOpenFindingGroups'>,
  categories: string[],
): Promise<
  Pick<PostureSummary, 'score' | 'grade' | 'gradeCap' | 'categories' | 'counts' | 'openFindings'>
> {
  const groups = (await source.countOpenFindingGroups()).filter(g => g.count > 0);
  const state = new ScoreState(groups, categories);
  const perCategory = new Map<string, CategoryScore>(
    state.categories.map(c => [
      c,
      { category: c, score: 100, grade: 'A', counts: emptySeverityCounts(), errors: 0 },
    ]),
  );
  const counts = emptySeverityCounts();
  let openFindings = 0;
  for (const group of groups) {
    const category = perCategory.get(group.category)!;
    if (group.outcome === 'error') {
      category.errors += group.count;
    } else {
      category.counts[group.severity] += group.count;
      counts[group.severity] += group.count;
      openFindings += group.count;
    }
  }
  for (const [name, category] of perCategory) {
    category.score = round1(state.categoryScore(name));
    category.grade = gradeFor(category.score);
  }

  const score = round1(state.overall());
  const grade = cappedGrade(score, counts.critical);
  const gradeCap =
    grade !== gradeFor(score)
      ? `Capped at D: ${counts.critical} open critical finding(s)`
      : undefined;

  return {
    score,
    grade,
    gradeCap,
    categories: [...perCategory.values()].sort((a, b) => a.category.localeCompare(b.category)),
    counts,
    openFindings,
  };
}
