import { Knex } from 'knex';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import {
  ChangesSincePage,
  ChangesSinceQuery,
  PublishedCheckData,
  Finding,
  FindingGroup,
  FindingsQuery,
  HistoryPoint,
  Scan,
  ScanChangesPage,
  ScanChangesQuery,
  ScanChangeSummary,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';
import { FindingGroupKey, OpenFindingGroup } from './PostureStore';
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
import {
  ENTITY_EVALUATIONS,
  ENTITY_PASSES,
  EntityEvaluation,
  lastFullEntityPassAt,
  readEntityEvaluations,
  recordEntityPass,
  StoredEntityEvaluation,
} from './entityEvaluations';
import { FINDINGS } from './exemptionRows';
import { newScanRow, SCAN_COLUMNS, ScanRow, toScan, toScanUpdate } from './postureRows';
import {
  applyCheckFindings,
  applyEntityPage,
  findingsBatchOf,
  FindingsWriter,
  finishEntityPass,
  resolveFindingsOfRetiredChecks,
  StoredKeys,
} from './findingWrites';
import { FindingQueries } from './findingQueries';
import { restoreDeferredIndexes } from './deferredIndexes';

const SCANS = 'security_posture_scans';
const SUMMARIES = 'security_posture_summaries';
const CHECK_DATA = 'security_posture_check_data';
const SETTINGS = 'security_posture_settings';
const LOCKS = 'security_posture_locks';
const SCANS_LOCK = 'scans';

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
    // Indexes a scan deferred and could not build again (its backend stopped): before the
    // migrations, which expect the schema they left.
    if (await client.schema.hasTable('security_posture_settings')) {
      await restoreDeferredIndexes(client);
    }
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await migrateToLatest(client);
    }
    return new DatabasePostureStore(client, options.clock ?? (() => new Date()));
  }

  /** What the finding writes share: the client, the change recorder, findings per statement. */
  private readonly writes: FindingsWriter;
  /** The finding reads, with exemptions applied at the store's clock. */
  private readonly findings: FindingQueries;

  private constructor(
    private readonly db: Knex,
    private readonly clock: () => Date,
  ) {
    this.writes = {
      db,
      changes: this.changes,
      findingsBatch: findingsBatchOf(db),
      analyzedBaselines: new Set(),
      deferredBaselines: new Set(),
      storedKeys: new StoredKeys(),
    };
    this.findings = new FindingQueries(db, () => this.now());
  }

  private now() {
    return this.clock().toISOString();
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

  restoreDeferredIndexes(): Promise<number> {
    return restoreDeferredIndexes(this.db);
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
    return applyCheckFindings(this.writes, options);
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
    return applyEntityPage(this.writes, options);
  }

  async finishEntityPass(options: Parameters<PostureStore['finishEntityPass']>[0]): Promise<number> {
    return finishEntityPass(this.writes, options);
  }

  getEntityEvaluations(entityRefs: string[]): Promise<Map<string, StoredEntityEvaluation>> {
    return readEntityEvaluations(this.db, entityRefs);
  }

  async hasEntityEvaluations(): Promise<boolean> {
    return Boolean(await this.db(ENTITY_EVALUATIONS).select('entity_ref').first());
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

  async resolveFindingsOfRetiredChecks(
    activeCheckIds: string[],
    resolvedAt: string,
    scanId?: string,
  ) {
    return resolveFindingsOfRetiredChecks(this.writes, activeCheckIds, resolvedAt, scanId);
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

  async listFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    options: { withTotal?: boolean } = {},
  ): Promise<{ items: Finding[]; totalItems: number }> {
    return this.findings.listFindings(query, visibility, options);
  }

  async listFindingGroups(
    query: FindingsQuery,
    visibility: FindingsVisibility,
  ): Promise<{ items: FindingGroup[]; totalItems: number }> {
    return this.findings.listFindingGroups(query, visibility);
  }

  streamFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    pageSize = 1000,
  ): AsyncIterable<Finding[]> {
    return this.findings.streamFindings(query, visibility, pageSize);
  }

  async getFinding(fingerprint: string): Promise<Finding | undefined> {
    return this.findings.getFinding(fingerprint);
  }

  async countOpenBySeverity(entityRef: string): Promise<SeverityCounts> {
    return this.findings.countOpenBySeverity(entityRef);
  }

  async listEntityRefsWithFindings(status: Finding['status'][] = ['open']): Promise<string[]> {
    return this.findings.listEntityRefsWithFindings(status);
  }

  async countOpenFindingGroups(): Promise<OpenFindingGroup[]> {
    return this.findings.countOpenFindingGroups();
  }

  async countExemptedFindingGroups(): Promise<OpenFindingGroup[]> {
    return this.findings.countExemptedFindingGroups();
  }

  async appliedExemptionsKey(): Promise<string> {
    return this.findings.appliedExemptionsKey();
  }

  async listOpenFindingsOfGroups(
    groups: FindingGroupKey[],
    limit: number,
  ): Promise<ScoringFinding[]> {
    return this.findings.listOpenFindingsOfGroups(groups, limit);
  }

  async countOwnedFindings(): Promise<OwnedFindingCounts> {
    return this.findings.countOwnedFindings();
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
    // Their sets of owners and texts stay: content-addressed, shared, a few rows each.
    await this.db(FINDINGS).where({ status: 'resolved' }).where('resolved_at', '<', before).delete();
  }
}
