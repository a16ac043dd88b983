import {
  EntitySecurityCheck,
  SecurityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import { OutcomeCounts, ResolvedCheck } from '@security-posture/checks';
import { NewFinding } from '../database/PostureStore';
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
