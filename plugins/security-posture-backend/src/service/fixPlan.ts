import {
  FindingExposure,
  Grade,
  GradeDrag,
  GradePath,
  GradePathStep,
  SEVERITIES,
} from '@security-posture/plugin-security-posture-common';
import { ScoringFinding } from '../database/PostureStore';
import { exposureRank } from './exposure';
import {
  cappedGrade,
  FindingGroupKey,
  OpenFindingGroup,
  round1,
  ScoreState,
  weightOf,
} from './scoring';

/** Findings listed in "what holds the grade down". */
export const HELD_DOWN_LIMIT = 10;
/** Fixes of the path to the next grade that are listed (the count covers all of them). */
export const PATH_STEPS_SHOWN = 10;
/** Fixes the path follows at most; beyond that it is reported as incomplete. */
export const PATH_STEPS_MAX = 100_000;
/**
 * Findings of one group the risk order chooses from. Exposure is the same for every finding of a
 * catalog or template group (it is decided per deployment), so the first ones stand for all.
 */
export const CANDIDATES_PER_GROUP = 50;

/** An open finding with what the fix order looks at besides its group. */
export interface FixCandidate extends ScoringFinding {
  entityRef?: string;
  exposure?: FindingExposure;
}

export interface FixPlanInput {
  /** Open findings counted per category × severity × outcome. */
  groups: OpenFindingGroup[];
  /** The registered categories (scored even without findings). */
  categories: string[];
  /** Up to `limit` open findings of one group, with their entity and exposure. */
  listCandidates(group: FindingGroupKey, limit: number): Promise<FixCandidate[]>;
}

const NEXT_GRADE: Partial<Record<Grade, Grade>> = { F: 'D', D: 'C', C: 'B', B: 'A' };
const MINIMUM_SCORE: Record<Grade, number> = { A: 90, B: 80, C: 70, D: 60, F: 0 };

const round2 = (n: number) => Math.round(n * 100) / 100;
const sameGroup = (a: FindingGroupKey, b: FindingGroupKey) =>
  a.category === b.category && a.severity === b.severity && a.outcome === b.outcome;
const isCritical = (group: FindingGroupKey) =>
  group.outcome === 'fail' && group.severity === 'critical';

/**
 * Rank of a group in the fix order, lower first: severities from critical down, and a check that
 * errored (its part of the posture is unknown) after the low findings.
 */
export function severityRank(group: FindingGroupKey): number {
  if (group.outcome === 'error') return SEVERITIES.indexOf('low') + 0.5;
  return SEVERITIES.indexOf(group.severity);
}

/** Risk first: severity, then exposure, then the points the fix gains, then fingerprint. */
export function compareRisk(a: GradeDrag, b: GradeDrag): number {
  return (
    severityRank({ ...a, outcome: a.outcome ?? 'fail' }) -
      severityRank({ ...b, outcome: b.outcome ?? 'fail' }) ||
    exposureRank(a.exposure) - exposureRank(b.exposure) ||
    b.overallGain - a.overallGain ||
    (a.fingerprint < b.fingerprint ? -1 : Number(a.fingerprint > b.fingerprint))
  );
}

function toDrag(
  candidate: FixCandidate,
  gain: { overallGain: number; categoryGain: number },
): GradeDrag {
  return {
    fingerprint: candidate.fingerprint,
    checkId: candidate.checkId,
    title: candidate.title,
    category: candidate.category,
    severity: candidate.severity,
    outcome: candidate.outcome,
    ...(candidate.entityRef ? { entityRef: candidate.entityRef } : {}),
    ...(candidate.exposure ? { exposure: candidate.exposure } : {}),
    overallGain: round2(gain.overallGain),
    categoryGain: round2(gain.categoryGain),
  };
}

