import { lowerCaseEn } from '@security-posture/static-analysis';
import { Knex } from 'knex';
import { createHash, randomUUID } from 'node:crypto';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import {
  ChangesSincePage,
  ChangesSinceQuery,
  emptySeverityCounts,
  PublishedCheckData,
  Finding,
  FindingGroup,
  FindingsQuery,
  FindingSortField,
  HistoryPoint,
  isSeverity,
  Scan,
  ScanChangesPage,
  ScanChangesQuery,
  ScanChangeSummary,
  severityRank,
  Severity,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';
import { FindingGroupKey, OpenFindingGroup } from '../service/scoring';
import {
  EntityPageCheck,
  FindingsVisibility,
  NewFinding,
  OwnedFindingCounts,
  PostureStore,
  ScanPatch,
  ScoringFinding,
} from './PostureStore';
import {
  listChangesSince,
  listScanChanges,
  pruneScanChanges,
  ScanChangeRecorder,
  summarizeScanChanges,
} from './scanChanges';
import { migrateToLatest } from './migrations';
import { pageOfFindingGroups } from './findingGroups';
import { DETECTION_SCAN_ID } from './DatabaseDetectionStore';
import {
  ENTITY_EVALUATIONS,
  ENTITY_PASSES,
  EntityEvaluation,
  forgetEntitiesNotMet,
  lastFullEntityPassAt,
  readEntityEvaluations,
  recordEntityPass,
  StoredEntityEvaluation,
  writeEntityEvaluations,
} from './entityEvaluations';
import {
  activeExemptionOf,
  EXEMPTIONS,
  ExemptionRow,
  exemptionToShow,
  FINDINGS,
  OWNERS,
} from './exemptionRows';

const SCANS = 'security_posture_scans';
const SUMMARIES = 'security_posture_summaries';
const CHECK_DATA = 'security_posture_check_data';
const SETTINGS = 'security_posture_settings';
const LOCKS = 'security_posture_locks';
const SCANS_LOCK = 'scans';

// SQLite limits bound parameters per statement; keep batches well under it on every engine.
const BATCH = 200;
// Findings written per statement on PostgreSQL (~20 columns each, well under its 65,535 bound
// parameters): a first scan writes hundreds of thousands, and statements, not rows, dominated.
const PG_FINDINGS_BATCH = 1000;

const SORT_COLUMNS: Record<FindingSortField, string> = {
  severity: 'severity_rank',
  category: 'category',
  checkId: 'check_id',
  entityRef: 'entity_ref',
  firstSeenAt: 'first_seen_at',
  lastSeenAt: 'last_seen_at',
};

const SCAN_COLUMNS = [
  'id',
  'status',
  'trigger',
  'requested_by',
  'created_at',
  'started_at',
  'finished_at',
  'progress_done',
  'progress_total',
  'message',
  'check_runs',
  'check_ids',
];

type ScanRow = {
  id: string;
  status: Scan['status'];
  trigger: Scan['trigger'];
  requested_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress_done: number;
  progress_total: number;
  message: string | null;
  check_runs?: string | null;
  /** JSON array: the checks of a check-limited scan; null for a scan of every check. */
  check_ids?: string | null;
};

type FindingRow = {
  fingerprint: string;
  check_id: string;
  category: string;
  severity: Finding['severity'];
  severity_rank: number;
  outcome: Finding['outcome'];
  status: Finding['status'];
  title: string;
  message: string;
  target_type: string;
  target: string;
  location: string | null;
  entity_ref: string | null;
  entity_kind: string | null;
  owners: string;
  evidence: string;
  remediation: string;
  docs_url: string | null;
  first_seen_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  last_scan_id: string;
  content_hash?: string | null;
  /** The path of a config target: what a "check on a config path" exemption matches. */
  config_path?: string | null;
};

function chunk<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Code-unit order, as the databases sort the hex fingerprints. */
function byFingerprint(a: { fingerprint: string }, b: { fingerprint: string }) {
  if (a.fingerprint === b.fingerprint) return 0;
  return a.fingerprint < b.fingerprint ? -1 : 1;
}

function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, c => `\\${c}`);
}

function toScan(row: ScanRow): Scan {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    requestedBy: row.requested_by ?? undefined,
    createdAt: row.created_at,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    progress: { done: Number(row.progress_done), total: Number(row.progress_total) },
    message: row.message ?? undefined,
    checkRuns: row.check_runs ? JSON.parse(row.check_runs) : undefined,
    checkIds: row.check_ids ? JSON.parse(row.check_ids) : undefined,
  };
}

function newScanRow(scan: Pick<Scan, 'trigger' | 'requestedBy' | 'checkIds'>): ScanRow {
  return {
    id: randomUUID(),
    status: 'queued',
    trigger: scan.trigger,
    requested_by: scan.requestedBy ?? null,
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    progress_done: 0,
    progress_total: 0,
    message: null,
    check_runs: null,
    check_ids: scan.checkIds ? JSON.stringify(scan.checkIds) : null,
  };
}

