import {
  CategoryScore,
  emptySeverityCounts,
  Grade,
  CheckOutcome,
  GradeDrag,
  PostureSummary,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { ScoringFinding } from '../database/PostureStore';

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

const HELD_DOWN_LIMIT = 10;

export function gradeFor(score: number): Grade {
  if (score >= 90) return 'A';
  if (score >= 80) return 'B';
  if (score >= 70) return 'C';
  if (score >= 60) return 'D';
  return 'F';
}

/**
 * A category's score falls with the sum of its penalties, smoothly and never below 0:
 * `100 · 100 / (100 + penalty)`. One critical gives 71, five highs 50, so every fix shows.
 */
export function categoryScore(penalty: number): number {
  return (100 * 100) / (100 + penalty);
}

/** Open findings that share everything scoring looks at; `count` of them. */
export interface OpenFindingGroup {
  category: string;
  severity: Severity;
  outcome: CheckOutcome;
  count: number;
}

export type FindingGroupKey = Omit<OpenFindingGroup, 'count'>;

/**
 * Where scoring reads open findings: counts per group, and a few findings of chosen groups, so
 * a summary never loads every open finding (a large catalog has hundreds of thousands).
 */
export interface ScoringSource {
  countOpenFindingGroups(): Promise<OpenFindingGroup[]>;
  /** The first `limit` open findings of the groups, in fingerprint order. */
  listOpenFindingsOfGroups(groups: FindingGroupKey[], limit: number): Promise<ScoringFinding[]>;
}

function weightOf(group: FindingGroupKey) {
  return group.outcome === 'error' ? ERROR_WEIGHT : SEVERITY_WEIGHTS[group.severity];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Scores per category and overall (the mean of the categories), graded A–F. Any open critical
 * finding caps the grade at D. `heldDownBy` lists the findings whose fix gains the most (ties in
 * fingerprint order).
 */
export async function computeSummary(
  source: ScoringSource,
  categories: string[],
): Promise<
  Pick<
    PostureSummary,
    'score' | 'grade' | 'gradeCap' | 'categories' | 'counts' | 'openFindings' | 'heldDownBy'
  >
> {
  const groups = (await source.countOpenFindingGroups()).filter(g => g.count > 0);
  const allCategories = [...new Set([...categories, ...groups.map(g => g.category)])];
  const penalty = new Map<string, number>(allCategories.map(c => [c, 0]));
  const findingsIn = new Map<string, number>(allCategories.map(c => [c, 0]));
  const perCategory = new Map<string, CategoryScore>(
    allCategories.map(c => [
      c,
      { category: c, score: 100, grade: 'A', counts: emptySeverityCounts(), errors: 0 },
    ]),
  );
  const counts = emptySeverityCounts();
  let openFindings = 0;
  for (const group of groups) {
    penalty.set(group.category, penalty.get(group.category)! + weightOf(group) * group.count);
    findingsIn.set(group.category, findingsIn.get(group.category)! + group.count);
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
    category.score = round1(categoryScore(penalty.get(name)!));
    category.grade = gradeFor(category.score);
  }

  const n = allCategories.length || 1;
  const rawOverall =
    allCategories.reduce((sum, c) => sum + categoryScore(penalty.get(c)!), 0) / n;
  const score = allCategories.length ? round1(rawOverall) : 100;
  let grade = gradeFor(score);
  let gradeCap: string | undefined;
  if (counts.critical > 0 && grade < 'D') {
    grade = 'D';
    gradeCap = `Capped at D: ${counts.critical} open critical finding(s)`;
  }

  // Every finding of a group gains the same by being fixed, so gains are computed per group and
  // only the findings shown are read.
  const known = new Set(categories);
  const gains = groups
    .filter(group => weightOf(group) > 0)
    .map(group => {
      const before = categoryScore(penalty.get(group.category)!);
      const after = categoryScore(penalty.get(group.category)! - weightOf(group));
      // A category known only from this finding is no longer scored once it is fixed: the
      // mean is then over one category fewer, not over the category at 100.
      const vanishes = !known.has(group.category) && findingsIn.get(group.category) === 1;
      let overallAfter = rawOverall + (after - before) / n;
      if (vanishes) overallAfter = n > 1 ? (rawOverall * n - before) / (n - 1) : 100;
      return {
        group,
        categoryGain: round1(after - before),
        overallGain: round1(overallAfter - rawOverall),
      };
    })
    // Only what fixing would actually improve holds the grade down.
    .filter(gain => gain.overallGain > 0);

  const heldDownBy: GradeDrag[] = [];
  const levels = [...new Set(gains.map(g => g.overallGain))].sort((a, b) => b - a);
  for (const level of levels) {
    if (heldDownBy.length >= HELD_DOWN_LIMIT) break;
    const atLevel = gains.filter(g => g.overallGain === level);
    const findings = await source.listOpenFindingsOfGroups(
      atLevel.map(g => g.group),
      HELD_DOWN_LIMIT - heldDownBy.length,
    );
    for (const f of findings) {
      const gain = atLevel.find(
        g =>
          g.group.category === f.category &&
          g.group.severity === f.severity &&
          g.group.outcome === f.outcome,
      );
      if (!gain) continue;
      heldDownBy.push({
        fingerprint: f.fingerprint,
        checkId: f.checkId,
        title: f.title,
        category: f.category,
        severity: f.severity,
        categoryGain: gain.categoryGain,
        overallGain: gain.overallGain,
      });
    }
  }

  return {
    score,
    grade,
    gradeCap,
    categories: [...perCategory.values()].sort((a, b) => a.category.localeCompare(b.category)),
    counts,
    openFindings,
    heldDownBy: heldDownBy.slice(0, HELD_DOWN_LIMIT),
  };
}
