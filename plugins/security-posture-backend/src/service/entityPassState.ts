import {
  EntitySecurityCheck,
  SecurityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import {
  EntityCheckEvaluation,
  EvaluationResults,
  OutcomeCounts,
  ResolvedCheck,
  splitFindingsDigests,
} from '@security-posture/checks';
import { EntityEvaluation, NewFinding } from '../database/PostureStore';
import { HeldLogs } from './heldLogs';

/** One entity check over the pass. */
export interface EntityCheckState {
  resolved: ResolvedCheck;
  check: EntitySecurityCheck;
  context: SecurityCheckContext;
  logs: HeldLogs;
  counts: OutcomeCounts;
  findings: NewFinding[];
  failCount: number;
  errorCount: number;
  durationMs: number;
  firstError?: string;
  /** Entities of the pages gathered since the last write that the check failed on. */
  pageUnevaluated: string[];
  /** Entities of those pages the check found what was recorded on (findings not sent). */
  pageKept: string[];
  /** Those of `pageKept` whose findings' "last seen" is due a refresh. */
  pageKeptRefresh: string[];
  /** Evaluated by the scan's evaluation workers, not on the main thread. */
  inWorker: boolean;
}

/** Where the pass's time went (ms): the first five add up to its duration; writing overlaps them. */
export interface PassTimings {
  readingCatalog: number;
  readingEvaluations: number;
  planning: number;
  evaluating: number;
  waitingForWrites: number;
  /** The page writes' own time, in the background of the next page. */
  writing: number;
}

export interface EntityPassResult {
  seen: number;
  skipped: number;
  catalogError?: Error;
  timings: PassTimings;
}

/** A page's evaluations: of the main thread's checks, and per entity of the workers'. */
export interface PageEvaluations {
  here: EntityCheckEvaluation[][];
  /** Unset when no check runs in a worker (or nothing on the page was evaluated). */
  workerResults?: EvaluationResults;
}

/** An entity of a page to evaluate, with the checks that apply to it. */
export interface PlannedEntity {
  entityRef: string;
  applying: Array<{ state: EntityCheckState; checked: boolean }>;
  /** Incremental passes: what to record once it was evaluated without failures. */
  evaluation?: EntityEvaluation;
  /** Whether an evaluation was recorded for it before. */
  recordedBefore: boolean;
  /** Whether its recorded evaluation has its current hashes (a full pass evaluates it anyway). */
  hashesUnchanged?: boolean;
  /**
   * Per applying check: the digest of what it found when the entity was last evaluated, joined
   * (split only where a check on this thread needs its own).
   */
  recordedDigests?: string;
  /** Kept findings are due a "last seen" refresh (the evaluation was recorded long enough ago). */
  refreshDue?: boolean;
}

/** The recorded digests of a planned entity, one per applying check. */
export function recordedDigestsOf(p: PlannedEntity): string[] | undefined {
  return p.recordedDigests === undefined
    ? undefined
    : splitFindingsDigests(p.recordedDigests);
}
