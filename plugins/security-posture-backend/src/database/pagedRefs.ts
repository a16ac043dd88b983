import { Knex } from 'knex';

// Refs per page of a walk over every entity: small enough that parsing and comparing a page
// takes a few milliseconds of the event loop.
const REF_PAGE = 5000;

/**
 * Every value of `column` that `query` selects (distinct, e.g. a primary key or a grouped
 * column), in pages ordered by it: the page after the last value seen, so each page is one
 * index range read. A walk of a large catalog's entities (100,000 refs) read at once held the
 * event loop for ~0.1 s while the rows were parsed and compared; in pages, requests are answered
 * between them.
 */
export async function* pagedRefs(
  query: () => Knex.QueryBuilder,
  column: string,
  pageSize = REF_PAGE,
): AsyncGenerator<string[]> {
  let after: string | undefined;
  for (;;) {
    const q = query().orderBy(column).limit(pageSize);
    if (after !== undefined) q.where(column, '>', after);
    const rows: Array<Record<string, string>> = await q;
    if (rows.length) yield rows.map(row => row[column]);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1][column];
  }
}
