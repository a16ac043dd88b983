import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from './__testUtils__/databases';
import { ownersOf } from './__testUtils__/ownersOf';
import { DatabasePostureStore } from './DatabasePostureStore';
import { NewFinding } from './PostureStore';
import { OWNER_SETS, ownerSetRows, ownersKey } from './ownerSets';

const databases = createTestDatabases();

const A = 'group:default/team-a';
const B = 'group:default/team-b';
const C = 'group:default/team-c';

function finding(entity: number, owners: string[]): NewFinding {
  const entityRef = `component:default/service-${entity}`;
  return {
    fingerprint: `fp-${entity}`,
    checkId: 'catalog/leaked-secret',
    category: 'catalog',
    severity: 'high',
    outcome: 'fail',
    title: 'Leaked secret',
    message: `entity ${entity}`,
    target: { type: 'entity', entityRef },
    entityRef,
    entityKind: 'Component',
    owners,
    evidence: {},
    remediation: 'Rotate it',
  };
}

describe('ownersKey', () => {
  it('keys a set, whatever the order and repetition of its members; none for no owners', () => {
    const key = ownersKey([A, B]);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(ownersKey([B, A])).toBe(key);
    expect(ownersKey([B, A, B])).toBe(key);
    expect(ownersKey([A])).not.toBe(key);
    expect(ownersKey([`${A}`.slice(0)])).toBe(ownersKey([A]));
    expect(ownersKey([])).toBeNull();
  });

  it('lists the members of each set once', () => {
    const rows = ownerSetRows([
      { owners: [A, B, A], ownersKey: ownersKey([A, B]) },
      { owners: [B, A], ownersKey: ownersKey([A, B]) },
      { owners: [], ownersKey: null },
      { owners: [C], ownersKey: ownersKey([C]) },
    ]);
    expect(rows).toEqual([
      { owners_key: ownersKey([A, B]), owner_ref: A },
      { owners_key: ownersKey([A, B]), owner_ref: B },
      { owners_key: ownersKey([C]), owner_ref: C },
    ]);
  });
});

describe.each(databases.eachSupportedId())('owner sets on %p', databaseId => {
  async function createStore() {
    const knex = await databases.init(databaseId);
    const store = await DatabasePostureStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    return { knex, store };
  }

  async function write(store: DatabasePostureStore, findings: NewFinding[]) {
    const scan = await store.createScan({ trigger: 'manual' });
    const now = new Date().toISOString();
    await store.applyEntityPage({
      scanId: scan.id,
      seenAt: now,
      refreshSeenBefore: now,
      entityRefs: findings.map(f => f.entityRef!),
      checks: [{ checkId: 'catalog/leaked-secret', findings, unevaluatedEntityRefs: [] }],
    });
  }

  const everything = { type: 'all' } as const;
  const byOwner = async (store: DatabasePostureStore, owner: string) =>
    (await store.listFindings({ owner: [owner] }, everything)).items.map(f => f.fingerprint).sort();

  it('filters and counts findings by any member of their set of owners', async () => {
    const { knex, store } = await createStore();
    await write(store, [finding(1, [A, B]), finding(2, [B, A]), finding(3, [C]), finding(4, [])]);

    // Three sets (none for no owners): {A, B} once although written in two orders.
    expect(Number((await knex(OWNER_SETS).count({ n: '*' }).first())!.n)).toBe(3);
    expect(await byOwner(store, A)).toEqual(['fp-1', 'fp-2']);
    expect(await byOwner(store, B)).toEqual(['fp-1', 'fp-2']);
    expect(await byOwner(store, C)).toEqual(['fp-3']);
    expect(await byOwner(store, 'group:default/nobody')).toEqual([]);

    const counts = await store.countOwnedFindings();
    expect(counts.owners.sort()).toEqual([A, B, C]);
    expect(counts.entities).toEqual(new Map([[A, 2], [B, 2], [C, 1]]));
    expect(counts.groups.reduce((n, g) => n + (g.owner === B ? g.count : 0), 0)).toBe(2);

    // A finding that changes owners moves to its new set.
    await write(store, [finding(1, [C]), finding(2, [B, A]), finding(3, [C]), finding(4, [])]);
    expect(await byOwner(store, A)).toEqual(['fp-2']);
    expect(await byOwner(store, C)).toEqual(['fp-1', 'fp-3']);
    expect(await ownersOf(knex, 'fp-1')).toEqual([C]);
  });

  it('writes a set once per store and transaction, and again after a write that rolled back', async () => {
    const { knex, store } = await createStore();
    const statements: string[] = [];
    knex.on('query', (q: { sql: string }) => statements.push(q.sql));
    const setInserts = () => statements.filter(sql => sql.includes(OWNER_SETS) && /^insert/i.test(sql)).length;

    // One page of more findings than a write statement takes, all with the same owners.
    await write(store, Array.from({ length: 1200 }, (_, i) => finding(100 + i, [A, B])));
    expect(setInserts()).toBe(1);
    await write(store, [finding(2, [B, A]), finding(3, [A, B])]);
    expect(setInserts()).toBe(1);

    // The page fails after its sets were inserted (a finding without a message, which only the
    // findings insert refuses, and SQLite's findings table accepts): they roll back with it, so
    // the next page must insert them.
    if (databaseId !== 'POSTGRES_15') return;
    const broken = { ...finding(4, [C]), message: null as unknown as string };
    await expect(write(store, [broken])).rejects.toThrow();
    expect(await knex(OWNER_SETS).where({ owner_ref: C }).first()).toBeUndefined();
    await write(store, [finding(5, [C])]);
    expect(await byOwner(store, C)).toEqual(['fp-5']);
  });

  it('gives findings stored before the sets the same keys when migrating', async () => {
    const { knex, store } = await createStore();
    await write(store, [finding(1, [A, B]), finding(2, [B]), finding(3, [])]);
    const keys = await knex('security_posture_findings').select('fingerprint', 'owners_key').orderBy('fingerprint');
    expect(keys.map(k => k.owners_key)).toEqual([ownersKey([A, B]), ownersKey([B]), null]);

    // eslint-disable-next-line @backstage/no-relative-monorepo-imports
    const migration = require('../../migrations/20270104130000_owner_sets.js');
    await migration.down(knex);
    const perFinding = await knex('security_posture_finding_owners')
      .select('fingerprint', 'owner_ref')
      .orderBy(['fingerprint', 'owner_ref']);
    expect(perFinding).toEqual([
      { fingerprint: 'fp-1', owner_ref: A },
      { fingerprint: 'fp-1', owner_ref: B },
      { fingerprint: 'fp-2', owner_ref: B },
    ]);

    await migration.up(knex);
    expect(await knex('security_posture_findings').select('fingerprint', 'owners_key').orderBy('fingerprint')).toEqual(keys);
    expect(await knex.schema.hasTable('security_posture_finding_owners')).toBe(false);
    expect(await byOwner(store, B)).toEqual(['fp-1', 'fp-2']);
  });
});
