import { lowerCaseEn } from '@security-posture/static-analysis';
import { Knex } from 'knex';
import { insertNewRows, insertRows } from './bulkInsert';
import { pagedRefs } from './pagedRefs';

/**
 * Incremental rescans: what each catalog entity looked like, and which checks (with version and
 * configuration) evaluated it, when a scan last evaluated it and wrote its findings. Written in the
 * transaction that writes those findings, so the two never disagree; deleting a row is always safe
 * (the entity is evaluated again).
 */
export const ENTITY_EVALUATIONS = 'security_posture_entity_evaluations';
export const ENTITY_PASSES = 'security_posture_entity_passes';

// SQLite limits bound parameters per statement, and rows per multi-row insert (500 terms of a
// compound select with better-sqlite3).
const BATCH = 200;
// Reads bind one parameter per ref (SQLite allows 32,766 since 3.32): a page of the catalog pass
// (500) in one statement, as the pass waits for it before it evaluates the page.
const READ_BATCH = 1000;
// Complete passes kept (only the newest full one is read).
const KEPT_PASSES = 50;

/** The two hashes an entity was last evaluated under, and what its checks found then. */
export interface StoredEntityEvaluation {
  contentHash: string;
  evaluatorsHash: string;
  /**
   * Per evaluating check (in the order of the evaluators hash): its findings' digest, joined
   * (`joinFindingsDigests`): stored and sent to the workers as one text.
   */
  findingsDigests?: string;
  /** When it was recorded (read back only; a write records the scan's time). */
  evaluatedAt?: string;
}

export interface EntityEvaluation extends StoredEntityEvaluation {
  entityRef: string;
  /**
   * False when none was recorded as its page was read (every entity of a store's first pass):
   * the store inserts it without looking for one. Otherwise, or unset, it replaces the recorded one.
   */
  recordedBefore?: boolean;
}

function chunk<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(items.slice(i, i + size));
  return out;
}

// ASCII refs (nearly all) without the locale machinery: this runs for every entity of a pass.
const lower = lowerCaseEn;

export async function readEntityEvaluations(
  db: Knex,
  entityRefs: string[],
): Promise<Map<string, StoredEntityEvaluation>> {
  const result = new Map<string, StoredEntityEvaluation>();
  for (const refs of chunk([...new Set(entityRefs.map(lower))], READ_BATCH)) {
    const rows: Array<{
      entity_ref: string;
      content_hash: string;
      evaluators_hash: string;
      findings_digests: string | null;
      evaluated_at: string;
    }> = await db(ENTITY_EVALUATIONS)
      .select('entity_ref', 'content_hash', 'evaluators_hash', 'findings_digests', 'evaluated_at')
      .whereIn('entity_ref', refs);
    for (const row of rows) {
      result.set(row.entity_ref, {
        contentHash: row.content_hash,
        evaluatorsHash: row.evaluators_hash,
        findingsDigests: row.findings_digests ?? undefined,
        evaluatedAt: row.evaluated_at,
      });
    }
  }
  return result;
}

/** Records entities a scan evaluated (and wrote the findings of), forgets those it failed on. */
export async function writeEntityEvaluations(
  tx: Knex.Transaction,
  options: {
    scanId: string;
    at: string;
    evaluations: EntityEvaluation[];
    forget: string[];
  },
) {
  const { scanId, at } = options;
  for (const refs of chunk([...new Set(options.forget.map(lower))])) {
    await tx(ENTITY_EVALUATIONS).whereIn('entity_ref', refs).delete();
  }
  const byRef = new Map(options.evaluations.map(e => [lower(e.entityRef), e]));
  const rows = (recordedBefore: boolean) =>
    [...byRef]
      .filter(([, e]) => (e.recordedBefore ?? true) === recordedBefore)
      .map(([entity_ref, e]) => ({
        entity_ref,
        content_hash: e.contentHash,
        evaluators_hash: e.evaluatorsHash,
        findings_digests: e.findingsDigests ?? null,
        scan_id: scanId,
        evaluated_at: at,
      }));
  const write = {
    sqliteBatch: BATCH,
    pgBatch: READ_BATCH,
    conflict: 'entity_ref',
    merge: ['content_hash', 'evaluators_hash', 'findings_digests', 'scan_id', 'evaluated_at'],
  };
  await insertNewRows(tx, ENTITY_EVALUATIONS, rows(false), write);
  await insertRows(tx, ENTITY_EVALUATIONS, rows(true), write);
}

/**
 * After a complete pass: forgets entities the pass did not meet (they left the catalog), so one
 * that comes back is evaluated again rather than skipped with findings that were resolved.
 */
export async function forgetEntitiesNotMet(
  tx: Knex.Transaction,
  met: ReadonlySet<string>,
) {
  // The pass kept the refs it met in memory (one row per entity per scan cost more than reading
  // the recorded ones once here).
  const notMet: string[] = [];
  const recorded = pagedRefs(() => tx(ENTITY_EVALUATIONS).select('entity_ref'), 'entity_ref');
  for await (const refs of recorded) {
    for (const ref of refs) if (!met.has(ref)) notMet.push(ref);
  }
  for (const refs of chunk(notMet)) {
    await tx(ENTITY_EVALUATIONS).whereIn('entity_ref', refs).delete();
  }
}

export async function recordEntityPass(
  db: Knex,
  pass: {
    scanId: string;
    full: boolean;
    finishedAt: string;
    evaluated: number;
    skipped: number;
  },
) {
  await db(ENTITY_PASSES)
    .insert({
      scan_id: pass.scanId,
      full: pass.full,
      finished_at: pass.finishedAt,
      evaluated: pass.evaluated,
      skipped: pass.skipped,
    })
    .onConflict('scan_id')
    .merge();
  const kept = db(ENTITY_PASSES)
    .select('scan_id')
    .orderBy('finished_at', 'desc')
    .limit(KEPT_PASSES);
  // The newest full pass stays whatever number of incremental passes followed it.
  const newestFull = db(ENTITY_PASSES)
    .select('scan_id')
    .where('full', true)
    .orderBy('finished_at', 'desc')
    .limit(1);
  const keep = [
    ...(await kept).map((r: { scan_id: string }) => r.scan_id),
    ...(await newestFull).map((r: { scan_id: string }) => r.scan_id),
  ];
  await db(ENTITY_PASSES).whereNotIn('scan_id', keep).delete();
}

/** When the newest complete full pass finished; undefined before the first one. */
export async function lastFullEntityPassAt(
  db: Knex,
): Promise<string | undefined> {
  const row: { finished_at: string } | undefined = await db(ENTITY_PASSES)
    .select('finished_at')
    .where('full', true)
    .orderBy('finished_at', 'desc')
    .first();
  return row?.finished_at;
}
