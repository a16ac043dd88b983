import {
  CategoryScore,
  emptySeverityCounts,
  Grade,
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

function weightOf(finding: ScoringFinding) {
  return finding.outcome === 'error' ? ERROR_WEIGHT : SEVERITY_WEIGHTS[finding.severity];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Scores per category and overall (the mean of the categories), graded A–F. Any open critical
 * finding caps the grade at D. `heldDownBy` lists the findings whose fix gains the most.
 */
export function computeSummary(
  openFindings: ScoringFinding[],
  categories: string[],
): Pick<
  PostureSummary,
  'score' | 'grade' | 'gradeCap' | 'categories' | 'counts' | 'openFindings' | 'heldDownBy'
> {
  const allCategories = [...new Set([...categories, ...openFindings.map(f => f.category)])];
  const penalty = new Map<string, number>(allCategories.map(c => [c, 0]));
  const perCategory = new Map<string, CategoryScore>(
    allCategories.map(c => [
      c,
      { category: c, score: 100, grade: 'A', counts: emptySeverityCounts(), errors: 0 },
    ]),
  );
  const counts = emptySeverityCounts();
  for (const finding of openFindings) {
    penalty.set(finding.category, penalty.get(finding.category)! + weightOf(finding));
    const category = perCategory.get(finding.category)!;
    if (finding.outcome === 'error') {
      category.errors += 1;
    } else {
      category.counts[finding.severity] += 1;
      counts[finding.severity] += 1;
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

  const known = new Set(categories);
  const findingsIn = new Map<string, number>();
  for (const f of openFindings) findingsIn.set(f.category, (findingsIn.get(f.category) ?? 0) + 1);
  const heldDownBy: GradeDrag[] = openFindings
    .filter(f => weightOf(f) > 0)
    .map(f => {
      const before = categoryScore(penalty.get(f.category)!);
      const after = categoryScore(penalty.get(f.category)! - weightOf(f));
      // A category known only from this finding is no longer scored once it is fixed: the
      // mean is then over one category fewer, not over the category at 100.
      const vanishes = !known.has(f.category) && findingsIn.get(f.category) === 1;
      let overallAfter = rawOverall + (after - before) / n;
      if (vanishes) overallAfter = n > 1 ? (rawOverall * n - before) / (n - 1) : 100;
      return {
        fingerprint: f.fingerprint,
        checkId: f.checkId,
        title: f.title,
        category: f.category,
        severity: f.severity,
        categoryGain: round1(after - before),
        overallGain: round1(overallAfter - rawOverall),
      };
    })
    // Only what fixing would actually improve holds the grade down.
    .filter(drag => drag.overallGain > 0)
    .sort((a, b) => b.overallGain - a.overallGain || a.fingerprint.localeCompare(b.fingerprint))
    .slice(0, HELD_DOWN_LIMIT);

  return {
    score,
    grade,
    gradeCap,
    categories: [...perCategory.values()].sort((a, b) => a.category.localeCompare(b.category)),
    counts,
    openFindings: openFindings.filter(f => f.outcome !== 'error').length,
    heldDownBy,
  };
}
