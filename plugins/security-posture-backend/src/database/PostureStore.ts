import { JsonValue } from '@backstage/types';
import {
  ChangesSincePage,
  ChangesSinceQuery,
  CheckRunSummary,
  PublishedCheckData,
  Finding,
  FindingGroup,
  FindingsQuery,
  HistoryPoint,
  Scan,
  ScanChangesPage,
  ScanChangesQuery,
  ScanChangeSummary,
  ScanStatus,
  SeverityCounts,
  CheckOutcome,
  Severity,
} from '@security-posture/plugin-security-posture-common';

import type { NewFinding } from '@security-posture/checks';
import type { EntityEvaluation, StoredEntityEvaluation } from './entityEvaluations';

export type { NewFinding, EntityEvaluation, StoredEntityEvaluation };

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

/** Open findings per owner: scoring groups, entities with open findings, every owner of a finding. */
export interface OwnedFindingCounts {
  groups: Array<OpenFindingGroup & { owner: string }>;
  entities: Map<string, number>;
  /** Owners of any stored finding, open or resolved (those without open ones score 100). */
  owners: string[];
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

/**
 * Scans, findings and what checks published. Findings are read as the API shows them: an open
 * finding that an active exemption covers (at the time of the read) is `exempted` and carries the
 * exemption; `open` in a query or a count means open and not exempted, as scoring counts them.
 */
/** What one entity check found on a page of the catalog pass. */
export interface EntityPageCheck {
  checkId: string;
  findings: NewFinding[];
  /** Entities of the page the check failed on (threw, or returned an error result). */
  unevaluatedEntityRefs: string[];
  /** Entities the check found exactly its recorded findings on (not in `findings`): they stand. */
  keptEntityRefs?: string[];
  /** Of `keptEntityRefs`: those whose findings' "last seen" is due a refresh. */
  refreshEntityRefs?: string[];
}

export interface PostureStore extends ScoringSource {
  /** Open findings that an active exemption covers, per group (they do not count). */
  countExemptedFindingGroups(): Promise<OpenFindingGroup[]>;
  /**
   * A key that changes whenever the set of exemptions that apply changes: one is created,
   * revoked, or expires. What is derived from findings as read can be kept under it.
   */
  appliedExemptionsKey(): Promise<string>;
  createScan(scan: Pick<Scan, 'trigger' | 'requestedBy' | 'checkIds'>): Promise<Scan>;
  /**
   * Queues a scan unless `admit` answers with a scan that covers the request (or throws to refuse
   * it). `admit` sees the newest scans under the scans lock, which every replica's starts and
   * claims take: two requests at once, on any replicas, are decided one after the other.
   */
  enqueueScan(
    scan: Pick<Scan, 'trigger' | 'requestedBy' | 'checkIds'>,
    admit: (recent: Scan[]) => Scan | undefined,
  ): Promise<Scan>;
  updateScan(id: string, patch: ScanPatch): Promise<void>;
  /**
   * Records a running scan's end; false (nothing written) when it is no longer running, e.g.
   * because another replica closed it as abandoned.
   */
  finishScan(id: string, patch: ScanPatch): Promise<boolean>;
  getScan(id: string): Promise<Scan | undefined>;
  /** Newest first; `withCheckRuns: false` leaves out each scan's per-check results. */
  listScans(options: { limit: number; withCheckRuns?: boolean }): Promise<Scan[]>;
  /**
   * Under the scans lock: when no scan runs on any replica, marks the oldest queued scan as
   * running on `runner` (its heartbeat starting now) and returns it; otherwise undefined.
   */
  claimQueuedScan(options: { startedAt: string; runner: string }): Promise<Scan | undefined>;
  /** Renews a running scan's lease; false when the scan is no longer running. */
  heartbeatScan(id: string, at: string): Promise<boolean>;
  /**
   * Under the scans lock: closes as failed every running scan whose last heartbeat is older than
   * `heartbeatBefore` (its replica stopped) and forgets its catalog pass; returns their ids.
   */
  failStaleScans(heartbeatBefore: string, message: string): Promise<string[]>;

