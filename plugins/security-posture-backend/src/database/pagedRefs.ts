import { Knex } from 'knex';

// Refs per page of a walk over every entity: small enough that parsing and comparing a page
// takes a few milliseconds of the event loop.
const REF_PAGE = 5000;

/**
 * Every value of `column` that `query` selects (distinct, e.g. a primary key or a grouped
 * column), in pages ordered by it: the page after the last value seen, so each page is one
 * index range read. A walk of a large catalog's entities (100,000 refs) read at once held the
 * event loop for ~0.1 s while the rows were parsed and compared; in pages, requests are answered
 * between them. `keep` drops rows after the read (a page may then hold fewer values, or none):
 * a filter the database would apply to groups (`having`) can cost it the index range read.
 */
export async function* pagedRefs(
  query: () => Knex.QueryBuilder,
  column: string,
  options: { pageSize?: number; keep?: (row: Record<string, unknown>) => boolean } = {},
): AsyncGenerator<string[]> {
  const { pageSize = REF_PAGE, keep } = options;
  let after: string | undefined;
  for (;;) {
    const q = query().orderBy(column).limit(pageSize);
    if (after !== undefined) q.where(column, '>', after);
    const rows: Array<Record<string, string>> = await q;
    const kept = keep ? rows.filter(keep) : rows;
    if (kept.length) yield kept.map(row => row[column]);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1][column];
  }
}
