import { lowerCaseEn } from '@security-posture/static-analysis';
import { Knex } from 'knex';
import { NewFinding, PostureStore } from './PostureStore';
import { ScanChangeRecorder } from './scanChanges';
import { DETECTION_SCAN_ID } from './DatabaseDetectionStore';
import {
  ENTITY_EVALUATIONS,
  forgetEntitiesNotMet,
  writeEntityEvaluations,
} from './entityEvaluations';
import { FINDINGS } from './exemptionRows';
import { BATCH, chunk, FindingRow, toFindingRow } from './postureRows';
import { insertNewRows, insertRows } from './bulkInsert';
import { pagedRefs } from './pagedRefs';
import { deferIndexes } from './deferredIndexes';
import { FindingTextsRow, writeFindingTexts } from './findingTexts';
import { ownerSetRows, writeOwnerSets } from './ownerSets';

/**
 * What scans write to the findings: a check's findings, a catalog entity pass's pages and its
 * end (resolving what it no longer found), and the resolution of retired checks' findings. Each
 * write records the scan's changes in the transaction that makes them.
 */

// Findings written per statement on PostgreSQL (~20 columns each, well under its 65,535 bound
// parameters): a first scan writes hundreds of thousands, and statements, not rows, dominated.
const PG_FINDINGS_BATCH = 1000;

/** What the writes need from the store: its client, its change recorder and its batch size. */
export interface FindingsWriter {
  db: Knex;
  /** One per store: it remembers which running scans are baselines. */
  changes: ScanChangeRecorder;
  /** Findings per write statement (SQLite also limits the rows of a multi-row insert). */
  findingsBatch: number;
  /** Scans into an empty store after whose first page the findings were analyzed. */
  analyzedBaselines: Set<string>;
  /** Scans into an empty store after whose first page the findings' indexes were deferred. */
  deferredBaselines: Set<string>;
  /** Keys of texts and owner sets this store has written (and seen committed). */
  storedKeys: StoredKeys;
}

/**
 * The keys of texts and owner sets known to be stored. Both are addressed by content and never
 * deleted, so a known key needs no insert: a first scan of 110k entities has ~600 owner sets per
 * batch of 1,000 findings, which it otherwise sent again with every batch. Keys are added only
 * once the transaction that wrote them has committed.
 */
export class StoredKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly kept = 100_000) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  addAll(keys: Iterable<string>) {
    for (const key of keys) {
      if (this.keys.size >= this.kept) this.keys.clear();
      this.keys.add(key);
    }
  }
}

/** What a transaction's writes stored: remembered once it has committed. */
type WrittenKeys = Set<string>;

/** Findings per write statement on the store's engine. */
export function findingsBatchOf(db: Knex): number {
  return db.client.config.client === 'pg' ? PG_FINDINGS_BATCH : BATCH;
}

export async function applyCheckFindings(
  writer: FindingsWriter,
  options: Parameters<PostureStore['applyCheckFindings']>[0],
): Promise<void> {
  const { scanId, checkId, findings, seenAt, resolveMissing } = options;
  const written: WrittenKeys = new Set();
  await writer.db.transaction(async tx => {
    const baseline = await writer.changes.baselineOf(tx, scanId, seenAt);
    // Resolution below relies on last_scan_id, so every reported finding is marked as seen.
    // Not findings of a page's entities (e.g. a catalog failure): no evaluation to forget.
    await writeFindings(writer, tx, findings, { scanId, seenAt, refreshSeenBefore: seenAt, baseline }, new Set(), written);
    // In a scan into an empty store every open finding was written by this scan: none is
    // missing (and the query would read every finding while the first scan defers indexes).
    if (resolveMissing && !baseline) {
      const missing = (q: Knex.QueryBuilder) =>
        q.where({ check_id: checkId, status: 'open' }).whereNot({ last_scan_id: scanId });
      await writer.changes.recordResolutions(tx, { scanId, at: seenAt, where: missing });
      await missing(tx(FINDINGS)).update({ status: 'resolved', resolved_at: seenAt });
    }
  });
  writer.storedKeys.addAll(written);
}

