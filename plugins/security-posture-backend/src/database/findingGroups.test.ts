import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases, TestDatabaseId } from './__testUtils__/databases';
import { DatabaseExemptionStore } from './DatabaseExemptionStore';
import { DatabasePostureStore } from './DatabasePostureStore';
import { NewFinding } from './PostureStore';

const databases = createTestDatabases();
const T0 = Date.parse('2027-01-10T12:00:00.000Z');

function finding(fingerprint: string, overrides: Partial<NewFinding> = {}): NewFinding {
  const entityRef = overrides.entityRef ?? `component:default/${fingerprint}`;
  return {
    fingerprint,
    checkId: 'catalog/leaked-secret',
    category: 'catalog',
    severity: 'high',
    outcome: 'fail',
    title: 'Leaked token',
    message: 'metadata.annotations.x contains a token',
    target: { type: 'entity', entityRef },
    location: 'metadata.annotations.x',
    entityRef,
    entityKind: 'Component',
    owners: ['group:default/payments-checkout'],
    evidence: {},
    remediation: 'Rotate it',
    ...overrides,
  };
}

// Two titles of one check (one of them with a critical among highs), another check, a resolved one.
const FINDINGS: NewFinding[] = [
  finding('a1'),
  finding('a2', { severity: 'critical' }),
  finding('a3', { owners: ['group:default/search'] }),
  finding('b1', { title: 'Leaked password', severity: 'medium' }),
  finding('c1', { checkId: 'auth/cors-wildcard', category: 'auth', title: 'CORS wildcard', severity: 'low' }),
  finding('c2', { checkId: 'auth/cors-wildcard', category: 'auth', title: 'CORS wildcard', severity: 'low' }),
];

async function createStores(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const clock = () => new Date(T0);
  const database = mockServices.database({ knex, migrations: { skip: false } });
  const store = await DatabasePostureStore.create({ database, clock });
  const exemptions = await DatabaseExemptionStore.create({ database, clock });
  const scan = await store.createScan({ trigger: 'schedule' });
  for (const checkId of new Set(FINDINGS.map(f => f.checkId))) {
    await store.applyCheckFindings({
      scanId: scan.id,
      checkId,
      findings: FINDINGS.filter(f => f.checkId === checkId),
      seenAt: new Date(T0 - 1000).toISOString(),
      resolveMissing: true,
    });
  }
  return { store, exemptions };
}

const all = { type: 'all' } as const;

describe.each(databases.eachSupportedId())('finding groups on %p', databaseId => {
  it('groups by check and title: worst severity first, then the most targets', async () => {
    const { store } = await createStores(databaseId);
    expect(await store.listFindingGroups({}, all)).toEqual({
      items: [
        { checkId: 'catalog/leaked-secret', title: 'Leaked token', category: 'catalog', severity: 'critical', targets: 3 },
        { checkId: 'catalog/leaked-secret', title: 'Leaked password', category: 'catalog', severity: 'medium', targets: 1 },
        { checkId: 'auth/cors-wildcard', title: 'CORS wildcard', category: 'auth', severity: 'low', targets: 2 },
      ],
      totalItems: 3,
    });
    const second = await store.listFindingGroups({ limit: 1, offset: 1 }, all);
    expect(second.items.map(g => g.title)).toEqual(['Leaked password']);
    expect(second.totalItems).toBe(3);
  });

  it('applies the filters and the visibility of the findings list', async () => {
    const { store } = await createStores(databaseId);
    const owned = await store.listFindingGroups({ owner: ['group:default/search'] }, all);
    expect(owned.items).toEqual([expect.objectContaining({ title: 'Leaked token', severity: 'high', targets: 1 })]);

    const highs = await store.listFindingGroups({ severity: ['high', 'low'] }, all);
    expect(highs.items.map(g => [g.title, g.severity, g.targets])).toEqual([
      ['Leaked token', 'high', 2],
      ['CORS wildcard', 'low', 2],
    ]);

    const visible = await store.listFindingGroups(
      {},
      { type: 'entities', entityRefs: ['component:default/a1', 'component:default/c2'] },
    );
    expect(visible.items.map(g => [g.title, g.targets])).toEqual([
      ['Leaked token', 1],
      ['CORS wildcard', 1],
    ]);
    expect(visible.totalItems).toBe(2);
    expect(await store.listFindingGroups({}, { type: 'entities', entityRefs: [] })).toEqual({
      items: [],
      totalItems: 0,
    });
  });

  it('leaves exempted findings out of the open groups, as the list does', async () => {
    const { store, exemptions } = await createStores(databaseId);
    await exemptions.createExemption({
      scope: { type: 'finding', fingerprint: 'a2' },
      kind: 'accepted-risk',
      reason: 'Rotation is scheduled with the vendor',
      createdBy: 'user:default/alice',
      expiresAt: new Date(T0 + 86_400_000).toISOString(),
    });
    const open = await store.listFindingGroups({}, all);
    expect(open.items[0]).toMatchObject({ title: 'Leaked token', severity: 'high', targets: 2 });
    const exempted = await store.listFindingGroups({ status: ['exempted'] }, all);
    expect(exempted.items).toEqual([expect.objectContaining({ title: 'Leaked token', severity: 'critical', targets: 1 })]);
    const both = await store.listFindingGroups({ status: ['open', 'exempted'] }, all);
    expect(both.items[0]).toMatchObject({ severity: 'critical', targets: 3 });
  });
});
