import { Knex } from 'knex';
import { createTestDatabases } from './__testUtils__/databases';
import { insertNewRows, insertRows } from './bulkInsert';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('insertRows on %p', databaseId => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.schema.createTable('bulk_rows', table => {
      table.string('key', 64).primary();
      table.text('text').nullable();
      table.integer('rank').notNullable();
      table.string('kept', 32).notNullable();
    });
  });

  const row = (key: string, text: string | null, rank = 1) => ({
    key,
    text,
    rank,
    kept: `first ${key}`,
  });

  it('writes every row of batches smaller than the rows, and the text exactly as given', async () => {
    // Text that a JSON parameter must carry unchanged: quotes, backslashes, JSON itself,
    // placeholders, non-ASCII, a formula, and null.
    const awkward = [
      `it's "quoted" \\ back\\slash`,
      '{"json":["inside", 1, null]}',
      '? ?? $1 :name',
      'ünïcødé — 🔑 \u2028 line\nbreak\ttab',
      '=HYPERLINK("x")',
      null,
      '',
    ];
    const rows = Array.from({ length: 23 }, (_, i) =>
      row(`k${i}`, awkward[i % awkward.length], i),
    );
    await insertRows(knex, 'bulk_rows', rows, { sqliteBatch: 5, pgBatch: 7 });

    const stored = await knex('bulk_rows')
      .select('key', 'text', 'rank', 'kept')
      .orderBy('rank');
    expect(stored).toEqual(rows);
  });

  it('rewrites the merged columns of existing keys and keeps the others', async () => {
    await insertRows(
      knex,
      'bulk_rows',
      [row('k1', 'changed', 100), row('new', 'added', 200)],
      {
        sqliteBatch: 5,
        pgBatch: 7,
        conflict: 'key',
        merge: ['text', 'rank'],
      },
    );

    expect(await knex('bulk_rows').where({ key: 'k1' }).first()).toEqual({
      key: 'k1',
      text: 'changed',
      rank: 100,
      kept: 'first k1',
    });
    expect(await knex('bulk_rows').where({ key: 'new' }).first()).toEqual(
      row('new', 'added', 200),
    );
    const { n } = (await knex('bulk_rows').count({ n: '*' }).first())!;
    expect(Number(n)).toBe(24);
  });

  it('writes nothing for no rows', async () => {
    const before = await knex('bulk_rows').select().orderBy('key');
    await insertRows(knex, 'bulk_rows', [], {
      sqliteBatch: 5,
      pgBatch: 7,
      conflict: 'key',
      merge: ['text'],
    });
    expect(await knex('bulk_rows').select().orderBy('key')).toEqual(before);
  });

  describe('insertNewRows', () => {
    beforeEach(async () => {
      await knex('bulk_rows').delete();
    });

    // What COPY's text format escapes or could mistake for its own markers.
    const copyAwkward = [
      'tab\there, newline\nthere, return\rthere',
      'back\\slash \\N \\t \\. \\\\',
      '\\N',
      '\\.',
      null,
      '',
      ' leading and trailing ',
      'ünïcødé — 🔑 \u2028',
      `it's "quoted"`,
    ];

    it('writes every row, and the text exactly as given', async () => {
      const rows = Array.from({ length: 23 }, (_, i) =>
        row(`n${i}`, copyAwkward[i % copyAwkward.length], i),
      );
      await knex.transaction(tx =>
        insertNewRows(tx, 'bulk_rows', rows, { sqliteBatch: 5, pgBatch: 7 }),
      );
      const stored = await knex('bulk_rows').select('key', 'text', 'rank', 'kept').orderBy('rank');
      expect(stored).toEqual(rows);
    });

    it('still writes the rows when one is already stored, merging it, and the transaction goes on', async () => {
      await insertRows(knex, 'bulk_rows', [row('n3', 'before', 3)], { sqliteBatch: 5, pgBatch: 7 });
      const rows = Array.from({ length: 10 }, (_, i) => row(`n${i}`, `text ${i}`, i));
      await knex.transaction(async tx => {
        await insertNewRows(tx, 'bulk_rows', rows, {
          sqliteBatch: 5,
          pgBatch: 4,
          conflict: 'key',
          merge: ['text', 'rank'],
        });
        // The failed attempt left nothing behind that breaks the transaction's next statement.
        await tx('bulk_rows').insert(row('after', 'after', 99));
      });
      const stored = await knex('bulk_rows').select('key', 'text', 'rank', 'kept').orderBy('rank');
      expect(stored).toEqual([...rows, row('after', 'after', 99)]);
    });

    if (databaseId.startsWith('POSTGRES')) {
      /** The statements `insertNewRows` sent, and what it stored. */
      const insertNewRowsSeen = async (rows: ReturnType<typeof row>[], pgBatch: number) => {
        const statements: string[] = [];
        await knex.transaction(async tx => {
          const connection = await tx.client.acquireConnection();
          const query = connection.query.bind(connection);
          const spy = jest.spyOn(connection, 'query').mockImplementation((...args: any[]) => {
            const [submitted] = args;
            statements.push(typeof submitted === 'string' ? submitted : submitted?.text);
            return query(...args);
          });
          try {
            await insertNewRows(tx, 'bulk_rows', rows, { sqliteBatch: 5, pgBatch });
          } finally {
            spy.mockRestore();
          }
        });
        return {
          copies: statements.filter(s => /^copy /i.test(s ?? '')).length,
          inserts: statements.filter(s => /^insert /i.test(s ?? '')).length,
          stored: await knex('bulk_rows').select('key', 'text', 'rank', 'kept').orderBy('key'),
        };
      };

      it('streams the rows with COPY on PostgreSQL', async () => {
        const rows = Array.from({ length: 9 }, (_, i) => row(`c${i}`, copyAwkward[i], i));
        const { copies, inserts, stored } = await insertNewRowsSeen(rows, 4);
        expect(copies).toBe(3);
        expect(inserts).toBe(0);
        expect(stored).toEqual(rows);
      });

      it('leaves the connection usable when a value cannot go through COPY', async () => {
        // An object is no COPY value: the rows go through the upsert instead, and the
        // transaction's next statement still runs (a COPY left open would block it).
        const rows = [row('o1', 'plain', 1), { ...row('o2', null, 2), text: { not: 'text' } }];
        const { copies, inserts, stored } = await insertNewRowsSeen(rows as ReturnType<typeof row>[], 10);
        expect(copies).toBe(0);
        expect(inserts).toBe(1);
        expect(stored.map(r => r.key)).toEqual(['o1', 'o2']);
      });

      it('streams rows whose text spans many of the COPY stream\'s buffers, and one row larger than a buffer', async () => {
        // Multi-byte characters at every offset, so some fall across the end of a buffer.
        const text = (i: number) => `${'é'.repeat(i % 7)}🔑\t${'ü—'.repeat(400 + (i % 13))}\n${i}`;
        const rows = Array.from({ length: 700 }, (_, i) => row(`m${String(i).padStart(3, '0')}`, text(i), i));
        rows.splice(350, 0, row('m349x', `${'🔑'.repeat(150_000)}end`, 349));
        const { copies, inserts, stored } = await insertNewRowsSeen(rows, 1000);
        // Not through the fallback: a COPY that failed would be retried as an insert.
        expect(copies).toBe(1);
        expect(inserts).toBe(0);
        expect(stored).toEqual([...rows].sort((a, b) => a.key.localeCompare(b.key)));
      });
    }
  });
});
