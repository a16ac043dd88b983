import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { Exemption, ExemptionsQuery } from '@security-posture/plugin-security-posture-common';
import { ExemptionInput, ExemptionStore } from './ExemptionStore';
import { FindingsVisibility } from './PostureStore';
import { EXEMPTIONS, ExemptionRow, scopeColumns, toExemption } from './exemptionRows';
import { migrateToLatest } from './migrations';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Exemptions in the plugin database (SQLite or PostgreSQL). */
export class DatabaseExemptionStore implements ExemptionStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
    /** The time states are decided at; tests pass a fake clock. */
    clock?: () => Date;
  }): Promise<DatabaseExemptionStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await migrateToLatest(client);
    }
    return new DatabaseExemptionStore(client, options.clock ?? (() => new Date()));
  }

  private constructor(
    private readonly db: Knex,
    private readonly clock: () => Date,
  ) {}

  private now() {
    return this.clock().toISOString();
  }

  async createExemption(input: ExemptionInput): Promise<Exemption> {
    const row: ExemptionRow = {
      id: randomUUID(),
      ...scopeColumns(input.scope),
      kind: input.kind,
      reason: input.reason,
      ticket: input.ticket ?? null,
      created_by: input.createdBy,
      created_at: this.now(),
      expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      revoked_by: null,
      revoked_at: null,
    };
    await this.db(EXEMPTIONS).insert(row);
    return toExemption(row, this.now());
  }

  async getExemption(id: string): Promise<Exemption | undefined> {
    const row = await this.db<ExemptionRow>(EXEMPTIONS).where({ id }).first();
    return row ? toExemption(row, this.now()) : undefined;
  }

  private filtered(query: ExemptionsQuery, visibility: FindingsVisibility, now: string) {
    const q = this.db<ExemptionRow>(EXEMPTIONS);
    if (visibility.type === 'entities') {
      if (!visibility.entityRefs.length) {
        q.whereRaw('1 = 0');
      } else {
        q.where(inner => {
          for (let i = 0; i < visibility.entityRefs.length; i += 1000) {
            inner.orWhereIn('entity_ref', visibility.entityRefs.slice(i, i + 1000));
          }
        });
      }
    }
    if (query.state?.length) {
      const states = new Set(query.state);
      q.where(state => {
        if (states.has('active')) {
          state.orWhere(active =>
            active
              .whereNull('revoked_at')
              .where(open => open.whereNull('expires_at').orWhere('expires_at', '>', now)),
          );
        }
        if (states.has('expired')) {
          state.orWhere(expired =>
            expired.whereNull('revoked_at').whereNotNull('expires_at').where('expires_at', '<=', now),
          );
        }
        if (states.has('revoked')) state.orWhereNotNull('revoked_at');
      });
    }
    if (query.scopeType?.length) q.whereIn('scope_type', query.scopeType);
    if (query.checkId) q.where('check_id', query.checkId);
    if (query.entityRef) q.where('entity_ref', query.entityRef.toLocaleLowerCase('en-US'));
    if (query.createdBy) q.where('created_by', query.createdBy);
    if (query.expiringWithinDays !== undefined) {
      const until = new Date(Date.parse(now) + query.expiringWithinDays * DAY_MS).toISOString();
      q.whereNull('revoked_at').where('expires_at', '>', now).where('expires_at', '<=', until);
    }
    return q;
  }

  async listExemptions(
    query: ExemptionsQuery,
    visibility: FindingsVisibility,
  ): Promise<{ items: Exemption[]; totalItems: number }> {
    const now = this.now();
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    // Active ones first, by expiry (soonest first, those without expiry after them); then expired
    // and revoked ones by when they ended, the latest first.
    const stateRank = this.db.raw(
      `case when revoked_at is null and (expires_at is null or expires_at > ?) then 0 else 1 end`,
      [now],
    );
    const activeExpiry = this.db.raw(
      `case when revoked_at is null and (expires_at is null or expires_at > ?) then coalesce(expires_at, '9999') else null end`,
      [now],
    );
    const ended = this.db.raw(
      `case when revoked_at is not null then revoked_at when expires_at <= ? then expires_at else null end`,
      [now],
    );
    const [counted, rows] = await Promise.all([
      this.filtered(query, visibility, now).count({ count: '*' }),
      this.filtered(query, visibility, now)
        .select('*')
        .orderBy(stateRank as any, 'asc')
        .orderBy(activeExpiry as any, 'asc')
        .orderBy(ended as any, 'desc')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'asc')
        .limit(limit)
        .offset(offset),
    ]);
    return {
      items: (rows as ExemptionRow[]).map(row => toExemption(row, now)),
      totalItems: Number(counted[0].count),
    };
  }

  async listExemptionEntityRefs(): Promise<string[]> {
    const rows: Array<{ entity_ref: string }> = await this.db(EXEMPTIONS)
      .distinct('entity_ref')
      .whereNotNull('entity_ref');
    return rows.map(r => r.entity_ref);
  }

  async revokeExemption(id: string, revokedBy: string): Promise<Exemption | undefined> {
    await this.db(EXEMPTIONS)
      .where({ id })
      .whereNull('revoked_at')
      .update({ revoked_by: revokedBy, revoked_at: this.now() });
    return this.getExemption(id);
  }
}
