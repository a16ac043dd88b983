import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases, TestDatabaseId } from './__testUtils__/databases';
import { DatabasePostureStore } from './DatabasePostureStore';
import { deferIndexes, findingsIndexes, restoreDeferredIndexes } from './deferredIndexes';
import { NewFinding } from './PostureStore';

const databases = createTestDatabases();

async function createStore(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const store = await DatabasePostureStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  return { knex, store };
}

function finding(name: string, checkId = 'catalog/leaked-secret'): NewFinding {
  const entityRef = `component:default/${name}`;
  return {
    fingerprint: `${checkId}:${name}`,
    checkId,
    category: 'catalog',
    severity: 'high',
    outcome: 'fail',
    title: 'Leaked token',
    message: `${entityRef} leaks a token`,
    target: { type: 'entity', entityRef },
    entityRef,
    entityKind: 'Component',
    owners: ['group:default/team-a', 'group:default/team-b'],
    evidence: {},
    remediation: 'Rotate it',
  };
}

describe.each(databases.eachSupportedId())('deferred findings indexes on %p', databaseId => {
  it('drops the secondary indexes but the entity one, and builds them again as they were', async () => {
    const { knex } = await createStore(databaseId);
    const migrated = await findingsIndexes(knex);
    const names = migrated.map(index => index.name);
    expect(names).toEqual(
      expect.arrayContaining(['sp_findings_entity_status_idx', 'sp_findings_scoring_idx', 'sp_findings_status_rank_idx']),
    );

    expect(await deferIndexes(knex)).toBe(migrated.length - 1);
    expect((await findingsIndexes(knex)).map(index => index.name)).toEqual(['sp_findings_entity_status_idx']);
    // Deferring again (e.g. the next scan after a crash) keeps the definitions saved before.
    expect(await deferIndexes(knex)).toBe(0);

    expect(await restoreDeferredIndexes(knex)).toBe(migrated.length - 1);
    expect(await findingsIndexes(knex)).toEqual(migrated);
    expect(await restoreDeferredIndexes(knex)).toBe(0);
  });

  it('builds only what is missing (another replica may have built some)', async () => {
    const { knex } = await createStore(databaseId);
    const migrated = await findingsIndexes(knex);
    await deferIndexes(knex);
    const scoring = migrated.find(index => index.name === 'sp_findings_scoring_idx')!;
    await knex.raw(scoring.definition);
    expect(await restoreDeferredIndexes(knex)).toBe(migrated.length - 2);
    expect(await findingsIndexes(knex)).toEqual(migrated);
  });

  it('are deferred by a scan into an empty store after its first page of findings, and kept by later scans', async () => {
    const { knex, store } = await createStore(databaseId);
    const migrated = await findingsIndexes(knex);
    const page = async (scanId: string, names: string[], withFindings = true) =>
      store.applyEntityPage({
        scanId,
        seenAt: '2026-11-01T00:00:00.000Z',
        refreshSeenBefore: '2026-11-01T00:00:00.000Z',
        entityRefs: names.map(name => `component:default/${name}`),
        checks: [
          {
            checkId: 'catalog/leaked-secret',
            findings: withFindings ? names.map(name => finding(name)) : [],
            unevaluatedEntityRefs: [],
          },
        ],
      });

    // A page without findings (a clean catalog: every scan is a baseline) defers nothing.
    const first = await store.createScan({ trigger: 'manual' });
    await page(first.id, ['clean'], false);
    expect(await findingsIndexes(knex)).toEqual(migrated);

    await page(first.id, ['a', 'b']);
    expect((await findingsIndexes(knex)).map(index => index.name)).toEqual(['sp_findings_entity_status_idx']);
    // Later pages are written the same without them, owners included.
    await page(first.id, ['c']);
    const listed = await store.listFindings({ owner: ['group:default/team-b'] }, { type: 'all' });
    expect(listed.items.map(f => f.fingerprint).sort()).toEqual(
      ['a', 'b', 'c'].map(name => `catalog/leaked-secret:${name}`),
    );

    expect(await store.restoreDeferredIndexes()).toBe(migrated.length - 1);
    expect(await findingsIndexes(knex)).toEqual(migrated);

    // The next scan is no baseline: it keeps them.
    const second = await store.createScan({ trigger: 'manual' });
    await page(second.id, ['d']);
    expect(await findingsIndexes(knex)).toEqual(migrated);
  });

  it('are built when the store starts, if a scan could not (its backend stopped)', async () => {
    const { knex } = await createStore(databaseId);
    const migrated = await findingsIndexes(knex);
    await deferIndexes(knex);
    await DatabasePostureStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    expect(await findingsIndexes(knex)).toEqual(migrated);
  });
});
