import { mockServices } from '@backstage/backend-test-utils';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { Finding } from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  createEntitySecurityCheck,
  createSecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { CheckRegistry } from '@security-posture/checks';
import {
  createTestDatabases,
  TestDatabaseId,
} from '../database/__testUtils__/databases';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import { CatalogEntitySource, EntityPage } from './CatalogEntitySource';
import { CheckRunner } from './CheckRunner';
import { DefaultScanService } from './ScanService';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const YEAR = 365 * 24 * 60 * 60 * 1000;
const PCI = 'catalog/tagged-pci';
const GDPR = 'catalog/tagged-gdpr';
const GUEST = 'auth/guest-access';

/** What the fake deployment looks like; the checks read it. */
interface World {
  entities: Entity[];
  guestEnabled: boolean;
  /** Entities the PCI check throws on. */
  pciThrowsOn: Set<string>;
  runs: Record<string, number>;
}

function entity(name: string, tags: string[]): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', tags },
    spec: { type: 'service', owner: 'group:default/payments', lifecycle: 'production' },
    relations: [{ type: RELATION_OWNED_BY, targetRef: 'group:default/payments' }],
  };
}

function taggedCheck(world: World, id: string, tag: string) {
  return createEntitySecurityCheck({
    meta: {
      id,
      version: 1,
      title: `Tagged ${tag}`,
      category: 'catalog',
      defaultSeverity: 'medium',
      description: `Entities tagged ${tag}`,
      remediation: 'Remove the tag',
    },
    evaluate(e): CheckResult[] {
      world.runs[id] = (world.runs[id] ?? 0) + 1;
      if (id === PCI && world.pciThrowsOn.has(e.metadata.name)) {
        throw new Error('probe failed');
      }
      if (!e.metadata.tags?.includes(tag)) return [];
      return [
        {
          outcome: 'fail',
          target: { type: 'entity', entityRef: `component:default/${e.metadata.name}` },
          location: 'metadata.tags',
          message: `tagged ${tag}`,
        },
      ];
    },
  });
}

function setup(world: World) {
  const config = new ConfigReader({});
  const registry = new CheckRegistry(config);
  registry.add(
    taggedCheck(world, PCI, 'pci'),
    taggedCheck(world, GDPR, 'gdpr'),
    createSecurityCheck({
      meta: {
        id: GUEST,
        version: 1,
        title: 'Guest access',
        category: 'auth',
        defaultSeverity: 'high',
        description: 'Guest sign-in enabled',
        remediation: 'Disable it',
      },
      run: async () => {
        world.runs[GUEST] = (world.runs[GUEST] ?? 0) + 1;
        return [
          {
            outcome: world.guestEnabled ? 'fail' : 'pass',
            target: { type: 'config', path: 'auth.providers.guest' },
            message: 'guest',
          },
        ];
      },
    }),
  );
  const catalog = {
    async *pages(): AsyncIterable<EntityPage> {
      const items = JSON.parse(JSON.stringify(world.entities)) as Entity[];
      for (let i = 0; i < items.length; i += 2) {
        yield { items: items.slice(i, i + 2), totalItems: items.length };
      }
    },
  };
  return { config, registry, catalog };
}

async function scan(knex: Knex, world: World, checkIds?: string[]) {
  const store = await DatabasePostureStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  const { config, registry, catalog } = setup(world);
  const logger = mockServices.logger.mock();
  const runner = new CheckRunner({
    registry,
    catalog: catalog as unknown as CatalogEntitySource,
    instanceMetadata: { getInstalledPlugins: async () => [] },
    config,
    logger,
    services: {
      auth: mockServices.auth(),
      discovery: mockServices.discovery(),
      fetch: async () => {
        throw new Error('no network in tests');
      },
    },
    getPublished: async () => undefined,
  });
  const service = new DefaultScanService({
    store,
    runner,
    registry,
    logger,
    fingerprintKey: async () => 'installation-key',
    trigger: async () => {},
    timeoutMs: 60_000,
    heartbeatMs: 60_000,
    staleAfterMs: 300_000,
    retentionMs: YEAR,
    fullPassEveryMs: YEAR,
  });
  const requested = await service.requestScan({ trigger: 'schedule', checkIds });
  await service.processQueue();
  const done = (await store.getScan(requested.id))!;
  const all = (
    await store.listFindings({ limit: 1000 }, { type: 'all' })
  ).items;
  const pass = await knex('security_posture_entity_passes')
    .where({ scan_id: done.id })
    .first();
  return { scan: done, all, pass, store, service };
}

const open = (findings: Finding[]) =>
  findings
    .filter(f => f.status === 'open')
    .map(f => `${f.checkId} ${f.entityRef ?? 'deployment'}`)
    .sort();

const evaluations = (knex: Knex) =>
  knex('security_posture_entity_evaluations')
    .select('entity_ref', 'content_hash', 'evaluators_hash', 'scan_id', 'evaluated_at')
    .orderBy('entity_ref');

