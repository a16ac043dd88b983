import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/databases';
import { DatabasePostureStore } from './DatabasePostureStore';
import { NewFinding } from './PostureStore';

const databases = createTestDatabases();

function finding(entity: number, field: number): NewFinding {
  const entityRef = `component:default/service-${entity}`;
  return {
    fingerprint: `fp-${entity}-${field}`,
    checkId: 'catalog/sensitive-reference',
    category: 'catalog',
    severity: 'medium',
    outcome: 'fail',
    title: 'Sensitive reference',
    message: `field ${field}`,
    target: { type: 'entity', entityRef },
    entityRef,
    entityKind: 'Component',
    owners: ['group:default/team-a', 'group:default/team-b'],
    evidence: { field },
    remediation: 'Move it',
  };
}

/** One catalog page: entities `from`..`from + count - 1`, each with the given fields' findings. */
function page(scanId: string, from: number, count: number, fields: number[]) {
  const refs = Array.from(
    { length: count },
    (_, i) => `component:default/service-${from + i}`,
  );
  const now = new Date().toISOString();
  return {
    scanId,
    seenAt: now,
    refreshSeenBefore: now,
    entityRefs: refs,
    checks: [
      {
        checkId: 'catalog/sensitive-reference',
        findings: refs.flatMap((_, i) => fields.map(f => finding(from + i, f))),
        unevaluatedEntityRefs: [],
      },
    ],
  };
}

describe.each(databases.eachSupportedId())(
  'catalog page writes on %p',
  databaseId => {
    async function createStore() {
      const knex = await databases.init(databaseId);
      const store = await DatabasePostureStore.create({
        database: mockServices.database({ knex, migrations: { skip: false } }),
      });
      return { knex, store };
    }

    it('writes a first scan in pages larger than a statement, then resolves what a page no longer reports', async () => {
      const { knex, store } = await createStore();
      const first = await store.createScan({ trigger: 'manual' });
      // 700 entities × 3 findings: more rows than one statement writes on either engine.
      await store.applyEntityPage(page(first.id, 0, 700, [1, 2, 3]));
      await store.applyEntityPage(page(first.id, 700, 10, [1]));

      const counts = await knex('security_posture_findings')
        .select('status')
        .count({ n: '*' })
        .groupBy('status');
      expect(
        counts.map(c => [(c as { status: string }).status, Number(c.n)]),
      ).toEqual([['open', 2110]]);
      const owners = await knex('security_posture_finding_owners')
        .count({ n: '*' })
        .first();
      expect(Number(owners!.n)).toBe(4220);

      // The next scan finds field 2 fixed on the first 700 entities and changes field 3's owners.
      const second = await store.createScan({ trigger: 'manual' });
      const next = page(second.id, 0, 700, [1, 3]);
      for (const f of next.checks[0].findings)
        if (f.evidence.field === 3) f.owners = ['group:default/team-c'];
      await store.applyEntityPage(next);

      const byStatus = await knex('security_posture_findings')
        .select('status')
        .count({ n: '*' })
        .groupBy('status')
        .orderBy('status');
      expect(
        byStatus.map(c => [(c as { status: string }).status, Number(c.n)]),
      ).toEqual([
        ['open', 1410],
        ['resolved', 700],
      ]);
      const resolved = await knex('security_posture_findings')
        .where({ status: 'resolved' })
        .pluck('fingerprint');
      expect(resolved.every((fp: string) => fp.endsWith('-2'))).toBe(true);
      expect(
        await knex('security_posture_finding_owners')
          .where({ fingerprint: 'fp-5-3' })
          .pluck('owner_ref'),
      ).toEqual(['group:default/team-c']);
      expect(
        (
          await knex('security_posture_finding_owners')
            .where({ fingerprint: 'fp-5-1' })
            .pluck('owner_ref')
        ).sort(),
      ).toEqual(['group:default/team-a', 'group:default/team-b']);
    });

    if (databaseId === 'POSTGRES_15') {
      it('gives PostgreSQL statistics for the findings after the first page of a scan into an empty store', async () => {
        const { knex, store } = await createStore();
        // Never analyzed: PostgreSQL would plan the next pages' reads without statistics.
        const reltuples = async () =>
          Number(
            (
              await knex('pg_class')
                .select('reltuples')
                .where({ relname: 'security_posture_findings' })
                .first()
            ).reltuples,
          );
        expect(await reltuples()).toBe(-1);
        const scan = await store.createScan({ trigger: 'manual' });
        await store.applyEntityPage(page(scan.id, 0, 50, [1, 2]));
        expect(await reltuples()).toBe(100);
      });
    }
  },
);