function toScanUpdate(patch: ScanPatch): Partial<ScanRow> {
  const update: Partial<ScanRow> = {};
  if (patch.status) update.status = patch.status;
  if (patch.startedAt) update.started_at = patch.startedAt;
  if (patch.finishedAt) update.finished_at = patch.finishedAt;
  if (patch.progress) {
    update.progress_done = patch.progress.done;
    update.progress_total = patch.progress.total;
  }
  if (patch.message !== undefined) update.message = patch.message;
  if (patch.checkRuns) update.check_runs = JSON.stringify(patch.checkRuns);
  return update;
}

function toFinding(row: FindingRow): Finding {
  return {
    fingerprint: row.fingerprint,
    checkId: row.check_id,
    category: row.category,
    severity: row.severity,
    outcome: row.outcome,
    status: row.status,
    title: row.title,
    message: row.message,
    target: JSON.parse(row.target),
    location: row.location ?? undefined,
    entityRef: row.entity_ref ?? undefined,
    entityKind: row.entity_kind ?? undefined,
    owners: JSON.parse(row.owners),
    evidence: JSON.parse(row.evidence),
    remediation: row.remediation,
    docsUrl: row.docs_url ?? undefined,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    resolvedAt: row.resolved_at ?? undefined,
  };
}

/** The stored columns of a finding as a scan reports it (open, seen now). */
function toFindingRow(f: NewFinding, scanId: string, seenAt: string): FindingRow {
  const content = {
    check_id: f.checkId,
    category: f.category,
    severity: f.severity,
    severity_rank: severityRank(f.severity),
    outcome: f.outcome,
    title: f.title,
    message: f.message,
    target_type: f.target.type,
    target: JSON.stringify(f.target),
    location: f.location ?? null,
    entity_ref: f.entityRef ?? null,
    entity_kind: f.entityKind ?? null,
    owners: JSON.stringify(f.owners),
    evidence: JSON.stringify(f.evidence),
    remediation: f.remediation,
    docs_url: f.docsUrl ?? null,
  };
  return {
    fingerprint: f.fingerprint,
    ...content,
    status: 'open',
    first_seen_at: seenAt,
    last_seen_at: seenAt,
    resolved_at: null,
    last_scan_id: scanId,
    // Derived from the target (which the hash covers).
    config_path: f.target.type === 'config' ? f.target.path : null,
    // Change detection only (not a security boundary): every stored column, NUL-separated.
    content_hash: createHash('sha1')
      .update(
        Object.values(content)
          .map(v => (v === null ? '\u0001' : String(v)))
          .join('\u0000'),
      )
      .digest('hex'),
  };
}