export async function applyEntityPage(
  writer: FindingsWriter,
  options: Parameters<PostureStore['applyEntityPage']>[0],
): Promise<void> {
  const { scanId, seenAt, refreshSeenBefore, checks } = options;
  const entityRefs = [...new Set(options.entityRefs.map(r => lowerCaseEn(r)))];
  const nothingToWrite =
    !entityRefs.length &&
    !options.evaluations?.length &&
    !options.forgetEvaluations?.length &&
    checks.every(c => !c.findings.length && !c.refreshEntityRefs?.length);
  // E.g. pages a rescan skipped entirely: no transaction for them.
  if (nothingToWrite) return;
  const written: WrittenKeys = new Set();
  const baseline = await writer.db.transaction(async tx => {
    const isBaseline = await writer.changes.baselineOf(tx, scanId, seenAt);
    await writeEntityEvaluations(tx, {
      scanId,
      at: seenAt,
      evaluations: options.evaluations ?? [],
      forget: options.forgetEvaluations ?? [],
    });
    // Entities whose finding rows this page changes: their recorded evaluation (and its
    // findings digests) must describe the rows, so one not recorded anew is forgotten.
    const changedEntities = new Set<string>();
    // Open findings of the page's entities that a check evaluated without reporting them again
    // are fixed. Read before the page's findings are written (a write only opens what the page
    // reports, so the outcome is the same, and a first scan reads nothing back), then resolve by
    // fingerprint after them.
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
    for (const check of checks) {
      await writeFindings(writer, tx, check.findings, { scanId, seenAt, refreshSeenBefore, baseline: isBaseline }, changedEntities, written);
    }
    await refreshKeptFindings(tx, checks, { scanId, seenAt, refreshSeenBefore });
    for (const fingerprints of chunk(toResolve)) {
      await writer.changes.recordResolutions(tx, {
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
    return isBaseline;
  });
  writer.storedKeys.addAll(written);
  if (baseline) {
    // Not for a catalog with nothing to report (every scan is a baseline then): nothing to save.
    if (checks.some(c => c.findings.length)) await deferIndexesAfterFirstPage(writer, scanId);
    await analyzeAfterFirstPage(writer, scanId);
  }
}

/** A scan into an empty store: see deferredIndexes.ts. Once per scan, after its first page of findings. */
async function deferIndexesAfterFirstPage(writer: FindingsWriter, scanId: string) {
  if (!remember(writer.deferredBaselines, scanId)) return;
  try {
    await deferIndexes(writer.db);
  } catch {
    // The indexes are kept (e.g. a lock not granted): the pass is only slower.
  }
}

/** Adds `scanId` unless present (false then); only the running scans of a replica are kept. */
function remember(scans: Set<string>, scanId: string): boolean {
  if (scans.has(scanId)) return false;
  scans.add(scanId);
  if (scans.size > 16) scans.delete(scans.values().next().value!);
  return true;
}

/**
 * A scan into an empty store: PostgreSQL has no statistics for the findings until autovacuum
 * analyzes them (about a minute later), and until then it plans each page's read of its
 * entities' open findings as a walk of every open finding, which grows with every page written.
 * Analyzed once, after the first page (what PostgreSQL advises after loading a table).
 */
async function analyzeAfterFirstPage(writer: FindingsWriter, scanId: string) {
  if (writer.db.client.config.client !== 'pg' || !remember(writer.analyzedBaselines, scanId)) return;
  try {
    await writer.db.raw('analyze ??', [FINDINGS]);
  } catch {
    // Statistics only speed up the pass; the page is written either way.
  }
}

/**
 * Findings a check found again exactly as recorded (so not sent to be written) were seen too:
 * their "last seen" is refreshed when the pass says it is due (about daily per entity). Checks
 * with the same entities (usually all of a page's) share one statement.
 */
async function refreshKeptFindings(
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

export async function finishEntityPass(
  writer: FindingsWriter,
  options: Parameters<PostureStore['finishEntityPass']>[0],
): Promise<number> {
  const { scanId, checkIds, resolvedAt, metEntityRefs } = options;
  if (!checkIds.length) return 0;
  return writer.db.transaction(async (tx): Promise<number> => {
    // First: an entity that comes back must be evaluated again, not skipped as unchanged.
    // After a store's first pass every recorded evaluation is its own (walking them took 1 s of
    // PostgreSQL's time at 110k entities, for nothing).
    if (options.evaluationsRecordedBefore !== false) await forgetEntitiesNotMet(tx, metEntityRefs);
    // Once for the whole pass (one walk of the open findings' entities, not one per check):
    // entities with open findings that the complete pass did not meet have left the catalog.
    // Not after a pass into an empty store (the baseline): every open finding of its checks was
    // written by its own pages, for entities it met. Its walk would read every row just written,
    // which PostgreSQL has neither statistics nor a visibility map for yet (5 s at 110k entities).
    const left: string[] = [];
    if (!(await writer.changes.baselineOf(tx, scanId, resolvedAt))) {
      for await (const refs of entitiesWithOpenFindings(tx)) {
        for (const ref of refs) if (!metEntityRefs.has(ref)) left.push(ref);
      }
    }
    const resolve = async (where: (q: Knex.QueryBuilder) => Knex.QueryBuilder) => {
      await writer.changes.recordResolutions(tx, { scanId, at: resolvedAt, where });
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

/**
 * Entities with open findings (of any check), in pages, once per pass: the pass compares them
 * with its met set.
 */
function entitiesWithOpenFindings(tx: Knex.Transaction): AsyncGenerator<string[]> {
  // Grouped with the status in an aggregate, not filtered by it: SQLite then reads only the
  // (entity_ref, status, ...) index instead of the rows of every open finding. The aggregate is
  // selected and compared here, not in a `having`: PostgreSQL cannot estimate that filter,
  // guesses that a few hundred entities pass it, and so expects one page of 5,000 to need the
  // whole table; it then read all of it for every page (a seq scan of 313k findings, 0.2 s per
  // page, 3.5 s per scan at 110k entities) instead of the next range of the entity index.
  return pagedRefs(
    () =>
      tx(FINDINGS)
        .select('entity_ref')
        .select(tx.raw(`max(case when ?? = 'open' then 1 else 0 end) as ??`, ['status', 'open']))
        .whereNotNull('entity_ref')
        .groupBy('entity_ref'),
    'entity_ref',
    { keep: row => Number(row.open) === 1 },
  );
}

/**
 * Inserts new findings, rewrites changed or reopened ones, and marks
 * unchanged open ones as seen if their last sighting is older than `refreshSeenBefore`:
 * rewriting every finding a scan sees again is most of a scan's cost on a large catalog.
 */
async function writeFindings(
  writer: FindingsWriter,
  tx: Knex.Transaction,
  findings: NewFinding[],
  options: { scanId: string; seenAt: string; refreshSeenBefore: string; baseline: boolean },
  changedEntities: Set<string>,
  written: WrittenKeys,
) {
  const { scanId, seenAt, refreshSeenBefore } = options;
  for (const batch of chunk(findings, writer.findingsBatch)) {
    const rows = batch.map(f => toFindingRow(f, scanId, seenAt));
    // A scan into an empty store does not look for its findings: nearly all are new, and one it
    // already wrote (a page read twice, say) makes their insert fall back to rewriting it.
    const stored: Array<{
      fingerprint: string;
      content_hash: string | null;
      status: string;
      severity: string;
      last_seen_at: string;
    }> = options.baseline
      ? []
      : await tx(FINDINGS)
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
    await writer.changes.recordWrites(tx, {
      scanId,
      at: seenAt,
      written: changed.map(row => ({
        after: row,
        before: storedByFingerprint.get(row.fingerprint),
      })),
    });
    await writeSharedRows(writer.storedKeys, written, tx, batch, rows, changed);
    const write = {
      sqliteBatch: BATCH,
      pgBatch: PG_FINDINGS_BATCH,
      conflict: 'fingerprint',
      // A rewritten finding keeps when it was first seen.
      merge: Object.keys(changed[0]).filter(c => c !== 'fingerprint' && c !== 'first_seen_at'),
    };
    // Most of a first scan's rows, and a rescan's new findings.
    await insertNewRows(tx, FINDINGS, changed.filter(row => !storedByFingerprint.has(row.fingerprint)), write);
    await insertRows(tx, FINDINGS, changed.filter(row => storedByFingerprint.has(row.fingerprint)), write);
  }
}

/**
 * Stores what the changed rows point at and is neither known to be stored nor written earlier in
 * the transaction: their texts and the members of their sets of owners (`rows[i]` is `batch[i]`'s
 * row). Adds the keys it writes to `written`.
 */
async function writeSharedRows(
  stored: StoredKeys,
  written: WrittenKeys,
  tx: Knex.Transaction,
  batch: NewFinding[],
  rows: FindingRow[],
  changed: FindingRow[],
): Promise<void> {
  const known = (key: string) => stored.has(key) || written.has(key);
  const changedRows = new Set(changed);
  const texts = new Map<string, FindingTextsRow>();
  const owners: Array<{ owners: readonly string[]; ownersKey: string | null }> = [];
  rows.forEach((row, i) => {
    if (!changedRows.has(row)) return;
    const textsKey = row.texts_key;
    if (textsKey && !known(textsKey) && !texts.has(textsKey)) {
      texts.set(textsKey, {
        texts_key: textsKey,
        remediation: batch[i].remediation,
        docs_url: batch[i].docsUrl ?? null,
      });
    }
    const ownersKey = row.owners_key ?? null;
    if (ownersKey && !known(ownersKey)) owners.push({ owners: batch[i].owners, ownersKey });
  });
  const members = ownerSetRows(owners);
  await writeFindingTexts(tx, [...texts.values()]);
  await writeOwnerSets(tx, members);
  for (const key of texts.keys()) written.add(key);
  for (const member of members) written.add(member.owners_key);
}

export async function resolveFindingsOfRetiredChecks(
  writer: FindingsWriter,
  activeCheckIds: string[],
  resolvedAt: string,
  scanId?: string,
) {
  // Every scan asks, and nearly always no check was retired: the check ids that have findings
  // at all (a few dozen, read through the check_id index) tell without walking open findings.
  const active = new Set(activeCheckIds);
  const candidates = (await storedCheckIds(writer.db)).filter(id => !active.has(id));
  if (!candidates.length) return 0;
  // Detection findings are raised outside scans, by no registered check.
  const retired = (q: Knex.QueryBuilder) =>
    q
      .where({ status: 'open' })
      .whereNot('last_scan_id', DETECTION_SCAN_ID)
      .whereIn('check_id', candidates);
  return writer.db.transaction(async (tx): Promise<number> => {
    if (scanId) await writer.changes.recordResolutions(tx, { scanId, at: resolvedAt, where: retired });
    return retired(tx(FINDINGS)).update({ status: 'resolved', resolved_at: resolvedAt });
  });
}

/**
 * The distinct check ids of stored findings (open or resolved), one index probe each: a loose
 * index scan, which neither engine does on its own for `select distinct`.
 */
async function storedCheckIds(db: Knex): Promise<string[]> {
  const rows: Array<{ check_id: string | null }> = await db
    .withRecursive(
      'ids',
      ['check_id'],
      db.raw(
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
