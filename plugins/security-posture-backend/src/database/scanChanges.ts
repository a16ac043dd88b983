import { Knex } from 'knex';
import {
  ChangesSincePage,
  ChangesSinceQuery,
  ChangeSinceType,
  emptyScanChangeCounts,
  isSeverity,
  ScanChange,
  ScanChangesPage,
  ScanChangesQuery,
  ScanChangeSummary,
  ScanChangeType,
  SCAN_CHANGE_TYPES,
  Severity,
  severityRank,
} from '@security-posture/plugin-security-posture-common';

export const SCAN_CHANGES = 'security_posture_scan_changes';
export const SCAN_CHANGE_SETS = 'security_posture_scan_change_sets';
const FINDINGS_TABLE = 'security_posture_findings';
const SCANS_TABLE = 'security_posture_scans';

// SQLite limits bound parameters per statement (13 columns per change row).
const INSERT_BATCH = 50;

const CHANGE_COLUMNS = [
  'scan_id',
  'fingerprint',
  'change',
  'severity',
  'severity_rank',
  'previous_severity',
  'check_id',
  'category',
  'title',
  'entity_ref',
  'recorded_at',
] as const;

type ChangeRow = Record<(typeof CHANGE_COLUMNS)[number], string | number | null>;

/** A finding as a scan writes it, and what the store held for it before (if anything). */
export interface WrittenFinding {
  after: {
    fingerprint: string;
    severity: string;
    check_id: string;
    category: string;
    title: string;
    entity_ref: string | null;
  };
  before?: { status: string; severity: string };
}

function changeOf(written: WrittenFinding, baseline: boolean): ScanChangeType | undefined {
  const { before, after } = written;
  if (!before) return baseline ? undefined : 'new';
  if (before.status === 'resolved') return 'reopened';
  if (before.status === 'open' && before.severity !== after.severity) return 'severity';
  return undefined;
}

/**
 * Records what each scan changes, inside the store's write transactions. The first write of a
 * scan decides whether the scan is the baseline (the store held no finding): a baseline records
 * no `new` changes, or the first scan of a large catalog would write every finding twice.
 */
export class ScanChangeRecorder {
  private readonly baselines = new Map<string, Promise<boolean>>();

  /** Whether `scanId` is a baseline; creates its change set on the scan's first write. */
  baselineOf(tx: Knex.Transaction, scanId: string, at: string): Promise<boolean> {
    let baseline = this.baselines.get(scanId);
    if (!baseline) {
      baseline = this.openChangeSet(tx, scanId, at);
      this.baselines.set(scanId, baseline);
      // A failed decision (its transaction failed) is decided again by the next write.
      baseline.catch(() => this.baselines.delete(scanId));
      // Only the running scans of this replica are kept.
      if (this.baselines.size > 16) this.baselines.delete(this.baselines.keys().next().value!);
    }
    return baseline;
  }

  private async openChangeSet(tx: Knex.Transaction, scanId: string, at: string) {
    const existing = await tx(SCAN_CHANGE_SETS).select('baseline').where({ scan_id: scanId }).first();
    if (existing) return Boolean(existing.baseline);
    const anyFinding = await tx(FINDINGS_TABLE).select('fingerprint').first();
    const baseline = !anyFinding;
    await tx(SCAN_CHANGE_SETS)
      .insert({ scan_id: scanId, baseline, created_at: at })
      .onConflict('scan_id')
      .ignore();
    return baseline;
  }

