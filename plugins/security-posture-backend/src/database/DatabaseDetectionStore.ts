import { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { severityRank } from '@security-posture/plugin-security-posture-common';
import {
  DETECTIONS_CATEGORY,
  DetectionWindow,
} from '@security-posture/static-analysis';
import { DetectionStore, RecordedDetection } from './DetectionStore';
import { FINDINGS } from './exemptionRows';
import { migrateToLatest } from './migrations';

const WINDOWS = 'security_posture_detection_windows';
/** Stands in for a scan id: detection findings are raised outside scans. */
export const DETECTION_SCAN_ID = 'detections';
const BATCH = 200;

type WindowRow = {
  window_key: string;
  rule_id: string;
  subject: string;
  events: string;
  quiet_until: number | string | null;
  updated_at: string;
};

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** The row of the window `<rule id>|<subject>`. */
function windowRow(
  key: string,
  window: DetectionWindow,
  updatedAt: string,
): WindowRow {
  const separator = key.indexOf('|');
  return {
    window_key: hashKey(key),
    rule_id: key.slice(0, separator),
    subject: key.slice(separator + 1),
    events: JSON.stringify(window.events),
    quiet_until: window.quietUntil ?? null,
    updated_at: updatedAt,
  };
}

function chunk<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(items.slice(i, i + size));
  return out;
}

/** Windows and detection findings in the plugin database (SQLite or PostgreSQL). */
export class DatabaseDetectionStore implements DetectionStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseDetectionStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await migrateToLatest(client);
    }
    return new DatabaseDetectionStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async updateWindows<T>(
    keys: string[],
    updatedAt: string,
    update: (loaded: Map<string, DetectionWindow>) => {
      touched: Map<string, DetectionWindow>;
      result: T;
    },
  ): Promise<T> {
    return this.db.transaction(async tx => {
      const byHash = new Map(keys.map(key => [hashKey(key), key]));
      const loaded = new Map<string, DetectionWindow>();
      // PostgreSQL: rows stay locked until the update commits, so two replicas counting the
      // same actor add up instead of overwriting each other (SQLite serialises writers).
      const locking = tx.client.config.client === 'pg';
      if (locking) {
        // Empty rows for new windows first: a lock needs a row, and a concurrent insert of the
        // same key waits for this transaction instead of overwriting it.
        for (const batch of chunk(keys)) {
          await tx(WINDOWS)
            .insert(batch.map(key => windowRow(key, { events: [] }, updatedAt)))
            .onConflict('window_key')
            .ignore();
        }
      }
      for (const hashes of chunk([...byHash.keys()])) {
        const query = tx<WindowRow>(WINDOWS).whereIn('window_key', hashes);
        const rows: WindowRow[] = await (locking ? query.forUpdate() : query);
        for (const row of rows) {
          loaded.set(byHash.get(row.window_key)!, {
            events: JSON.parse(row.events),
            quietUntil:
              row.quiet_until === null ? undefined : Number(row.quiet_until),
          });
        }
      }
      const { touched, result } = update(loaded);
      const rows = [...touched].map(([key, window]) =>
        windowRow(key, window, updatedAt),
      );
      for (const batch of chunk(rows)) {
        await tx(WINDOWS)
          .insert(batch)
          .onConflict('window_key')
          .merge(['events', 'quiet_until', 'updated_at']);
      }
      return result;
    });
  }

  async recordFindings(detections: RecordedDetection[]): Promise<string[]> {
    if (!detections.length) return [];
    return this.db.transaction(async tx => {
      const fingerprints = detections.map(d => d.finding.fingerprint);
      const existing = new Set<string>();
      for (const batch of chunk(fingerprints)) {
        const rows: Array<{ fingerprint: string }> = await tx(FINDINGS)
          .whereIn('fingerprint', batch)
          .select('fingerprint');
        rows.forEach(r => existing.add(r.fingerprint));
      }
      const created = detections.filter(
        d => !existing.has(d.finding.fingerprint),
      );
      const unique = [
        ...new Map(created.map(d => [d.finding.fingerprint, d])).values(),
      ];
      for (const batch of chunk(unique)) {
        await tx(FINDINGS)
          .insert(
            batch.map(({ finding, seenAt }) => ({
              fingerprint: finding.fingerprint,
              check_id: finding.checkId,
              category: finding.category,
              severity: finding.severity,
              severity_rank: severityRank(finding.severity),
              outcome: 'fail',
              status: 'open',
              title: finding.title,
              message: finding.message,
              target_type: finding.target.type,
              target: JSON.stringify(finding.target),
              location: null,
              entity_ref: null,
              entity_kind: null,
              // deployment-wide: no owners, so only the deployment-wide report shows it
              owners: '[]',
              evidence: JSON.stringify(finding.evidence),
              remediation: finding.remediation,
              docs_url: null,
              first_seen_at: seenAt,
              last_seen_at: seenAt,
              resolved_at: null,
              last_scan_id: DETECTION_SCAN_ID,
              config_path: null,
            })),
          )
          .onConflict('fingerprint')
          .ignore();
      }
      return unique.map(d => d.finding.fingerprint);
    });
  }

  async cleanup(options: {
    windowsBefore: string;
    maxWindows: number;
    findingsBefore: string;
    resolvedAt: string;
  }): Promise<{ deletedWindows: number; resolvedFindings: number }> {
    let deletedWindows = await this.db(WINDOWS)
      .where('updated_at', '<', options.windowsBefore)
      .delete();
    const [{ count }] = await this.db(WINDOWS).count({ count: '*' });
    const excess = Number(count) - options.maxWindows;
    if (excess > 0) {
      const oldest = await this.db(WINDOWS)
        .orderBy([{ column: 'updated_at' }, { column: 'window_key' }])
        .limit(excess)
        .pluck('window_key');
      for (const batch of chunk(oldest as string[])) {
        deletedWindows += await this.db(WINDOWS)
          .whereIn('window_key', batch)
          .delete();
      }
    }
    const resolvedFindings = await this.db(FINDINGS)
      .where({
        category: DETECTIONS_CATEGORY,
        status: 'open',
        last_scan_id: DETECTION_SCAN_ID,
      })
      .where('last_seen_at', '<', options.findingsBefore)
      .update({ status: 'resolved', resolved_at: options.resolvedAt });
    return { deletedWindows, resolvedFindings };
  }

  async changeKey(): Promise<string> {
    const [row] = await this.db(FINDINGS)
      .where({ last_scan_id: DETECTION_SCAN_ID })
      .select(
        this.db.raw('count(*) as total'),
        this.db.raw('max(first_seen_at) as newest'),
        this.db.raw('max(resolved_at) as resolved'),
      );
    return `${row?.total ?? 0}|${row?.newest ?? ''}|${row?.resolved ?? ''}`;
  }
}
