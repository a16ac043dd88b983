import { Knex } from 'knex';

/**
 * Inserts rows in batches; with `merge`, a row whose `conflict` key exists rewrites those
 * columns instead. On PostgreSQL a batch travels as one JSON parameter expanded by
 * `json_populate_recordset` into the table's own row type: a multi-row VALUES list binds one
 * parameter per column and row, and building, sending and parsing those dominated a first
 * scan's writes (the insert statements of 28,000 findings: 1.7 s → 1.1 s, measured).
 */
export async function insertRows(
  tx: Knex | Knex.Transaction,
  table: string,
  rows: Array<Record<string, unknown>>,
  options: {
    /** Rows per statement on SQLite (bound parameters and compound-select terms are limited). */
    sqliteBatch: number;
    /** Rows per statement on PostgreSQL. */
    pgBatch: number;
    conflict?: string;
    merge?: string[];
  },
): Promise<void> {
  if (!rows.length) return;
  const pg = tx.client.config.client === 'pg';
  const size = pg ? options.pgBatch : options.sqliteBatch;
  for (let i = 0; i < rows.length; i += size) {
    const batch = rows.slice(i, i + size);
    if (pg) {
      await tx.raw(...jsonInsert(table, batch, options));
    } else {
      const insert = tx(table).insert(batch);
      await (options.conflict && options.merge
        ? insert.onConflict(options.conflict).merge(options.merge)
        : insert);
    }
  }
}

function jsonInsert(
  table: string,
  rows: Array<Record<string, unknown>>,
  options: { conflict?: string; merge?: string[] },
): [string, string[]] {
  const columns = Object.keys(rows[0]);
  const list = columns.map(() => '??').join(', ');
  let sql = `insert into ?? (${list}) select ${list} from json_populate_recordset(null::??, ?)`;
  const bindings: string[] = [
    table,
    ...columns,
    ...columns,
    table,
    JSON.stringify(rows),
  ];
  if (options.conflict && options.merge?.length) {
    sql += ` on conflict (??) do update set ${options.merge
      .map(() => '?? = excluded.??')
      .join(', ')}`;
    bindings.push(options.conflict, ...options.merge.flatMap(c => [c, c]));
  }
  return [sql, bindings];
}
