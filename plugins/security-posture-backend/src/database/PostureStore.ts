import { JsonValue } from '@backstage/types';
import {
  CheckRunSummary,
  PublishedCheckData,
  Finding,
  FindingsQuery,
  HistoryPoint,
  Scan,
  ScanStatus,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';
import type { ScoringSource } from '../service/scoring';

/** A finding as a scan produces it, before first/last-seen bookkeeping. */
export type NewFinding = Omit<
  Finding,
  'status' | 'firstSeenAt' | 'lastSeenAt' | 'resolvedAt'
>;

/**
 * Which findings a caller may see. `all` for the deployment-wide report; otherwise only findings
 * of the listed entities (deployment-level findings are never part of a restricted view).
 */
export type FindingsVisibility = { type: 'all' } | { type: 'entities'; entityRefs: string[] };

export interface ScanPatch {
  status?: ScanStatus;
  startedAt?: string;
  finishedAt?: string;
  progress?: { done: number; total: number };
  message?: string | null;
  checkRuns?: CheckRunSummary[];
}

/** Minimal open-finding data for scoring. */
export interface ScoringFinding {
  fingerprint: string;
  checkId: string;
  title: string;
  category: string;
  severity: Finding['severity'];
  outcome: Finding['outcome'];
}

export interface PostureStore extends ScoringSource {
  createScan(scan: Pick<Scan, 'trigger' | 'requestedBy'>): Promise<Scan>;
  updateScan(id: string, patch: ScanPatch): Promise<void>;
  getScan(id: string): Promise<Scan | undefined>;
  listScans(options: { limit: number }): Promise<Scan[]>;
  /** Oldest queued scan, atomically marked running; undefined when none is queued. */
  claimQueuedScan(startedAt: string): Promise<Scan | undefined>;
  /** Scans left `running`/`queued` by a crashed process are closed as failed. */
  failStaleScans(before: string, message: string): Promise<number>;
  /**
   * Closes every `running` scan as failed. Only safe for the holder of the scan task's global
   * lock, which is the only place scans run: anything still `running` was interrupted.
   */
  failInterruptedScans(message: string): Promise<number>;

  /**
   * Records one check's findings of a scan: new ones are inserted, known ones refreshed (and
   * reopened). With `resolveMissing`, this check's open findings that the scan did not report
   * are resolved; a check that errored passes false so its previous findings stay open.
   */
  applyCheckFindings(options: {
    scanId: string;
    checkId: string;
    findings: NewFinding[];
    seenAt: string;
    /**
     * `true`: resolve every open finding of the check not reported by this scan; an object:
     * the same except findings of the listed entities (they could not be evaluated).
     */
    resolveMissing: boolean | { exceptEntityRefs: string[] };
  }): Promise<void>;
  /** Resolves open findings of checks that are no longer registered or enabled. */
  resolveFindingsOfRetiredChecks(activeCheckIds: string[], resolvedAt: string): Promise<number>;

  savePublished(record: PublishedCheckData<JsonValue>): Promise<void>;
  getPublished(checkId: string, key: string): Promise<PublishedCheckData<JsonValue> | undefined>;
  /** Reads a setting, creating it with `initial()` the first time (first writer wins). */
  getOrCreateSetting(name: string, initial: () => string): Promise<string>;

  /** `totalItems` is counted unless `withTotal` is false (then it is the number of items). */
  listFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    options?: { withTotal?: boolean },
  ): Promise<{ items: Finding[]; totalItems: number }>;
  /** Pages through every finding of a query, for exports: memory stays bounded. */
  streamFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    pageSize?: number,
  ): AsyncIterable<Finding[]>;
  getFinding(fingerprint: string): Promise<Finding | undefined>;
  countOpenBySeverity(entityRef: string): Promise<SeverityCounts>;
  /** Distinct entity refs that have findings matching the status filter. */
  listEntityRefsWithFindings(status?: Finding['status'][]): Promise<string[]>;

  saveSummary(point: HistoryPoint): Promise<void>;
  listHistory(options: { since?: string; limit: number }): Promise<HistoryPoint[]>;
  /** Deletes summaries and finished scans older than `before`, and findings resolved before it. */
  prune(before: string): Promise<void>;
}
