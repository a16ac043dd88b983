import { mockServices } from '@backstage/backend-test-utils';
import { EntityEvaluationPool } from '@security-posture/checks';
import {
  createTestDatabases,
  TestDatabaseId,
} from '../database/__testUtils__/databases';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import {
  comparable,
  Deployment,
  fakeAwsKeyId,
  FakeCatalog,
  makeEntity,
  modify,
  scanWith,
  seededRandom,
} from './__testUtils__/incrementalScanHarness';

jest.setTimeout(180_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'incremental rescans (%s)',
  (databaseId: TestDatabaseId) => {
    // The incremental series evaluates the catalog checks in a worker thread, the scans from
    // scratch on the main thread: both must find the same.
    let pool: EntityEvaluationPool;
    beforeAll(() => {
      pool = new EntityEvaluationPool({
        size: 1,
        logger: mockServices.logger.mock(),
        // Jest's transform does not reach worker threads: they load the TypeScript sources
        // through Backstage's node transform, as `backstage-cli package start` does.
        execArgv: [
          '--require',
          require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        ],
      });
    });
    afterAll(() => pool.close());

    it.each([
      [1, 'without etags (entity JSON hashed)'],
      [2, 'with catalog etags'],
    ])(
      'match a full scan after random catalog and check edits (seed %i, %s)',
      async (seed, variant) => {
        const random = seededRandom(seed);
        let counter = 0;
        const catalog = new FakeCatalog(
          Array.from({ length: 40 }, () =>
            makeEntity(random, `svc-${(counter += 1)}`),
          ),
          variant === 'with catalog etags',
        );
        // Some secrets from the start.
        catalog.entities = catalog.entities.map(e =>
          random.next() < 0.2 ? modify(random, e) : e,
        );
        const deployment: Deployment = { version: 1, config: {} };
        const incrementalDb = await databases.init(databaseId);
        const YEAR = 365 * 24 * 60 * 60 * 1000;

        const first = await scanWith(
          incrementalDb,
          catalog,
          deployment,
          YEAR,
          false,
          pool,
        );
        expect(first.pass).toMatchObject({ evaluated: 40, skipped: 0 });
        expect(Boolean(first.pass.full)).toBe(true);
        expect(first.open.length).toBeGreaterThan(5);

        const componentNames = () =>
          catalog.entities
            .filter(e => e.kind === 'Component')
            .map(e => e.metadata.name);

        // Nothing changed: nothing evaluated, not one finding row written by the rescan.
        const unchanged = await scanWith(
          incrementalDb,
          catalog,
          deployment,
          YEAR,
          false,
          pool,
        );
        expect(unchanged.pass).toMatchObject({ evaluated: 0, skipped: 40 });
        const written = await incrementalDb('security_posture_findings')
          .where({ last_scan_id: unchanged.scan.id })
          .count({ n: '*' });
        expect(Number(written[0].n)).toBe(0);
        expect(comparable(unchanged.open)).toEqual(comparable(first.open));

        /** Each edit returns the entities a changed check evaluates (besides edited ones). */
        const rounds: Array<{ what: string; edit(): string[] }> = [
          {
            what: 'entities added, removed and modified',
            edit: () => {
              for (let i = 0; i < 3; i++) {
                catalog.entities.push(
                  makeEntity(random, `svc-${(counter += 1)}`),
                );
              }
              for (let i = 0; i < 2; i++) {
                catalog.entities.splice(random.int(catalog.entities.length), 1);
              }
              const touched = new Set<number>();
              while (touched.size < 5)
                touched.add(random.int(catalog.entities.length));
              for (const i of touched)
                catalog.entities[i] = modify(random, catalog.entities[i]);
              return [];
            },
          },
          {
            what: 'a version bump of a check that evaluates Components only',
            edit: () => {
              deployment.version = 2;
              return componentNames();
            },
          },
          {
            what: 'the options of that check',
            edit: () => {
              deployment.config = {
                securityPosture: {
                  checks: {
                    catalog: {
                      'tagged-component': { options: { tag: 'gdpr' } },
                    },
                  },
                },
              };
              for (const e of catalog.entities.slice(0, 4))
                e.metadata.tags = ['gdpr'];
              return componentNames();
            },
          },
          {
            what: 'a setting a catalog check declares as evaluation input (who may read entities)',
            edit: () => {
              deployment.config = {
                ...deployment.config,
                permission: { enabled: true },
              };
              return catalog.entities.map(e => e.metadata.name);
            },
          },
          {
            what: 'a severity override and more entity edits, one entity removed',
            edit: () => {
              deployment.config = {
                ...deployment.config,
                securityPosture: {
                  checks: {
                    catalog: {
                      'tagged-component': {
                        options: { tag: 'gdpr' },
                        severity: 'high',
                      },
                    },
                  },
                },
              };
              catalog.entities.splice(0, 1);
              for (let i = 0; i < 4; i++) {
                const at = random.int(catalog.entities.length);
                catalog.entities[at] = modify(random, catalog.entities[at]);
              }
              return componentNames();
            },
          },
        ];

        for (const round of rounds) {
          const before = new Map(
            catalog.entities.map(e => [e.metadata.name, JSON.stringify(e)]),
          );
          // Must be evaluated: new and changed entities, and those a changed check evaluates.
          const expected = new Set(round.edit());
          for (const e of catalog.entities) {
            if (before.get(e.metadata.name) !== JSON.stringify(e)) {
              expected.add(e.metadata.name);
            }
          }
          const incremental = await scanWith(
            incrementalDb,
            catalog,
            deployment,
            YEAR,
            false,
            pool,
          );
          // Incremental passes wait on the catalog and read it in parts; full passes do not.
          expect(catalog.lastReadInParts).toBe(true);
          const fresh = await scanWith(
            await databases.init(databaseId),
            catalog,
            deployment,
            YEAR,
          );
          expect(catalog.lastReadInParts).toBe(false);
          expect({
            round: round.what,
            findings: comparable(incremental.open),
          }).toEqual({
            round: round.what,
            findings: comparable(fresh.open),
          });
          expect(Boolean(incremental.pass.full)).toBe(false);
          expect(incremental.pass.evaluated + incremental.pass.skipped).toBe(
            catalog.entities.length,
          );
          // Exactly what changed: the edited entities and what a changed check evaluates.
          expect({
            round: round.what,
            evaluated: incremental.pass.evaluated,
          }).toEqual({
            round: round.what,
            evaluated: expected.size,
          });
        }
        // The incremental series really ran in the worker (no silent fallback to this thread).
        expect(pool.evaluatedEntities).toBeGreaterThanOrEqual(40);
      },
    );

    it('writes and reads no findings in a full pass where nothing changed, and still catches what a provider etag hid', async () => {
      const random = seededRandom(11);
      const catalog = new FakeCatalog(
        Array.from({ length: 12 }, (_, i) => {
          const entity = makeEntity(random, `svc-${i}`);
          entity.kind = 'Component';
          entity.metadata.tags = i % 3 === 0 ? ['pci'] : [];
          // A provider's own etag: the edit below does not change it.
          entity.metadata.etag = `provider-${i}`;
          return entity;
        }),
      );
      const deployment: Deployment = { version: 1, config: {} };
      const db = await databases.init(databaseId);
      const HOUR = 60 * 60 * 1000;
      const first = await scanWith(db, catalog, deployment, HOUR, false, pool);
      expect(Boolean(first.pass.full)).toBe(true);

      catalog.entities[2].metadata.tags = ['pci'];
      const pages = jest.spyOn(
        DatabasePostureStore.prototype,
        'applyEntityPage',
      );
      try {
        const incremental = await scanWith(db, catalog, deployment, HOUR);
        // Hidden from the hashes: the incremental pass keeps svc-2's old (empty) findings.
        expect(incremental.pass.skipped).toBe(12);
        const written = () =>
          pages.mock.calls.flatMap(([page]) => page.entityRefs);

        pages.mockClear();
        const full = await scanWith(db, catalog, deployment, HOUR, true, pool);
        expect([Boolean(full.pass.full), full.pass.evaluated]).toEqual([
          true,
          12,
        ]);
        // Every entity evaluated (in the worker), only svc-2's findings handed to the store.
        expect(written()).toEqual(['component:default/svc-2']);
        const fresh = await scanWith(
          await databases.init(databaseId),
          catalog,
          deployment,
          HOUR,
        );
        expect(comparable(full.open)).toEqual(comparable(fresh.open));
        expect(
          full.open.some(
            f =>
              f.entityRef === 'component:default/svc-2' &&
              f.checkId === 'catalog/tagged-component',
          ),
        ).toBe(true);
        // Kept findings still count in the check runs.
        const runs = (scan: typeof full.scan) =>
          scan.checkRuns?.map(r => [r.checkId, r.outcome, r.findingCount]);
        expect(runs(full.scan)).toEqual(runs(fresh.scan));

        // The next full pass (on the main thread) finds nothing to write at all.
        pages.mockClear();
        const again = await scanWith(db, catalog, deployment, HOUR, true);
        expect(written()).toEqual([]);
        // Met all the same: nothing of theirs is resolved as gone.
        expect(again.open).toHaveLength(fresh.open.length);

        // Days later, a full pass that keeps every finding still records that it saw them.
        const daysAgo = new Date(Date.now() - 3 * 24 * HOUR).toISOString();
        await db('security_posture_findings').update({ last_seen_at: daysAgo });
        await db('security_posture_entity_evaluations').update({
          evaluated_at: daysAgo,
        });
        pages.mockClear();
        const later = await scanWith(db, catalog, deployment, HOUR, true, pool);
        expect(written()).toEqual([]);
        expect(later.open.length).toBeGreaterThan(0);
        expect(later.open.filter(f => f.lastSeenAt === daysAgo)).toEqual([]);
        // Recorded again with the refresh: the next one is due a day later, not next scan.
        expect(
          await db('security_posture_entity_evaluations').where(
            'evaluated_at',
            daysAgo,
          ),
        ).toEqual([]);
        expect(runs(again.scan)).toEqual(runs(fresh.scan));
        expect(comparable(again.open)).toEqual(comparable(fresh.open));
      } finally {
        pages.mockRestore();
      }
    });

    it('runs a full pass when the last one is older than fullPassEvery, and re-adds entities that come back', async () => {
      const random = seededRandom(7);
      const catalog = new FakeCatalog(
        Array.from({ length: 10 }, (_, i) => makeEntity(random, `svc-${i}`)),
      );
      catalog.entities[0].kind = 'Component';
      catalog.entities[0].metadata.annotations!['acme.io/deploy-key'] =
        fakeAwsKeyId(random);
      const deployment: Deployment = { version: 1, config: {} };
      const db = await databases.init(databaseId);
      const HOUR = 60 * 60 * 1000;
      const ref = 'component:default/svc-0';
      const before = await scanWith(db, catalog, deployment, HOUR);
      expect(
        before.open.filter(
          f => f.entityRef === ref && f.checkId === 'catalog/leaked-secret',
        ),
      ).toHaveLength(1);
      const again = await scanWith(db, catalog, deployment, HOUR);
      expect([Boolean(again.pass.full), again.pass.skipped]).toEqual([
        false,
        10,
      ]);
      // Asked for (POST /scans?full=true): the next pass is full, then incremental again.
      const asked = await scanWith(db, catalog, deployment, HOUR, true);
      expect([Boolean(asked.pass.full), asked.pass.evaluated]).toEqual([
        true,
        10,
      ]);
      const after = await scanWith(db, catalog, deployment, HOUR);
      expect([Boolean(after.pass.full), after.pass.skipped]).toEqual([
        false,
        10,
      ]);
      // fullPassEvery 0: every pass is full.
      const full = await scanWith(db, catalog, deployment, 0);
      expect([Boolean(full.pass.full), full.pass.evaluated]).toEqual([
        true,
        10,
      ]);
      // The last full pass is old: the next is full again.
      await db('security_posture_entity_passes').update({
        finished_at: new Date(Date.now() - 2 * HOUR).toISOString(),
      });
      const due = await scanWith(db, catalog, deployment, HOUR);
      expect(Boolean(due.pass.full)).toBe(true);

      // An entity with a secret leaves the catalog (its findings are resolved) and comes back unchanged.
      const leaving = catalog.entities.shift()!;
      const gone = await scanWith(db, catalog, deployment, HOUR);
      expect(gone.open.filter(f => f.entityRef === ref)).toEqual([]);
      catalog.entities.unshift(leaving);
      const back = await scanWith(db, catalog, deployment, HOUR);
      expect(back.pass.evaluated).toBe(1);
      expect(
        back.open.filter(
          f => f.entityRef === ref && f.checkId === 'catalog/leaked-secret',
        ),
      ).toHaveLength(1);
    });
  },
);