  /**
   * Records one check's findings of a scan: new ones are inserted, known ones refreshed (and
   * reopened) and marked as seen. With `resolveMissing`, this check's open findings that the
   * scan did not report are resolved; a check that errored passes false so they stay open.
   */
  applyCheckFindings(options: {
    scanId: string;
    checkId: string;
    findings: NewFinding[];
    seenAt: string;
    resolveMissing: boolean;
  }): Promise<void>;
  /**
   * Records one catalog page of an entity pass: the page's entities, each entity check's
   * findings for them, and resolves open findings of the page's entities that a check evaluated
   * but did not report again (not those of `unevaluatedEntityRefs`, where the check failed).
   * Unchanged open findings are only marked as seen when last seen before `refreshSeenBefore`.
   */
  applyEntityPage(options: {
    scanId: string;
    seenAt: string;
    refreshSeenBefore: string;
    entityRefs: string[];
    checks: EntityPageCheck[];
    /** Entities of `entityRefs` to record as evaluated under these hashes. */
    evaluations?: EntityEvaluation[];
    /** Entities whose recorded evaluation no longer holds (a check failed on them). */
    forgetEvaluations?: string[];
  }): Promise<void>;
  /** How each entity was last evaluated (by lower-cased ref), for incremental passes. */
  getEntityEvaluations(entityRefs: string[]): Promise<Map<string, StoredEntityEvaluation>>;
  /** Whether any entity evaluation is recorded (none before a store's first pass). */
  hasEntityEvaluations(): Promise<boolean>;
  /** Records a complete catalog pass of a scan: full (every entity evaluated) or incremental. */
  recordEntityPass(pass: {
    scanId: string;
    full: boolean;
    finishedAt: string;
    evaluated: number;
    skipped: number;
  }): Promise<void>;
  /** When the newest complete full pass finished; undefined before the first one. */
  lastFullEntityPassAt(): Promise<string | undefined>;
  /** Forgets the recorded passes: the next catalog pass is a full one. */
  forgetEntityPasses(): Promise<void>;
  /**
   * After a catalog pass read the whole catalog: resolves the open findings of `checkIds` (the
   * entity checks of the pass) about entities the pass did not meet (they left the catalog) and
   * their entity-less findings not reported again in this scan; forgets the recorded
   * evaluations of the entities not met. Once per pass: it walks every open finding's entity
   * (not after a pass into an empty store: all it finds open there, it wrote for entities met).
   */
  finishEntityPass(options: {
    scanId: string;
    checkIds: string[];
    resolvedAt: string;
    /** Every entity the pass met (lower-cased refs), evaluated or not. */
    metEntityRefs: ReadonlySet<string>;
    /**
     * false: no entity evaluation was recorded when the pass started, so every recorded one is
     * the pass's own, for an entity it met, and there is nothing to forget (no walk of them).
     * Default true.
     */
    evaluationsRecordedBefore?: boolean;
  }): Promise<number>;
  /**
   * Builds again the findings' indexes that a scan into an empty store dropped while it wrote
   * (they are kept up to date row by row otherwise); the number built, 0 when none was missing.
   * Called when a catalog pass has written its pages and when a scan ends or is given up; the
   * store also does it when it starts.
   */
  restoreDeferredIndexes(): Promise<number>;
  /**
   * Resolves open findings of checks that are no longer registered or enabled; with `scanId`,
   * records them among that scan's changes.
   */
  resolveFindingsOfRetiredChecks(
    activeCheckIds: string[],
    resolvedAt: string,
    scanId?: string,
  ): Promise<number>;

  /**
   * What one scan changed (new, reopened, resolved, severity changes; most severe first),
   * relative to the scan before it; undefined for an unknown scan.
   */
  listScanChanges(scanId: string, query: ScanChangesQuery): Promise<ScanChangesPage | undefined>;
  /** What each scan changed, in numbers. */
  summarizeScanChanges(scanIds: string[]): Promise<Map<string, ScanChangeSummary>>;
  /** Findings first seen (new) and resolved at or after a date, most severe first. */
  listChangesSince(query: ChangesSinceQuery): Promise<ChangesSincePage>;
  /** Open (not exempted) findings per owner, for team scorecards. */
  countOwnedFindings(): Promise<OwnedFindingCounts>;

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
  /**
   * Findings of a query grouped by check id and title (worst severity, number of findings),
   * worst groups first; `orderBy`/`order` do not apply.
   */
  listFindingGroups(
    query: FindingsQuery,
    visibility: FindingsVisibility,
  ): Promise<{ items: FindingGroup[]; totalItems: number }>;
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