export class DatabasePostureStore implements PostureStore {
  /** Records what each scan changes, in the transactions that write the changes. */
  private readonly changes = new ScanChangeRecorder();

  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
    /** The time exemptions are applied at when findings are read; tests pass a fake clock. */
    clock?: () => Date;
  }): Promise<DatabasePostureStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await migrateToLatest(client);
    }
    return new DatabasePostureStore(client, options.clock ?? (() => new Date()));
  }

  /** Findings per write statement (SQLite also limits the rows of a multi-row insert). */
  private readonly findingsBatch: number;

  private constructor(
    private readonly db: Knex,
    private readonly clock: () => Date,
  ) {
    this.findingsBatch = db.client.config.client === 'pg' ? PG_FINDINGS_BATCH : BATCH;
  }

  private now() {
    return this.clock().toISOString();
  }

  /**
   * Whether any exemption applies at `now`: when none does (the common case), finding queries
   * leave out the exemption subquery altogether.
   */
  private async anyExemptionApplies(now: string): Promise<boolean> {
    const row = await this.db(EXEMPTIONS)
      .select('id')
      .whereNull('revoked_at')
      .where(open => open.whereNull('expires_at').orWhere('expires_at', '>', now))
      .first();
    return Boolean(row);
  }

  /**
   * Open findings no active exemption covers (`exempted: false`) or those one covers (`true`),
   * at `now`; `exemptions` says whether any applies.
   */
  private whereOpen(
    q: Knex.QueryBuilder,
    options: { exempted: boolean; exemptions: boolean; now: string },
  ) {
    q.where(`${FINDINGS}.status`, 'open');
    if (options.exempted) {
      if (!options.exemptions) return q.whereRaw('1 = 0');
      return q.whereExists(activeExemptionOf(this.db, options.now));
    }
    return options.exemptions ? q.whereNotExists(activeExemptionOf(this.db, options.now)) : q;
  }

  /**
   * Findings as the API shows them: open ones that an active exemption covers are `exempted`,
   * and each carries the exemption that covers it (active, or the one that expired last).
   */
  private async withExemptions(rows: FindingRow[], now: string): Promise<Finding[]> {
    const findings = rows.map(toFinding);
    if (!findings.length) return findings;
    const fingerprints = findings.map(f => f.fingerprint);
    const checkIds = [...new Set(findings.map(f => f.checkId))];
    const candidates: ExemptionRow[] = [];
    for (const batch of chunk(fingerprints)) {
      candidates.push(
        ...(await this.db(EXEMPTIONS)
          .whereNull('revoked_at')
          .where('scope_type', 'finding')
          .whereIn('fingerprint', batch)),
      );
    }
    for (const batch of chunk(checkIds)) {
      candidates.push(
        ...(await this.db(EXEMPTIONS)
          .whereNull('revoked_at')
          .whereNot('scope_type', 'finding')
          .whereIn('check_id', batch)),
      );
    }
    if (!candidates.length) return findings;
    return findings.map(finding => {
      const exemption = exemptionToShow(candidates, finding, now);
      if (!exemption) return finding;
      const exempted = finding.status === 'open' && exemption.state === 'active';
      return { ...finding, status: exempted ? 'exempted' : finding.status, exemption };
    });
  }

  async createScan(scan: Pick<Scan, 'trigger' | 'requestedBy' | 'checkIds'>): Promise<Scan> {
    const row = newScanRow(scan);
    await this.db(SCANS).insert(row);
    return toScan(row);
  }

  async enqueueScan(
    scan: Pick<Scan, 'trigger' | 'requestedBy' | 'checkIds'>,
    admit: (recent: Scan[]) => Scan | undefined,
  ): Promise<Scan> {
    return this.withScansLock('enqueue', async tx => {
      const recent = (
        (await tx(SCANS)
          .select(SCAN_COLUMNS.filter(column => column !== 'check_runs'))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(20)) as ScanRow[]
      ).map(toScan);
      const covering = admit(recent);
      if (covering) return covering;
      const row = newScanRow(scan);
      await tx(SCANS).insert(row);
      return toScan(row);
    });
  }

  async updateScan(id: string, patch: ScanPatch): Promise<void> {
    await this.db(SCANS).where({ id }).update(toScanUpdate(patch));
  }

  async finishScan(id: string, patch: ScanPatch): Promise<boolean> {
    const updated = await this.db(SCANS)
      .where({ id, status: 'running' })
      .update(toScanUpdate(patch));
    return updated > 0;
  }

  async getScan(id: string): Promise<Scan | undefined> {
    const row = await this.db<ScanRow>(SCANS).where({ id }).first();
    return row ? toScan(row) : undefined;
  }

  async listScans(options: { limit: number; withCheckRuns?: boolean }): Promise<Scan[]> {
    const rows = (await this.db(SCANS)
      .select(
        options.withCheckRuns === false
          ? SCAN_COLUMNS.filter(column => column !== 'check_runs')
          : SCAN_COLUMNS,
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)) as ScanRow[];
    return rows.map(toScan);
  }

  /**
   * Runs `work` in a transaction that first updates the lock row: PostgreSQL holds the row lock
   * and SQLite its write lock until commit, so every other replica's locked work waits, and then
   * (read committed) sees what this one committed.
   */
  private async withScansLock<T>(
    purpose: string,
    work: (tx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    return this.db.transaction(async tx => {
      const lock = { locked_by: purpose, locked_at: new Date().toISOString() };
      const locked = await tx(LOCKS).where({ name: SCANS_LOCK }).update(lock);
      if (!locked) {
        // The migration creates the row; recreate it should someone have deleted it.
        await tx(LOCKS).insert({ name: SCANS_LOCK, ...lock }).onConflict('name').ignore();
        await tx(LOCKS).where({ name: SCANS_LOCK }).update(lock);
      }
      return work(tx);
    });
  }

  async claimQueuedScan(options: {
    startedAt: string;
    runner: string;
  }): Promise<Scan | undefined> {
    const { startedAt, runner } = options;
    return this.withScansLock('claim', async tx => {
      const running = await tx(SCANS).select('id').where({ status: 'running' }).first();
      if (running) return undefined;
      const row = await tx<ScanRow>(SCANS)
        .where({ status: 'queued' })
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .first();
      if (!row) return undefined;
      await tx(SCANS)
        .where({ id: row.id })
        .update({ status: 'running', started_at: startedAt, heartbeat_at: startedAt, runner });
      return toScan({ ...row, status: 'running', started_at: startedAt });
    });
  }

  async heartbeatScan(id: string, at: string): Promise<boolean> {
    const updated = await this.db(SCANS)
      .where({ id, status: 'running' })
      .update({ heartbeat_at: at });
    return updated > 0;
  }

  async failStaleScans(heartbeatBefore: string, message: string): Promise<string[]> {
    return this.withScansLock('reap', async tx => {
      const stale: Array<{ id: string }> = await tx(SCANS)
        .select('id')
        .where({ status: 'running' })
        .where(old =>
          old
            .where('heartbeat_at', '<', heartbeatBefore)
            .orWhere(never => never.whereNull('heartbeat_at').where('started_at', '<', heartbeatBefore)),
        );
      const ids = stale.map(r => r.id);
      if (!ids.length) return ids;
      await tx(SCANS)
        .whereIn('id', ids)
        .update({ status: 'failed', finished_at: new Date().toISOString(), message });
      return ids;
    });
  }

  async applyCheckFindings(options: {
    scanId: string;
    checkId: string;
    findings: NewFinding[];
    seenAt: string;
    resolveMissing: boolean;
  }): Promise<void> {
    const { scanId, checkId, findings, seenAt, resolveMissing } = options;
    await this.db.transaction(async tx => {
      await this.changes.baselineOf(tx, scanId, seenAt);
      // Resolution below relies on last_scan_id, so every reported finding is marked as seen.
      // Not findings of a page's entities (e.g. a catalog failure): no evaluation to forget.
      await this.writeFindings(tx, findings, { scanId, seenAt, refreshSeenBefore: seenAt }, new Set());
      if (resolveMissing) {
        const missing = (q: Knex.QueryBuilder) =>
          q.where({ check_id: checkId, status: 'open' }).whereNot({ last_scan_id: scanId });
        await this.changes.recordResolutions(tx, { scanId, at: seenAt, where: missing });
        await missing(tx(FINDINGS)).update({ status: 'resolved', resolved_at: seenAt });
      }
    });
  }

  async applyEntityPage(options: {
    scanId: string;
    seenAt: string;
    refreshSeenBefore: string;
    entityRefs: string[];
    checks: EntityPageCheck[];
    evaluations?: EntityEvaluation[];
    forgetEvaluations?: string[];
  }): Promise<void> {
    const { scanId, seenAt, refreshSeenBefore, checks } = options;
    const entityRefs = [...new Set(options.entityRefs.map(r => lowerCaseEn(r)))];
    const nothingToWrite =
      !entityRefs.length &&
      !options.evaluations?.length &&
      !options.forgetEvaluations?.length &&
      checks.every(c => !c.findings.length && !c.refreshEntityRefs?.length);
    // E.g. pages a rescan skipped entirely: no transaction for them.
    if (nothingToWrite) return;
    await this.db.transaction(async tx => {
      await this.changes.baselineOf(tx, scanId, seenAt);
      await writeEntityEvaluations(tx, {
        scanId,
        at: seenAt,
        evaluations: options.evaluations ?? [],
        forget: options.forgetEvaluations ?? [],
      });
      // Entities whose finding rows this page changes: their recorded evaluation (and its
      // findings digests) must describe the rows, so one not recorded anew is forgotten.
      const changedEntities = new Set<string>();
      for (const check of checks) {
        await this.writeFindings(tx, check.findings, { scanId, seenAt, refreshSeenBefore }, changedEntities);
      }
      await this.refreshKeptFindings(tx, checks, { scanId, seenAt, refreshSeenBefore });
      // Open findings of the page's entities that a check evaluated without reporting them again
      // are fixed. Read first, then resolve by fingerprint: one indexed read per page.
      const reported = new Map(
        checks.map(c => [
          c.checkId,
          {
            fingerprints: new Set(c.findings.map(f => f.fingerprint)),
            // Kept entities' findings stand as well: the check found exactly them again.
            unevaluated: new Set(
              [...c.unevaluatedEntityRefs, ...(c.keptEntityRefs ?? [])].map(r => lowerCaseEn(r)),
            ),
          },
        ]),
      );
      const toResolve: string[] = [];
      for (const refs of chunk(entityRefs)) {
        const open: Array<{ fingerprint: string; check_id: string; entity_ref: string }> =
          await tx(FINDINGS)
            .select('fingerprint', 'check_id', 'entity_ref')
            .whereIn('entity_ref', refs)
            .where({ status: 'open' });
        for (const row of open) {
          const check = reported.get(row.check_id);
          if (!check || check.unevaluated.has(row.entity_ref)) continue;
          if (!check.fingerprints.has(row.fingerprint)) {
            toResolve.push(row.fingerprint);
            changedEntities.add(row.entity_ref);
          }
        }
      }
      for (const fingerprints of chunk(toResolve)) {
        await this.changes.recordResolutions(tx, {
          scanId,
          at: seenAt,
          where: q => q.whereIn('fingerprint', fingerprints),
        });
        await tx(FINDINGS)
          .whereIn('fingerprint', fingerprints)
          .update({ status: 'resolved', resolved_at: seenAt });
      }
      for (const evaluation of options.evaluations ?? []) {
        changedEntities.delete(lowerCaseEn(evaluation.entityRef));
      }
      // E.g. a check-limited scan, which records no evaluations: the next pass evaluates and
      // writes these entities again instead of trusting digests of rows that changed since.
      for (const refs of chunk([...changedEntities])) {
        await tx(ENTITY_EVALUATIONS).whereIn('entity_ref', refs).delete();
      }
    });
  }

  /**
   * Findings a check found again exactly as recorded (so not sent to be written) were seen too:
   * their "last seen" is refreshed when the pass says it is due (about daily per entity). Checks
   * with the same entities (usually all of a page's) share one statement.
   */
  private async refreshKeptFindings(
    tx: Knex.Transaction,
    checks: Array<{ checkId: string; refreshEntityRefs?: string[] }>,
    options: { scanId: string; seenAt: string; refreshSeenBefore: string },
  ) {
    const byKept = new Map<string, { refs: string[]; checkIds: string[] }>();
    for (const check of checks) {
      if (!check.refreshEntityRefs?.length) continue;
      const refs = check.refreshEntityRefs.map(r => lowerCaseEn(r));
      const key = refs.join('\u0000');
      const group = byKept.get(key) ?? { refs, checkIds: [] };
      group.checkIds.push(check.checkId);
      byKept.set(key, group);
    }
    for (const { refs, checkIds } of byKept.values()) {
      for (const batch of chunk(refs)) {
        await tx(FINDINGS)
          .whereIn('entity_ref', batch)
          .whereIn('check_id', checkIds)
          .where({ status: 'open' })
          .where('last_seen_at', '<', options.refreshSeenBefore)
          .update({ last_seen_at: options.seenAt, last_scan_id: options.scanId });
      }
    }
  }

  async finishEntityPass(options: {
    scanId: string;
    checkIds: string[];
    resolvedAt: string;
    metEntityRefs: ReadonlySet<string>;
  }): Promise<number> {
    const { scanId, checkIds, resolvedAt, metEntityRefs } = options;
    if (!checkIds.length) return 0;
    return this.db.transaction(async (tx): Promise<number> => {
      // First: an entity that comes back must be evaluated again, not skipped as unchanged.
      await forgetEntitiesNotMet(tx, metEntityRefs);
      // Once for the whole pass (one walk of the open findings' entities, not one per check):
      // entities with open findings that the complete pass did not meet have left the catalog.
      const left = await this.entitiesWithOpenFindings(tx).then(refs =>
        refs.filter(ref => !metEntityRefs.has(ref)),
      );
      const resolve = async (where: (q: Knex.QueryBuilder) => Knex.QueryBuilder) => {
        await this.changes.recordResolutions(tx, { scanId, at: resolvedAt, where });
        return where(tx(FINDINGS)).update({ status: 'resolved', resolved_at: resolvedAt });
      };
      let resolved = 0;
      for (const refs of chunk(left)) {
        resolved += await resolve(q =>
          q.where({ status: 'open' }).whereIn('check_id', checkIds).whereIn('entity_ref', refs),
        );
      }
      // Findings about no entity (e.g. an earlier catalog failure) not reported again.
      resolved += await resolve(q =>
        q
          .whereNull('entity_ref')
          .where({ status: 'open' })
          .whereIn('check_id', checkIds)
          .whereNot('last_scan_id', scanId),
      );
      return resolved;
    });
  }

  /** Entities with open findings (of any check), once per pass: the pass compares them with its met set. */
  private async entitiesWithOpenFindings(tx: Knex.Transaction): Promise<string[]> {
    // Grouped with the status in an aggregate, not filtered by it: SQLite then reads only the
    // (entity_ref, status, ...) index instead of the rows of every open finding.
    const rows: Array<{ entity_ref: string }> = await tx(FINDINGS)
      .select('entity_ref')
      .whereNotNull('entity_ref')
      .groupBy('entity_ref')
      .havingRaw(`max(case when ?? = 'open' then 1 else 0 end) = 1`, ['status']);
    return rows.map(r => r.entity_ref);
  }

  getEntityEvaluations(entityRefs: string[]): Promise<Map<string, StoredEntityEvaluation>> {
    return readEntityEvaluations(this.db, entityRefs);
  }

  recordEntityPass(pass: {
    scanId: string;
    full: boolean;
    finishedAt: string;
    evaluated: number;
    skipped: number;
  }): Promise<void> {
    return recordEntityPass(this.db, pass);
  }

  lastFullEntityPassAt(): Promise<string | undefined> {
    return lastFullEntityPassAt(this.db);
  }

  async forgetEntityPasses(): Promise<void> {
    await this.db(ENTITY_PASSES).delete();
  }

  /**
   * Inserts new findings, rewrites changed or reopened ones (and their owners), and marks
   * unchanged open ones as seen if their last sighting is older than `refreshSeenBefore`:
   * rewriting every finding a scan sees again is most of a scan's cost on a large catalog.
   */
  private async writeFindings(
    tx: Knex.Transaction,
    findings: NewFinding[],
    options: { scanId: string; seenAt: string; refreshSeenBefore: string },
    changedEntities: Set<string>,
  ) {
    const { scanId, seenAt, refreshSeenBefore } = options;
    for (const batch of chunk(findings, this.findingsBatch)) {
      const rows = batch.map(f => toFindingRow(f, scanId, seenAt));
      const stored: Array<{
        fingerprint: string;
        content_hash: string | null;
        status: string;
        severity: string;
        last_seen_at: string;
      }> = await tx(FINDINGS)
        .select('fingerprint', 'content_hash', 'status', 'severity', 'last_seen_at')
        .whereIn(
          'fingerprint',
          rows.map(r => r.fingerprint),
        );
      const storedByFingerprint = new Map(stored.map(r => [r.fingerprint, r]));
      const stale: string[] = [];
      const changed: FindingRow[] = [];
      for (const row of rows) {
        const before = storedByFingerprint.get(row.fingerprint);
        if (before?.status === 'open' && before.content_hash === row.content_hash) {
          if (before.last_seen_at < refreshSeenBefore) stale.push(row.fingerprint);
        } else {
          changed.push(row);
        }
      }
      if (stale.length) {
        await tx(FINDINGS)
          .whereIn('fingerprint', stale)
          .update({ last_seen_at: seenAt, last_scan_id: scanId });
      }
      if (!changed.length) continue;
      for (const row of changed) if (row.entity_ref) changedEntities.add(row.entity_ref);
      await this.changes.recordWrites(tx, {
        scanId,
        at: seenAt,
        written: changed.map(row => ({
          after: row,
          before: storedByFingerprint.get(row.fingerprint),
        })),
      });
      await tx(FINDINGS)
        .insert(changed)
        .onConflict('fingerprint')
        .merge(
          Object.keys(changed[0]).filter(
            column => column !== 'fingerprint' && column !== 'first_seen_at',
          ),
        );
      const changedFingerprints = new Set(changed.map(r => r.fingerprint));
      await tx(OWNERS).whereIn('fingerprint', [...changedFingerprints]).delete();
      const owners = batch
        .filter(f => changedFingerprints.has(f.fingerprint))
        .flatMap(f =>
          [...new Set(f.owners)].map(owner_ref => ({ fingerprint: f.fingerprint, owner_ref })),
        );
      for (const ownerBatch of chunk(owners, this.findingsBatch)) {
        await tx(OWNERS).insert(ownerBatch);
      }
    }
  }

  async resolveFindingsOfRetiredChecks(
    activeCheckIds: string[],
    resolvedAt: string,
    scanId?: string,
  ) {
    // Every scan asks, and nearly always no check was retired: the check ids that have findings
    // at all (a few dozen, read through the check_id index) tell without walking open findings.
    const active = new Set(activeCheckIds);
    const candidates = (await this.storedCheckIds()).filter(id => !active.has(id));
    if (!candidates.length) return 0;
    // Detection findings are raised outside scans, by no registered check.
    const retired = (q: Knex.QueryBuilder) =>
      q
        .where({ status: 'open' })
        .whereNot('last_scan_id', DETECTION_SCAN_ID)
        .whereIn('check_id', candidates);
    return this.db.transaction(async (tx): Promise<number> => {
      if (scanId) await this.changes.recordResolutions(tx, { scanId, at: resolvedAt, where: retired });
      return retired(tx(FINDINGS)).update({ status: 'resolved', resolved_at: resolvedAt });
    });
  }

  /**
   * The distinct check ids of stored findings (open or resolved), one index probe each: a loose
   * index scan, which neither engine does on its own for `select distinct`.
   */
  private async storedCheckIds(): Promise<string[]> {
    const rows: Array<{ check_id: string | null }> = await this.db
      .withRecursive(
        'ids',
        ['check_id'],
        this.db.raw(
          `select (select min(check_id) from ??) union all
           select (select min(f.check_id) from ?? f where f.check_id > ids.check_id)
           from ids where ids.check_id is not null`,
          [FINDINGS, FINDINGS],
        ),
      )
      .select('check_id')
      .from('ids')
      .whereNotNull('check_id');
    return rows.map(r => r.check_id!);
  }

  async savePublished(record: PublishedCheckData<JsonValue>): Promise<void> {
    await this.db(CHECK_DATA)
      .insert({
        check_id: record.checkId,
        key: record.key,
        scan_id: record.scanId,
        updated_at: record.updatedAt,
        data: JSON.stringify(record.data),
      })
      .onConflict(['check_id', 'key'])
      .merge();
  }

  async getPublished(
    checkId: string,
    key: string,
  ): Promise<PublishedCheckData<JsonValue> | undefined> {
    const row = await this.db(CHECK_DATA).where({ check_id: checkId, key }).first();
    if (!row) return undefined;
    return {
      checkId: row.check_id,
      key: row.key,
      scanId: row.scan_id,
      updatedAt: row.updated_at,
      data: JSON.parse(row.data),
    };
  }

  async getOrCreateSetting(name: string, initial: () => string): Promise<string> {
    await this.db(SETTINGS).insert({ name, value: initial() }).onConflict('name').ignore();
    const row = await this.db(SETTINGS).where({ name }).first();
    return row.value;
  }

  private filtered(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    exemptions: { exemptions: boolean; now: string },
  ) {
    const q = this.db<FindingRow>(FINDINGS);
    if (visibility.type === 'entities') {
      if (visibility.entityRefs.length === 0) {
        q.whereRaw('1 = 0');
      } else {
        q.where(inner => {
          for (const refs of chunk(visibility.entityRefs, 1000)) {
            inner.orWhereIn('entity_ref', refs);
          }
        });
      }
    }
    if (query.category?.length) q.whereIn('category', query.category);
    // By rank, which the list indexes are ordered by (severity and its rank always agree).
    if (query.severity?.length) {
      q.whereIn('severity_rank', query.severity.filter(isSeverity).map(severityRank));
    }
    // Stored statuses are open and resolved; exempted is open with an active exemption.
    const statuses = new Set(query.status?.length ? query.status : ['open']);
    q.where(status => {
      if (statuses.has('open') && statuses.has('exempted')) {
        status.orWhere(`${FINDINGS}.status`, 'open');
      } else if (statuses.has('open')) {
        status.orWhere(open => this.whereOpen(open, { ...exemptions, exempted: false }));
      } else if (statuses.has('exempted')) {
        status.orWhere(exempted => this.whereOpen(exempted, { ...exemptions, exempted: true }));
      }
      if (statuses.has('resolved')) status.orWhere(`${FINDINGS}.status`, 'resolved');
    });
    if (query.checkId?.length) q.whereIn('check_id', query.checkId);
    if (query.entityKind?.length) {
      q.whereIn(
        this.db.raw('lower(entity_kind)') as any,
        query.entityKind.map(k => k.toLocaleLowerCase('en-US')),
      );
    }
    if (query.entityRef) q.where('entity_ref', query.entityRef.toLocaleLowerCase('en-US'));
    if (query.owner?.length) {
      q.whereIn(
        'fingerprint',
        this.db(OWNERS)
          .select('fingerprint')
          .whereIn('owner_ref', query.owner.map(o => o.toLocaleLowerCase('en-US'))),
      );
    }
    if (query.text?.trim()) {
      const pattern = `%${escapeLike(query.text.trim().toLocaleLowerCase('en-US'))}%`;
      q.where(inner => {
        for (const column of ['title', 'message', 'check_id', 'entity_ref', 'location']) {
          inner.orWhereRaw(`lower(${column}) like ? escape '\\'`, [pattern]);
        }
      });
    }
    return q;
  }

  private sorted(q: Knex.QueryBuilder, query: FindingsQuery) {
    const column = SORT_COLUMNS[query.orderBy ?? 'severity'] ?? 'severity_rank';
    const order = query.order === 'desc' ? 'desc' : 'asc';
    return q.orderBy(column, order).orderBy('fingerprint', 'asc');
  }

  async listFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    options: { withTotal?: boolean } = {},
  ): Promise<{ items: Finding[]; totalItems: number }> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const now = this.now();
    const applied = { exemptions: await this.anyExemptionApplies(now), now };
    const [counted, rows] = await Promise.all([
      options.withTotal === false
        ? undefined
        : this.filtered(query, visibility, applied).count({ count: '*' }),
      this.sorted(this.filtered(query, visibility, applied), query).limit(limit).offset(offset),
    ]);
    const items = await this.withExemptions(rows as FindingRow[], now);
    return { items, totalItems: counted ? Number(counted[0].count) : offset + items.length };
  }

  async listFindingGroups(
    query: FindingsQuery,
    visibility: FindingsVisibility,
  ): Promise<{ items: FindingGroup[]; totalItems: number }> {
    const now = this.now();
    const applied = { exemptions: await this.anyExemptionApplies(now), now };
    return pageOfFindingGroups(this.db, () => this.filtered(query, visibility, applied), {
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    });
  }

  streamFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    pageSize = 1000,
  ): AsyncIterable<Finding[]> {
    // Keyset paging on the primary key: stable while scans write, and no growing OFFSET cost.
    // Not an async generator: its frame would keep the last page's rows alive until the next
    // page is read, long enough for them to be promoted to V8's old generation (RSS growth).
    let after = '';
    let done = false;
    // One instant for the whole export, so that every page applies the same exemptions.
    const now = this.now();
    let exemptions: boolean | undefined;
    const next = async (): Promise<IteratorResult<Finding[], undefined>> => {
      if (done) return { done: true, value: undefined };
      exemptions ??= await this.anyExemptionApplies(now);
      const rows: FindingRow[] = await this.filtered({ ...query, limit: undefined }, visibility, {
        exemptions,
        now,
      })
        .where(`${FINDINGS}.fingerprint`, '>', after)
        .orderBy(`${FINDINGS}.fingerprint`, 'asc')
        .limit(pageSize);
      if (rows.length < pageSize) done = true;
      if (!rows.length) return { done: true, value: undefined };
      after = rows[rows.length - 1].fingerprint;
      return { done: false, value: await this.withExemptions(rows, now) };
    };
    const stop = async (): Promise<IteratorResult<Finding[], undefined>> => {
      done = true;
      return { done: true, value: undefined };
    };
    return { [Symbol.asyncIterator]: () => ({ next, return: stop }) };
  }

  async getFinding(fingerprint: string): Promise<Finding | undefined> {
    const row = await this.db<FindingRow>(FINDINGS).where({ fingerprint }).first();
    return row ? (await this.withExemptions([row], this.now()))[0] : undefined;
  }

  async countOpenBySeverity(entityRef: string): Promise<SeverityCounts> {
    const now = this.now();
    const q = this.db(FINDINGS)
      .select('severity')
      .count({ count: '*' })
      .where({ entity_ref: entityRef.toLocaleLowerCase('en-US') })
      .groupBy('severity');
    this.whereOpen(q, { exempted: false, exemptions: await this.anyExemptionApplies(now), now });
    const rows = (await q) as Array<{ severity: string; count: string | number }>;
    const counts = emptySeverityCounts();
    for (const row of rows) {
      if (isSeverity(row.severity)) counts[row.severity] = Number(row.count);
    }
    return counts;
  }

  async listEntityRefsWithFindings(status: Finding['status'][] = ['open']): Promise<string[]> {
    const rows: Array<{ entity_ref: string }> = await this.db(FINDINGS)
      .distinct('entity_ref')
      .whereNotNull('entity_ref')
      .whereIn('status', status);
    return rows.map(r => r.entity_ref);
  }

  async countOpenFindingGroups(): Promise<OpenFindingGroup[]> {
    return this.countFindingGroups({ exempted: false });
  }

  async countExemptedFindingGroups(): Promise<OpenFindingGroup[]> {
    return this.countFindingGroups({ exempted: true });
  }

  async appliedExemptionsKey(): Promise<string> {
    const now = this.now();
    const [row] = await this.db(EXEMPTIONS).select(
      this.db.raw('count(*) as total'),
      this.db.raw(
        `sum(case when revoked_at is null and (expires_at is null or expires_at > ?) then 1 else 0 end) as active`,
        [now],
      ),
      this.db.raw('max(revoked_at) as last_revoked'),
    );
    return `${Number(row.total)}|${Number(row.active ?? 0)}|${row.last_revoked ?? ''}`;
  }

  /** Open findings that no active exemption covers, or those one covers, per group. */
  private async countFindingGroups(options: { exempted: boolean }): Promise<OpenFindingGroup[]> {
    const now = this.now();
    const q = this.db(FINDINGS)
      .select('category', 'severity', 'outcome')
      .count({ count: '*' })
      .groupBy('category', 'severity', 'outcome');
    this.whereOpen(q, { ...options, exemptions: await this.anyExemptionApplies(now), now });
    const rows = (await q) as Array<{
      category: string;
      severity: string;
      outcome: string;
      count: string | number;
    }>;
    return rows
      .filter(r => isSeverity(r.severity))
      .map(r => ({
        category: r.category,
        severity: r.severity as Severity,
        outcome: r.outcome as OpenFindingGroup['outcome'],
        count: Number(r.count),
      }));
  }

  async listOpenFindingsOfGroups(
    groups: FindingGroupKey[],
    limit: number,
  ): Promise<ScoringFinding[]> {
    // One query per group walks the scoring index in fingerprint order and stops at `limit`;
    // a single OR-ed query would sort every finding of the groups.
    const now = this.now();
    const exemptions = await this.anyExemptionApplies(now);
    const perGroup = await Promise.all(
      groups.map(
        (group): Promise<FindingRow[]> =>
          this.whereOpen(
            this.db(FINDINGS)
              .select('fingerprint', 'check_id', 'title', 'category', 'severity', 'outcome')
              .where({
                category: group.category,
                severity: group.severity,
                outcome: group.outcome,
              }),
            { exempted: false, exemptions, now },
          )
            .orderBy('fingerprint', 'asc')
            .limit(limit),
      ),
    );
    return perGroup
      .flat()
      .sort(byFingerprint)
      .slice(0, limit)
      .map(r => ({
        fingerprint: r.fingerprint,
        checkId: r.check_id,
        title: r.title,
        category: r.category,
        severity: r.severity,
        outcome: r.outcome,
      }));
  }

  async countOwnedFindings(): Promise<OwnedFindingCounts> {
    const now = this.now();
    const exemptions = await this.anyExemptionApplies(now);
    // The owners table under an alias: the exemption subquery reads the owners table too.
    const open = () =>
      this.whereOpen(
        this.db({ o: OWNERS }).join(FINDINGS, `${FINDINGS}.fingerprint`, 'o.fingerprint'),
        { exempted: false, exemptions, now },
      );
    const [groups, entities, owners] = await Promise.all([
      open()
        .select(
          'o.owner_ref as owner',
          `${FINDINGS}.category as category`,
          `${FINDINGS}.severity as severity`,
          `${FINDINGS}.outcome as outcome`,
        )
        .count({ count: '*' })
        .groupBy('o.owner_ref', `${FINDINGS}.category`, `${FINDINGS}.severity`, `${FINDINGS}.outcome`),
      open()
        .select('o.owner_ref as owner')
        .countDistinct({ count: `${FINDINGS}.entity_ref` })
        .groupBy('o.owner_ref'),
      this.db(OWNERS).distinct('owner_ref'),
    ]);
    return {
      groups: (groups as Array<Record<string, string | number>>)
        .filter(r => isSeverity(r.severity))
        .map(r => ({
          owner: String(r.owner),
          category: String(r.category),
          severity: r.severity as Severity,
          outcome: r.outcome as OpenFindingGroup['outcome'],
          count: Number(r.count),
        })),
      entities: new Map(
        (entities as Array<{ owner: string; count: string | number }>).map(r => [
          r.owner,
          Number(r.count),
        ]),
      ),
      owners: (owners as Array<{ owner_ref: string }>).map(r => r.owner_ref),
    };
  }

  listScanChanges(scanId: string, query: ScanChangesQuery): Promise<ScanChangesPage | undefined> {
    return listScanChanges(this.db, scanId, query);
  }

  summarizeScanChanges(scanIds: string[]): Promise<Map<string, ScanChangeSummary>> {
    return summarizeScanChanges(this.db, scanIds);
  }

  listChangesSince(query: ChangesSinceQuery): Promise<ChangesSincePage> {
    return listChangesSince(this.db, query);
  }

  async saveSummary(point: HistoryPoint): Promise<void> {
    await this.db(SUMMARIES)
      .insert({
        scan_id: point.scanId,
        finished_at: point.finishedAt,
        status: point.status,
        summary: JSON.stringify(point),
      })
      .onConflict('scan_id')
      .merge();
  }

  async listHistory(options: { since?: string; limit: number }): Promise<HistoryPoint[]> {
    const q = this.db(SUMMARIES).orderBy('finished_at', 'desc').limit(options.limit);
    if (options.since) q.where('finished_at', '>=', options.since);
    const rows: Array<{ summary: string }> = await q;
    return rows.map(r => JSON.parse(r.summary) as HistoryPoint).reverse();
  }

  async prune(before: string): Promise<void> {
    await pruneScanChanges(this.db, before);
    await this.db(SUMMARIES).where('finished_at', '<', before).delete();
    await this.db(SCANS)
      .whereIn('status', ['succeeded', 'partial', 'failed'])
      .where('created_at', '<', before)
      .delete();
    const stale = this.db(FINDINGS)
      .select('fingerprint')
      .where({ status: 'resolved' })
      .where('resolved_at', '<', before);
    await this.db(OWNERS).whereIn('fingerprint', stale).delete();
    await this.db(FINDINGS).where({ status: 'resolved' }).where('resolved_at', '<', before).delete();
  }
}