describe.each(databases.eachSupportedId())(
  'check-limited scans (%s)',
  (databaseId: TestDatabaseId) => {
    it('resolve only the scanned check, keep other findings, forget the evaluations of entities whose rows they changed, and the next incremental scan is right', async () => {
      const world: World = {
        entities: [
          entity('a', ['pci', 'gdpr']),
          entity('b', ['gdpr']),
          entity('c', []),
          entity('d', ['pci']),
        ],
        guestEnabled: true,
        pciThrowsOn: new Set(),
        runs: {},
      };
      const db = await databases.init(databaseId);
      const first = await scan(db, world);
      expect(first.scan.status).toBe('succeeded');
      expect(open(first.all)).toEqual([
        `${GUEST} deployment`,
        `${GDPR} component:default/a`,
        `${GDPR} component:default/b`,
        `${PCI} component:default/a`,
        `${PCI} component:default/d`,
      ]);
      const evaluatedBefore = await evaluations(db);
      expect(evaluatedBefore).toHaveLength(4);

      // Every cause is fixed but d's PCI tag.
      world.entities = [entity('a', []), entity('b', ['gdpr']), entity('c', []), entity('d', ['pci'])];
      world.guestEnabled = false;
      world.runs = {};
      const limited = await scan(db, world, [PCI]);
      expect(limited.scan).toMatchObject({ status: 'succeeded', checkIds: [PCI] });
      expect(limited.scan.checkRuns?.map(r => r.checkId)).toEqual([PCI]);
      // Only the PCI check ran, on every entity (a verification, not an incremental pass).
      expect(world.runs).toEqual({ [PCI]: 4 });
      expect(open(limited.all.filter(f => f.checkId === PCI))).toEqual([
        `${PCI} component:default/d`,
      ]);
      // Other checks' findings are exactly as they were, though their causes are fixed too.
      const others = (findings: Finding[]) =>
        findings
          .filter(f => f.checkId !== PCI)
          .sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : 1));
      expect(others(limited.all)).toEqual(others(first.all));
      // No catalog pass recorded; of the entity evaluations, only a's is forgotten: the scan
      // changed a's finding rows, which its recorded findings digests no longer describe.
      expect(limited.pass).toBeUndefined();
      expect(await evaluations(db)).toEqual(
        evaluatedBefore.filter(e => e.entity_ref !== 'component:default/a'),
      );
      // The summary is saved as after any scan.
      const history = await limited.store.listHistory({ limit: 10 });
      expect(history.map(h => h.scanId)).toContain(limited.scan.id);

      // The PCI check cannot evaluate d: its finding stays open beside the error, and d's
      // recorded evaluation is forgotten so that the next scan does not keep the error.
      world.pciThrowsOn.add('d');
      const failing = await scan(db, world, [PCI]);
      expect(failing.scan.checkRuns?.map(r => [r.checkId, r.outcome])).toEqual([[PCI, 'error']]);
      expect(
        failing.all
          .filter(f => f.checkId === PCI && f.status === 'open')
          .map(f => [f.entityRef, f.outcome])
          .sort(),
      ).toEqual([
        ['component:default/d', 'error'],
        ['component:default/d', 'fail'],
      ]);
      expect(others(failing.all)).toEqual(others(first.all));
      expect(await evaluations(db)).toEqual(
        evaluatedBefore.filter(
          e =>
            e.entity_ref !== 'component:default/a' &&
            e.entity_ref !== 'component:default/d',
        ),
      );

      // The next scan is incremental and agrees with a scan from scratch.
      world.pciThrowsOn.clear();
      world.runs = {};
      const next = await scan(db, world);
      expect(next.scan.status).toBe('succeeded');
      expect(next.scan.checkIds).toBeUndefined();
      // a's and d's evaluations were forgotten (a changed too): both evaluated; b and c skipped.
      expect(next.pass).toMatchObject({ evaluated: 2, skipped: 2 });
      const fresh = await scan(await databases.init(databaseId), world);
      expect(open(next.all)).toEqual(open(fresh.all));
      expect(open(next.all)).toEqual([
        `${GDPR} component:default/b`,
        `${PCI} component:default/d`,
      ]);
    });

    it('is covered by a queued scan of every check, but does not cover one', async () => {
      const world: World = {
        entities: [entity('a', ['pci'])],
        guestEnabled: true,
        pciThrowsOn: new Set(),
        runs: {},
      };
      const db = await databases.init(databaseId);
      const { service, store } = await scan(db, world);
      const limitedFirst = await service.requestScan({ trigger: 'manual', checkIds: [PCI] });
      expect(limitedFirst.checkIds).toEqual([PCI]);
      // The same checks again: the queued scan answers.
      const again = await service.requestScan({ trigger: 'manual', checkIds: [PCI] });
      expect(again.id).toBe(limitedFirst.id);
      // Every check: not covered by the limited scan.
      const everything = await service.requestScan({ trigger: 'manual' });
      expect(everything.id).not.toBe(limitedFirst.id);
      expect(everything.checkIds).toBeUndefined();
      // Another check: the queued scan of every check covers it.
      const other = await service.requestScan({ trigger: 'manual', checkIds: [GDPR] });
      expect(other.id).toBe(everything.id);
      expect((await store.getScan(limitedFirst.id))?.checkIds).toEqual([PCI]);
    });
  },
);
