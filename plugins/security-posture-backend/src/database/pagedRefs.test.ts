import { Knex } from 'knex';
import { createTestDatabases } from './__testUtils__/databases';
import { pagedRefs } from './pagedRefs';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('pagedRefs on %p', databaseId => {
  let knex: Knex;
  // Refs of the shapes a catalog has, several rows per ref, not inserted in order.
  const refs = Array.from(
    { length: 24 },
    (_, i) => `component:team-${i % 3}/service-${(i * 7) % 24}`,
  );

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.schema.createTable('paged_rows', table => {
      table.increments('id');
      table.string('entity_ref', 512).nullable().index();
      table.string('status', 16).notNullable();
    });
    const rows = refs.flatMap((entity_ref, i) => [
      { entity_ref, status: i % 4 === 0 ? 'resolved' : 'open' },
      { entity_ref, status: 'resolved' },
    ]);
    await knex('paged_rows').insert([
      ...rows.reverse(),
      { entity_ref: null, status: 'open' },
    ]);
  });

  async function collect(generator: AsyncGenerator<string[]>) {
    const pages: string[][] = [];
    for await (const page of generator) pages.push(page);
    return pages;
  }

  it('walks every value once, in pages of at most the page size', async () => {
    const pages = await collect(
      pagedRefs(
        () =>
          knex('paged_rows').distinct('entity_ref').whereNotNull('entity_ref'),
        'entity_ref',
        { pageSize: 5 },
      ),
    );
    expect(pages.map(p => p.length)).toEqual([5, 5, 5, 5, 4]);
    expect(pages.flat().sort()).toEqual([...new Set(refs)].sort());
  });

  it('pages a grouped query and keeps the groups an aggregate selects, on pages that may end up holding none', async () => {
    const open = refs.filter((_, i) => i % 4 !== 0);
    const grouped = () =>
      knex('paged_rows')
        .select('entity_ref')
        .select(
          knex.raw(`max(case when ?? = 'open' then 1 else 0 end) as ??`, [
            'status',
            'open',
          ]),
        )
        .whereNotNull('entity_ref')
        .groupBy('entity_ref');
    const pages = await collect(
      pagedRefs(grouped, 'entity_ref', {
        pageSize: 4,
        keep: row => Number(row.open) === 1,
      }),
    );
    expect(pages.flat().sort()).toEqual([...open].sort());
    expect(pages.every(p => p.length > 0 && p.length <= 4)).toBe(true);
    // Every distinct ref was read, a page of 4 at a time, and the walk went on past pages
    // whose refs all had no open row.
    const everyRef = await collect(
      pagedRefs(grouped, 'entity_ref', { pageSize: 4 }),
    );
    expect(everyRef.flat().length).toBe(new Set(refs).size);
    const onlyResolved = await collect(
      pagedRefs(grouped, 'entity_ref', {
        pageSize: 1,
        keep: row => Number(row.open) === 0,
      }),
    );
    expect(onlyResolved.flat().sort()).toEqual(
      [...new Set(refs.filter((_, i) => i % 4 === 0))].sort(),
    );
  });

  it('yields nothing for no rows', async () => {
    const pages = await collect(
      pagedRefs(
        () =>
          knex('paged_rows').select('entity_ref').where({ status: 'missing' }),
        'entity_ref',
        { pageSize: 5 },
      ),
    );
    expect(pages).toEqual([]);
  });
});
