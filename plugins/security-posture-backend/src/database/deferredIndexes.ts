import { Knex } from 'knex';
import { FINDINGS } from './exemptionRows';

/**
 * A scan into an empty store inserts every finding (313,000 rows at 110k entities), and keeping
 * the report's secondary indexes up to date row by row cost PostgreSQL more than inserting the
 * rows (measured: 34 s of its CPU with them, 17 s without, plus 4 s building them afterwards
 * from sorted rows). So such a pass drops them after its first page and builds them again when
 * it ends, as a database restore does. The definitions are read from the database and kept in
 * the settings table in the transaction that drops them, so they come back as they were even
 * after a crash: the store builds them again when it starts, when a scan ends or is given up,
 * and before the pass's end reads the findings.
 */

const SETTINGS = 'security_posture_settings';
const DEFERRED = 'deferred-indexes';

/**
 * Kept while deferred: each page reads its entities' open findings through it (a first scan
 * reads nothing back, but only the index makes that cheap to know). Primary keys, unique
 * indexes and foreign keys are kept too.
 */
const KEPT = new Set(['sp_findings_entity_status_idx']);

interface IndexDefinition {
  name: string;
  definition: string;
}

/** Drops the deferrable indexes (their definitions kept); the number dropped. */
export async function deferIndexes(db: Knex): Promise<number> {
  return db.transaction(async tx => {
    const indexes = (await findingsIndexes(tx)).filter(index => !KEPT.has(index.name));
    if (!indexes.length) return 0;
    const saved = await savedDefinitions(tx);
    const byName = new Map(saved.map(index => [index.name, index]));
    for (const index of indexes) byName.set(index.name, index);
    await tx(SETTINGS)
      .insert({ name: DEFERRED, value: JSON.stringify([...byName.values()]) })
      .onConflict('name')
      .merge(['value']);
    for (const index of indexes) await tx.raw('drop index ??', [index.name]);
    return indexes.length;
  });
}

/** Builds the deferred indexes that are missing; the number built (0 when none was deferred). */
export async function restoreDeferredIndexes(db: Knex): Promise<number> {
  // Nothing deferred (nearly always): one primary-key read, no transaction.
  if (!(await db(SETTINGS).where({ name: DEFERRED }).first())) return 0;
  return db.transaction(async tx => {
    const saved = await savedDefinitions(tx);
    const present = new Set((await findingsIndexes(tx)).map(index => index.name));
    let built = 0;
    for (const index of saved) {
      if (present.has(index.name)) continue;
      // Another replica may build it at the same time (both start, say).
      await tx.raw(index.definition.replace(/^\s*create\s+index\s+/i, 'create index if not exists '));
      built += 1;
    }
    await tx(SETTINGS).where({ name: DEFERRED }).delete();
    return built;
  });
}

async function savedDefinitions(tx: Knex.Transaction): Promise<IndexDefinition[]> {
  const row = await tx(SETTINGS).where({ name: DEFERRED }).first();
  return row ? JSON.parse(row.value) : [];
}

/** The findings' indexes that are neither a primary key nor unique. */
export async function findingsIndexes(tx: Knex | Knex.Transaction): Promise<IndexDefinition[]> {
  if (tx.client.config.client === 'pg') {
    // The tables the search path resolves to (a plugin may have a schema of its own).
    const { rows } = await tx.raw(
      `select i.relname as name, pg_get_indexdef(i.oid) as definition
         from pg_index x
         join pg_class i on i.oid = x.indexrelid
         join pg_class t on t.oid = x.indrelid
        where t.relname = ? and pg_table_is_visible(t.oid)
          and not x.indisprimary and not x.indisunique
        order by i.relname`,
      [FINDINGS],
    );
    return rows;
  }
  // SQLite: the indexes of primary keys and unique constraints have no SQL of their own.
  return tx('sqlite_master')
    .select('name', { definition: 'sql' })
    .where({ type: 'index' })
    .where({ tbl_name: FINDINGS })
    .whereNotNull('sql')
    .whereNot('sql', 'like', 'create unique%')
    .orderBy('name');
}
