import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from './__testUtils__/databases';
import { DatabasePostureStore } from './DatabasePostureStore';
import { NewFinding } from './PostureStore';
import { ownersOf } from './__testUtils__/ownersOf';

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
      // One set of owners for all of them, its members stored once.
      expect(await ownersOf(knex, 'fp-699-3')).toEqual(['group:default/team-a', 'group:default/team-b']);
      const members = await knex('security_posture_owner_sets').count({ n: '*' }).first();
      expect(Number(members!.n)).toBe(2);

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
      expect(await ownersOf(knex, 'fp-5-3')).toEqual(['group:default/team-c']);
      expect(await ownersOf(knex, 'fp-5-1')).toEqual(['group:default/team-a', 'group:default/team-b']);
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

      it('walks the entities with open findings in ranges of the entity index, not the whole table for each page, once the findings have statistics', async () => {
        const { knex, store } = await createStore();
        const first = await store.createScan({ trigger: 'manual' });
        await store.applyEntityPage(page(first.id, 0, 1, [1]));
        await store.restoreDeferredIndexes();
        // 60,000 entities × 3 findings of about the bench's row width (~1 kB), written in one
        // statement (a scan's page writes take long and are not what this test is about).
        await knex.raw(
          `insert into security_posture_findings
             (fingerprint, check_id, category, severity, severity_rank, outcome, status, title,
              message, target_type, target, entity_ref, entity_kind, owners, evidence, remediation,
              first_seen_at, last_seen_at, last_scan_id)
           select 'fp-' || e || '-' || f, 'catalog/sensitive-reference', 'catalog', 'medium', 2,
                  'fail', case when e % 10 = 0 and f > 1 then 'resolved' else 'open' end,
                  'Sensitive reference', repeat('m', 300), 'entity',
                  '{"type":"entity"}', 'component:default/service-' || e, 'Component',
                  '["group:default/team-a"]', repeat('e', 300), repeat('r', 300),
                  '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', ?
           from generate_series(1, 59999) e, generate_series(1, 3) f`,
          [first.id],
        );
        // What autovacuum does after such a write: the planner then estimates with statistics.
        await knex.raw('analyze security_posture_findings');

        const second = await store.createScan({ trigger: 'manual' });
        const left = [17, 25_003, 59_999].map(
          i => `component:default/service-${i}`,
        );
        const met = new Set(
          Array.from(
            { length: 60_000 },
            (_, i) => `component:default/service-${i}`,
          ).filter(ref => !left.includes(ref)),
        );
        const walk: Array<{ sql: string; bindings: unknown[] }> = [];
        const onQuery = (q: { sql: string; bindings?: unknown[] }) => {
          if (q.sql.includes('group by "entity_ref"'))
            walk.push({ sql: q.sql, bindings: q.bindings ?? [] });
        };
        knex.on('query', onQuery);
        try {
          const resolved = await store.finishEntityPass({
            scanId: second.id,
            checkIds: ['catalog/sensitive-reference'],
            resolvedAt: new Date().toISOString(),
            metEntityRefs: met,
          });
          expect(resolved).toBe(3 * 3);
        } finally {
          knex.off('query', onQuery);
        }
        expect(
          (
            await knex('security_posture_findings')
              .distinct('entity_ref')
              .where({ status: 'resolved' })
              .whereNotNull('resolved_at')
              .orderBy('entity_ref')
          ).map(r => r.entity_ref),
        ).toEqual([...left].sort());
        // 60,000 entities: 12 full pages, and an empty one that ends the walk.
        expect(walk.length).toBe(13);
        for (const { sql, bindings } of walk) {
          const plan = await knex.raw(
            `explain ${sql.replace(/\$\d+/g, '?')}`,
            bindings as any,
          );
          const text = plan.rows
            .map((r: Record<string, string>) => r['QUERY PLAN'])
            .join('\n');
          expect(text).toContain('sp_findings_entity_status_idx');
          expect(text).not.toContain('Seq Scan');
        }
      }, 60_000);
    }
  },
);