/** Candidates of a group, read once per plan. */
function candidateReader(input: FixPlanInput) {
  const read = new Map<string, Promise<FixCandidate[]>>();
  return (group: FindingGroupKey) => {
    const key = JSON.stringify([group.category, group.severity, group.outcome]);
    if (!read.has(key)) read.set(key, input.listCandidates(group, CANDIDATES_PER_GROUP));
    return read.get(key)!;
  };
}

/**
 * What holds the grade down, risk first: the open findings that cost points by severity
 * (critical first; errored checks after the lows), within a severity by exposure (anyone, guests,
 * signed-in users, not assessed, owners only), then by the overall points their fix alone gains.
 * Criticals are always listed (they cap the grade); other findings only when their fix raises
 * the score.
 */
async function riskFirst(
  input: FixPlanInput,
  state: ScoreState,
  candidatesOf: (group: FindingGroupKey) => Promise<FixCandidate[]>,
): Promise<GradeDrag[]> {
  const gains = input.groups
    .filter(group => group.count > 0 && weightOf(group) > 0)
    .map(group => ({ group, ...state.gainOf(group) }))
    .filter(gain => gain.overallGain > 1e-9 || isCritical(gain.group));
  const ranks = [...new Set(gains.map(g => severityRank(g.group)))].sort((a, b) => a - b);
  const listed: GradeDrag[] = [];
  for (const rank of ranks) {
    if (listed.length >= HELD_DOWN_LIMIT) break;
    const atRank = gains.filter(g => severityRank(g.group) === rank);
    const drags = (
      await Promise.all(
        atRank.map(async gain =>
          (await candidatesOf(gain.group))
            .filter(c => sameGroup(c, gain.group))
            .map(c => toDrag(c, gain)),
        ),
      )
    ).flat();
    listed.push(...drags.sort(compareRisk).slice(0, HELD_DOWN_LIMIT - listed.length));
  }
  return listed;
}

interface PlannedFix {
  group: FindingGroupKey;
  overallGain: number;
  categoryGain: number;
  scoreAfter: number;
}

/**
 * The path to the next grade: for a grade above D every open critical must go first (they cap
 * the grade at D); then each step takes the fix that gains the most overall points (ties: the
 * higher severity), until the grade is reached. Fixes are counted to the end; the first
 * {@link PATH_STEPS_SHOWN} are listed, the riskiest finding of each group first.
 */
