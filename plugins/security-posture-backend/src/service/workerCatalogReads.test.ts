import { mockServices } from '@backstage/backend-test-utils';
import { catalogChecks, EntityEvaluationPool } from '@security-posture/checks';
import {
  createTestDatabases,
  TestDatabaseId,
} from '../database/__testUtils__/databases';
import {
  comparable,
  Deployment,
  FakeCatalog,
  makeEntity,
  modify,
  scanWith,
  seededRandom,
} from './__testUtils__/incrementalScanHarness';

jest.setTimeout(180_000);

const databases = createTestDatabases();
const HOUR = 60 * 60 * 1000;

describe.each(databases.eachSupportedId())(
  'catalog pages read by the evaluation workers (%s)',
  (databaseId: TestDatabaseId) => {
    let pool: EntityEvaluationPool;
    let catalog: FakeCatalog | undefined;
    beforeAll(() => {
      pool = new EntityEvaluationPool({
        size: 2,
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
    afterEach(() => catalog?.close());

    it('reads full passes in the workers and finds what the main thread finds, secrets masked', async () => {
      const random = seededRandom(21);
      catalog = new FakeCatalog(
        Array.from({ length: 40 }, (_, i) => {
          const entity = makeEntity(random, `svc-${i}`);
          // Every other entity carries a secret and another edit.
          return i % 2 ? modify(random, modify(random, entity)) : entity;
        }),
        true,
      );
      await catalog.serveOverHttp();
      const deployment: Deployment = { version: 1, config: {} };
      const db = await databases.init(databaseId);
      const scan = (fullPass: boolean, evaluationPool?: EntityEvaluationPool) =>
        scanWith(
          db,
          catalog!,
          deployment,
          HOUR,
          fullPass,
          evaluationPool,
          catalogChecks,
        );
      const fromScratch = async () =>
        (
          await scanWith(
            await databases.init(databaseId),
            catalog!,
            deployment,
            HOUR,
            false,
            undefined,
            catalogChecks,
          )
        ).open;

      // The first pass is a full one: every catalog check runs in the workers, which read it.
      const first = await scan(false, pool);
      expect(Boolean(first.pass.full)).toBe(true);
      expect(catalog.pagesReadOverHttp).toBeGreaterThan(1);
      expect(catalog.pagesReadHere).toBe(0);
      const expected = await fromScratch();
      expect(catalog.pagesReadHere).toBeGreaterThan(0);
      expect(expected.length).toBeGreaterThan(10);
      expect(comparable(first.open)).toEqual(comparable(expected));

      // Edits, an incremental pass (read here, in parts), then a full pass read by the workers.
      for (let i = 0; i < catalog.entities.length; i += 3) {
        catalog.entities[i] = modify(random, catalog.entities[i]);
      }
      const incremental = await scan(false, pool);
      expect(Boolean(incremental.pass.full)).toBe(false);
      const readOverHttp = catalog.pagesReadOverHttp;
      const full = await scan(true, pool);
      expect(Boolean(full.pass.full)).toBe(true);
      expect(full.pass.evaluated).toBe(40);
      expect(catalog.pagesReadOverHttp).toBeGreaterThan(readOverHttp);
      const afterEdits = await fromScratch();
      expect(comparable(incremental.open)).toEqual(comparable(afterEdits));
      expect(comparable(full.open)).toEqual(comparable(afterEdits));

      // No planted secret reached a finding.
      const findings = JSON.stringify([first.open, full.open]);
      const planted = JSON.stringify(catalog.entities).match(
        /AKIA[A-Z2-7]{16}/g,
      );
      expect(planted?.length).toBeGreaterThan(0);
      for (const secret of planted!) expect(findings).not.toContain(secret);
    });

    it('records a catalog failing mid-pass, keeps the findings it did not reach and reads on next time', async () => {
      const random = seededRandom(23);
      catalog = new FakeCatalog(
        Array.from({ length: 30 }, (_, i) =>
          modify(random, makeEntity(random, `svc-${i}`)),
        ),
        true,
      );
      await catalog.serveOverHttp();
      const deployment: Deployment = { version: 1, config: {} };
      const db = await databases.init(databaseId);
      const scan = (status: 'succeeded' | 'partial' | 'failed') =>
        scanWith(
          db,
          catalog!,
          deployment,
          HOUR,
          true,
          pool,
          catalogChecks,
          status,
        );
      const before = await scan('succeeded');
      const refsOf = (findings: typeof before.open) =>
        new Set(findings.flatMap(f => (f.entityRef ? [f.entityRef] : [])));
      expect(refsOf(before.open).size).toBeGreaterThan(10);

      // Pages of 7: the third page on fails.
      catalog.failOverHttpFrom = 14;
      // Every check of this scan is a catalog check, so every check ended in error.
      const failed = await scan('failed');
      expect(failed.scan.message).toMatch(/^All 3 checks failed/);
      // Nothing the pass did not reach was resolved.
      for (const ref of refsOf(before.open))
        expect(refsOf(failed.open).has(ref)).toBe(true);
      const errors = failed.open.filter(f => f.outcome === 'error');
      expect(errors.map(f => f.message).join('\n')).toMatch(
        /Catalog request failed with 500/,
      );

      catalog.failOverHttpFrom = undefined;
      const recovered = await scan('succeeded');
      expect(comparable(recovered.open)).toEqual(comparable(before.open));
    });

    it('reads here when a check of the pass runs on the main thread', async () => {
      const random = seededRandom(22);
      catalog = new FakeCatalog(
        Array.from({ length: 10 }, (_, i) => makeEntity(random, `svc-${i}`)),
        true,
      );
      await catalog.serveOverHttp();
      // The default checks include one without a worker module.
      const first = await scanWith(
        await databases.init(databaseId),
        catalog,
        { version: 1, config: {} },
        HOUR,
        true,
        pool,
      );
      expect(Boolean(first.pass.full)).toBe(true);
      expect(catalog.pagesReadOverHttp).toBe(0);
      expect(catalog.pagesReadHere).toBeGreaterThan(0);
    });
  },
);