  /** New, reopened and re-rated findings among those a scan writes. */
  async recordWrites(
    tx: Knex.Transaction,
    options: { scanId: string; at: string; written: WrittenFinding[] },
  ) {
    const { scanId, at, written } = options;
    if (!written.length) return;
    const baseline = await this.baselineOf(tx, scanId, at);
    const rows: ChangeRow[] = [];
    for (const w of written) {
      const change = changeOf(w, baseline);
      if (!change) continue;
      rows.push({
        scan_id: scanId,
        fingerprint: w.after.fingerprint,
        change,
        severity: w.after.severity,
        severity_rank: severityRank(w.after.severity as Severity),
        previous_severity: change === 'severity' ? w.before!.severity : null,
        check_id: w.after.check_id,
        category: w.after.category,
        title: w.after.title,
        entity_ref: w.after.entity_ref,
        recorded_at: at,
      });
    }
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      await tx(SCAN_CHANGES).insert(rows.slice(i, i + INSERT_BATCH));
    }
  }

  /**
   * Records as resolved the open findings that `where` selects, before the caller resolves
   * them with the same condition: one INSERT … SELECT, however many there are.
   */
  async recordResolutions(
    tx: Knex.Transaction,
    options: { scanId: string; at: string; where: (q: Knex.QueryBuilder) => void },
  ) {
    const { scanId, at, where } = options;
    await this.baselineOf(tx, scanId, at);
    const select = tx(FINDINGS_TABLE).select(
      tx.raw('CAST(? AS varchar(64))', [scanId]),
      'fingerprint',
      tx.raw(`CAST('resolved' AS varchar(16))`),
      'severity',
      'severity_rank',
      tx.raw('CAST(NULL AS varchar(16))'),
      'check_id',
      'category',
      'title',
      'entity_ref',
      tx.raw('CAST(? AS varchar(32))', [at]),
    );
    where(select);
    await tx
      .into(
        tx.raw(`?? (${CHANGE_COLUMNS.map(() => '??').join(', ')})`, [
          SCAN_CHANGES,
          ...CHANGE_COLUMNS,
        ]),
      )
      .insert(select);
  }
}

function toChange(row: ChangeRow): ScanChange {
  return {
    change: row.change as ScanChangeType,
    fingerprint: String(row.fingerprint),
    checkId: String(row.check_id),
    category: String(row.category),
    title: String(row.title),
    severity: (isSeverity(row.severity) ? row.severity : 'info') as Severity,
    previousSeverity: isSeverity(row.previous_severity) ? row.previous_severity : undefined,
    entityRef: row.entity_ref === null ? undefined : String(row.entity_ref),
    recordedAt: String(row.recorded_at),
  };
}

/** What each of `scanIds` changed, in numbers (scans without a change set: not recorded). */
export async function summarizeScanChanges(
  db: Knex,
  scanIds: string[],
): Promise<Map<string, ScanChangeSummary>> {
  const summaries = new Map<string, ScanChangeSummary>();
  if (!scanIds.length) return summaries;
  const sets: Array<{ scan_id: string; baseline: unknown }> = await db(SCAN_CHANGE_SETS)
    .select('scan_id', 'baseline')
    .whereIn('scan_id', scanIds);
  for (const set of sets) {
    summaries.set(set.scan_id, {
      recorded: true,
      baseline: Boolean(set.baseline),
      counts: emptyScanChangeCounts(),
    });
  }
  const counts: Array<{ scan_id: string; change: string; count: string | number }> = await db(
    SCAN_CHANGES,
  )
    .select('scan_id', 'change')
    .count({ count: '*' })
    .whereIn('scan_id', scanIds)
    .groupBy('scan_id', 'change');
  for (const row of counts) {
    const summary = summaries.get(row.scan_id);
    if (summary && (SCAN_CHANGE_TYPES as string[]).includes(row.change)) {
      summary.counts[row.change as ScanChangeType] = Number(row.count);
    }
  }
  for (const id of scanIds) {
    if (!summaries.has(id)) {
      summaries.set(id, { recorded: false, baseline: false, counts: emptyScanChangeCounts() });
    }
  }
  return summaries;
}