async function pathToNextGrade(
  input: FixPlanInput,
  grade: Grade,
  candidatesOf: (group: FindingGroupKey) => Promise<FixCandidate[]>,
): Promise<GradePath | undefined> {
  const target = NEXT_GRADE[grade];
  if (!target) return undefined;
  const state = new ScoreState(input.groups, input.categories);
  // Within a category the heaviest finding always gains the most, so each step weighs one
  // candidate per category: its first group with findings left in this order.
  const left = input.groups
    .filter(group => group.count > 0 && weightOf(group) > 0)
    .map(group => ({ group, count: group.count }))
    .sort(
      (a, b) =>
        a.group.category.localeCompare(b.group.category) ||
        weightOf(b.group) - weightOf(a.group) ||
        severityRank(a.group) - severityRank(b.group),
    );
  let openCriticals = left.filter(l => isCritical(l.group)).reduce((n, l) => n + l.count, 0);
  const gradeNow = () => cappedGrade(round1(state.overall()), openCriticals);
  const reached = () => gradeNow() <= target; // 'A' < 'B' < 'C' < 'D' < 'F'

  const planned: PlannedFix[] = [];
  let fixCount = 0;
  let criticalFixes = 0;
  type Entry = (typeof left)[number];
  const apply = (entry: Entry, count: number) => {
    state.fix(entry.group, count);
    entry.count -= count;
    fixCount += count;
    if (isCritical(entry.group)) {
      openCriticals -= count;
      criticalFixes += count;
    }
  };
  /** The fewest fixes of the entry's group (at most `most`) that reach the grade; `most` if none. */
  const fixesToReach = (entry: Entry, most: number) => {
    const reachedAfter = (count: number) => {
      apply(entry, count);
      const result = reached();
      apply(entry, -count);
      return result;
    };
    let low = 1;
    let high = most;
    if (!reachedAfter(high)) return most;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (reachedAfter(middle)) high = middle;
      else low = middle + 1;
    }
    return low;
  };
  /**
   * Takes the fix that gains the most (ties: the higher severity). A category's gain per fix
   * grows as its penalty falls and no other category's changes, so the same group stays the best
   * until it runs out: it is fixed as often as needed in one go, each of the first listed fixes
   * with its own gain.
   */
  const fixBest = (criticalsOnly: boolean) => {
    let best: { entry: Entry; overallGain: number; categoryGain: number } | undefined;
    let category: string | undefined;
    for (const entry of left) {
      // `left` is sorted by category: the first entry of a category with findings is its candidate
      if (entry.count === 0 || (criticalsOnly && !isCritical(entry.group))) continue;
      if (entry.group.category === category) continue;
      category = entry.group.category;
      const gain = state.gainOf(entry.group);
      if (
        !best ||
        gain.overallGain > best.overallGain + 1e-9 ||
        (Math.abs(gain.overallGain - best.overallGain) <= 1e-9 &&
          severityRank(entry.group) < severityRank(best.entry.group))
      ) {
        best = { entry, ...gain };
      }
    }
    if (!best) return false;
    const { entry } = best;
    while (planned.length < PATH_STEPS_SHOWN && entry.count > 0 && fixCount < PATH_STEPS_MAX) {
      const gain = state.gainOf(entry.group);
      apply(entry, 1);
      planned.push({ group: entry.group, ...gain, scoreAfter: round1(state.overall()) });
      if (!criticalsOnly && reached()) return true;
    }
    const most = Math.min(entry.count, PATH_STEPS_MAX - fixCount);
    if (most > 0) apply(entry, criticalsOnly ? most : fixesToReach(entry, most));
    return true;
  };
  // Above D, the criticals go first whatever they gain: no score lifts the cap while one is open.
  if (target < 'D') {
    while (openCriticals > 0 && fixCount < PATH_STEPS_MAX && fixBest(true)) {
      // each pass fixes a group of criticals
    }
  }
  while (!reached() && fixCount < PATH_STEPS_MAX && fixBest(false)) {
    // each pass fixes the findings that gain the most
  }

  // The listed steps: per group, its riskiest findings in order.
  const used = new Map<string, number>();
  const steps: GradePathStep[] = [];
  for (const fix of planned) {
    const key = JSON.stringify([fix.group.category, fix.group.severity, fix.group.outcome]);
    const index = used.get(key) ?? 0;
    used.set(key, index + 1);
    const candidates = (await candidatesOf(fix.group))
      .filter(c => sameGroup(c, fix.group))
      .map(c => toDrag(c, fix))
      .sort(compareRisk);
    const candidate = candidates[index];
    if (candidate) steps.push({ ...candidate, scoreAfter: fix.scoreAfter });
  }

  const scoreAfter = round1(state.overall());
  return {
    grade: target,
    minimumScore: MINIMUM_SCORE[target],
    fixCount,
    criticalFixes,
    scoreAfter,
    gradeAfter: gradeNow(),
    ...(reached() ? {} : { incomplete: true }),
    steps,
  };
}

/** What holds the grade down (risk first) and the path to the next grade. */
export async function computeFixPlan(
  input: FixPlanInput,
  grade: Grade,
): Promise<{ heldDownBy: GradeDrag[]; nextGrade?: GradePath }> {
  const groups = input.groups.filter(g => g.count > 0);
  const plan = { ...input, groups };
  const candidatesOf = candidateReader(plan);
  const state = new ScoreState(groups, input.categories);
  const [heldDownBy, nextGrade] = await Promise.all([
    riskFirst(plan, state, candidatesOf),
    pathToNextGrade(plan, grade, candidatesOf),
  ]);
  return { heldDownBy, ...(nextGrade ? { nextGrade } : {}) };
}