/** One page of what a scan changed, most severe first; undefined for an unknown scan. */
export async function listScanChanges(
  db: Knex,
  scanId: string,
  query: ScanChangesQuery,
): Promise<ScanChangesPage | undefined> {
  const scan: { id: string; created_at: string } | undefined = await db(SCANS_TABLE)
    .select('id', 'created_at')
    .where({ id: scanId })
    .first();
  if (!scan) return undefined;
  const limit = query.limit ?? 50;
  const offset = query.offset ?? 0;
  const filtered = () => {
    const q = db(SCAN_CHANGES).where({ scan_id: scanId });
    if (query.change?.length) q.whereIn('change', query.change);
    return q;
  };
  const [summaries, previous, total, rows] = await Promise.all([
    summarizeScanChanges(db, [scanId]),
    db(SCANS_TABLE)
      .select('id')
      .where('created_at', '<', scan.created_at)
      .whereIn('status', ['succeeded', 'partial', 'failed'])
      .orderBy('created_at', 'desc')
      .first(),
    filtered().count({ count: '*' }),
    filtered()
      .select(...CHANGE_COLUMNS)
      .orderBy('severity_rank', 'asc')
      .orderBy('change', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .offset(offset),
  ]);
  return {
    ...summaries.get(scanId)!,
    scanId,
    previousScanId: previous?.id,
    items: (rows as ChangeRow[]).map(toChange),
    totalItems: Number(total[0].count),
    limit,
    offset,
  };
}

/**
 * Findings first seen, and findings resolved, at or after `since`: read from the findings (their
 * first sighting and resolution), so a date older than the recorded scan changes still answers.
 */
export async function listChangesSince(
  db: Knex,
  query: ChangesSinceQuery,
): Promise<ChangesSincePage> {
  const since = new Date(query.since).toISOString();
  const limit = query.limit ?? 50;
  const offset = query.offset ?? 0;
  const wanted: ChangeSinceType[] = query.change?.length ? query.change : ['new', 'resolved'];
  const columns = [
    'fingerprint',
    'severity',
    'severity_rank',
    'check_id',
    'category',
    'title',
    'entity_ref',
  ];
  const of = (change: ChangeSinceType) => {
    const q = db(FINDINGS_TABLE).select(
      ...columns,
      db.raw(`CAST(? AS varchar(16)) AS ??`, [change, 'change']),
      db.raw('?? AS ??', [change === 'new' ? 'first_seen_at' : 'resolved_at', 'recorded_at']),
    );
    return change === 'new'
      ? q.where('first_seen_at', '>=', since)
      : q.where({ status: 'resolved' }).where('resolved_at', '>=', since);
  };
  const count = async (change: ChangeSinceType) => {
    const [row] = await db.from(of(change).as('c')).count({ count: '*' });
    return Number(row.count);
  };
  const [newCount, resolvedCount] = await Promise.all([count('new'), count('resolved')]);
  const [first, ...rest] = wanted.map(of);
  // Unparenthesized: SQLite does not accept parenthesized parts of a compound select.
  const union = rest.length ? first.unionAll(rest) : first;
  const rows: ChangeRow[] = await db
    .from(db.raw('(?) AS ??', [union, 'changes']))
    .select('*')
    .orderBy('severity_rank', 'asc')
    .orderBy('change', 'asc')
    .orderBy('recorded_at', 'desc')
    .orderBy('fingerprint', 'asc')
    .limit(limit)
    .offset(offset);
  const counts = { new: newCount, resolved: resolvedCount };
  return {
    since,
    counts,
    items: rows.map(row => toChange({ ...row, previous_severity: null })),
    totalItems: wanted.reduce((sum: number, change) => sum + counts[change], 0),
    limit,
    offset,
  };
}

/** Forgets changes recorded before `before` (with the scans the store prunes). */
export async function pruneScanChanges(db: Knex, before: string) {
  await db(SCAN_CHANGES).where('recorded_at', '<', before).delete();
  await db(SCAN_CHANGE_SETS).where('created_at', '<', before).delete();
}
