import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import {
  createEntitySecurityCheck,
  createSecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { CheckRegistry, FindingFactory } from '@security-posture/checks';
import { CatalogEntitySource, EntityPage } from './CatalogEntitySource';
import { CheckRunner, EntityPageOutput } from './CheckRunner';
import { StoredEntityEvaluation } from '../database/PostureStore';

const entity = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner: 'group:default/a' },
});

/** A runner over these checks and catalog, with nothing else installed or published. */
function runnerOver(
  registry: CheckRegistry,
  catalog: CatalogEntitySource,
  deps: Partial<ConstructorParameters<typeof CheckRunner>[0]> = {},
) {
  return new CheckRunner({
    registry,
    catalog,
    instanceMetadata: { getInstalledPlugins: async () => [] },
    config: new ConfigReader({}),
    logger: mockServices.logger.mock(),
    services: {} as never,
    getPublished: async () => undefined,
    ...deps,
  });
}

describe('CheckRunner', () => {
  it('runs the catalog pass beside the deployment checks, and entity checks still read what a deployment check of the run publishes', async () => {
    const events: string[] = [];
    const stored = new Map<string, JsonValue>([
      ['deployment/matrix:matrix', 'previous scan'],
    ]);
    let release: () => void = () => {};
    const slowCheckMayFinish = new Promise<void>(resolve => {
      release = resolve;
    });

    const registry = new CheckRegistry(new ConfigReader({}));
    registry.add(
      createSecurityCheck({
        meta: {
          id: 'deployment/matrix',
          title: 'Publishes a matrix',
          category: 'deployment',
          defaultSeverity: 'low',
          description: 'd',
          remediation: 'r',
        },
        async run({ publish }) {
          events.push('matrix computed');
          publish('matrix', 'this scan');
          return [];
        },
      }),
      createSecurityCheck({
        meta: {
          id: 'deployment/slow',
          title: 'Slow',
          category: 'deployment',
          defaultSeverity: 'low',
          description: 'd',
          remediation: 'r',
        },
        async run() {
          // Finishes only once the catalog pass has read a page: the two run side by side.
          await slowCheckMayFinish;
          events.push('slow check done');
          return [];
        },
      }),
      createEntitySecurityCheck({
        meta: {
          id: 'catalog/reads-matrix',
          title: 'Reads the matrix',
          category: 'catalog',
          defaultSeverity: 'low',
          description: 'd',
          remediation: 'r',
        },
        async evaluate(e, { getPublished }) {
          const matrix = await getPublished('deployment/matrix', 'matrix');
          return [
            {
              outcome: 'fail',
              target: {
                type: 'entity',
                entityRef: `component:default/${e.metadata.name}`,
              },
              message: `saw ${matrix}`,
            },
          ];
        },
      }),
    );
    const catalog = {
      async *pages(): AsyncIterable<EntityPage> {
        events.push('catalog page read');
        release();
        yield { items: [entity('a'), entity('b')], totalItems: 2 };
      },
    } as unknown as CatalogEntitySource;
    const runner = runnerOver(registry, catalog, {
      getPublished: async (checkId, key) => stored.get(`${checkId}:${key}`),
    });

    const outputs = await runner.run({
      signal: new AbortController().signal,
      factory: new FindingFactory('k'),
      onProgress: () => {},
      onCheckDone: async output => {
        for (const { key, data } of output.published)
          stored.set(`${output.checkId}:${key}`, data);
      },
    });

    expect(events.indexOf('catalog page read')).toBeLessThan(
      events.indexOf('slow check done'),
    );
    const entityOutput = outputs.find(
      o => o.checkId === 'catalog/reads-matrix',
    )!;
    expect(entityOutput.findings.map(f => f.message)).toEqual([
      'saw this scan',
      'saw this scan',
    ]);
    // Deployment checks' outputs come first, as before.
    expect(outputs.map(o => o.scope)).toEqual([
      'deployment',
      'deployment',
      'entity',
    ]);
  });

  it("gives the event loop turns while it turns a deployment check's thousands of results into findings", async () => {
    // A secret in the batch makes each text a scan of its 10,000 characters: ~0.1 ms a result.
    const secret = ['tok', '_', 'x'.repeat(24)].join('');
    let turns = 0;
    let turnsWhenReturned = -1;
    const registry = new CheckRegistry(new ConfigReader({}));
    registry.add(
      createSecurityCheck({
        meta: {
          id: 'templates/many',
          title: 'Many results',
          category: 'templates',
          defaultSeverity: 'low',
          description: 'd',
          remediation: 'r',
        },
        async run() {
          const results = Array.from({ length: 2000 }, (_, i) => ({
            outcome: 'fail' as const,
            target: { type: 'template' as const, entityRef: `template:default/t${i}` },
            message: `${i} ${'m'.repeat(10_000)}`,
            ...(i === 0 ? { secret: { value: secret, kind: 'test-token' } } : {}),
          }));
          turnsWhenReturned = turns;
          return results;
        },
      }),
    );
    const catalog = {
      async *pages(): AsyncIterable<EntityPage> {},
    } as unknown as CatalogEntitySource;
    let counting = true;
    const tick = () => {
      if (!counting) return;
      turns += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    let turnsWhenDone = -1;
    await runnerOver(registry, catalog).run({
      signal: new AbortController().signal,
      factory: new FindingFactory('k'),
      onProgress: () => {},
      onCheckDone: async output => {
        if (output.checkId !== 'templates/many') return;
        turnsWhenDone = turns;
        expect(output.findings).toHaveLength(2000);
        expect(JSON.stringify(output.findings)).not.toContain(secret);
      },
    });
    counting = false;
    expect(turnsWhenReturned).toBeGreaterThanOrEqual(0);
    // In one synchronous stretch (~200 ms) the loop did not turn at all; at most 5 ms at a time
    // it turns dozens of times.
    expect(turnsWhenDone - turnsWhenReturned).toBeGreaterThanOrEqual(10);
  });

  describe('writing the catalog pass', () => {
    const PAGE_SIZE = 4;
    const names = (count: number) =>
      Array.from({ length: count }, (_, i) => `e${i}`);

    /** A runner over a catalog of `entities` that fails reading after `failAfterPages`. */
    function passRunner(state: {
      entities: Entity[];
      failAfterPages?: number;
      pageSize?: number;
    }) {
      const registry = new CheckRegistry(new ConfigReader({}));
      registry.add(
        createEntitySecurityCheck({
          meta: {
            id: 'catalog/flags-bad',
            title: 'Flags bad descriptions',
            category: 'catalog',
            defaultSeverity: 'low',
            description: 'd',
            remediation: 'r',
          },
          async evaluate(e) {
            return [
              {
                outcome: e.metadata.description === 'bad' ? 'fail' : 'pass',
                target: {
                  type: 'entity',
                  entityRef: `component:default/${e.metadata.name}`,
                },
                message: 'm',
              },
            ];
          },
        }),
      );
      const pageSize = state.pageSize ?? PAGE_SIZE;
      const catalog = {
        async *pages(): AsyncIterable<EntityPage> {
          for (let i = 0; i < state.entities.length; i += pageSize) {
            if (state.failAfterPages === i / pageSize)
              throw new Error('catalog is gone');
            yield {
              items: state.entities.slice(i, i + pageSize),
              totalItems: state.entities.length,
            };
          }
        },
      } as unknown as CatalogEntitySource;
      return runnerOver(registry, catalog, { entityPageSize: pageSize });
    }

    /** Runs a pass that records evaluations as the scan service's store does. */
    async function pass(
      runner: CheckRunner,
      recorded: Map<string, StoredEntityEvaluation>,
    ) {
      const writes: EntityPageOutput[] = [];
      await runner.run({
        signal: new AbortController().signal,
        factory: new FindingFactory('k'),
        onProgress: () => {},
        onCheckDone: async () => {},
        onEntityPage: async page => {
          writes.push(page);
          for (const evaluation of page.evaluations)
            recorded.set(evaluation.entityRef, evaluation);
        },
        incremental: {
          full: false,
          lookup: async refs =>
            new Map(
              refs.flatMap(ref => {
                const found = recorded.get(ref.toLowerCase());
                return found ? [[ref.toLowerCase(), found] as const] : [];
              }),
            ),
        },
      });
      return writes;
    }

    const edit = (e: Entity, description: string): Entity => ({
      ...e,
      metadata: { ...e.metadata, description },
    });

    it('writes pages with entities to write one by one, and gathers pages with little to write into one write', async () => {
      const state = { entities: names(12).map(entity) };
      const runner = passRunner(state);
      const recorded = new Map<string, StoredEntityEvaluation>();

      // First pass: every entity is evaluated, each page is a write of its own.
      const first = await pass(runner, recorded);
      expect(first.map(w => w.entityRefs.length)).toEqual([4, 4, 4]);
      expect(recorded.size).toBe(12);

      // One entity changed on the first page and one on the last: one write at the end, with
      // the entity whose findings changed, every other entity met (e10 was evaluated and found
      // as before: its rows stand) and both evaluations recorded anew.
      state.entities[1] = edit(state.entities[1], 'bad');
      state.entities[10] = edit(state.entities[10], 'changed');
      const second = await pass(runner, recorded);
      expect(second).toHaveLength(1);
      expect(second[0].entityRefs).toEqual(['component:default/e1']);
      expect(second[0].unchangedEntityRefs).toHaveLength(11);
      expect(second[0].unchangedEntityRefs).toContain('component:default/e10');
      expect(second[0].checks[0].findings.map(f => f.entityRef)).toEqual([
        'component:default/e1',
      ]);
      expect(second[0].evaluations.map(e => e.entityRef)).toEqual([
        'component:default/e1',
        'component:default/e10',
      ]);

      // Nothing changed: still one write, so the met entities reach the scan.
      const third = await pass(runner, recorded);
      expect(third).toHaveLength(1);
      expect(third[0].entityRefs).toEqual([]);
      expect(third[0].unchangedEntityRefs).toHaveLength(12);
    });

    it('writes what it gathered before a failed catalog read', async () => {
      const state: { entities: Entity[]; failAfterPages?: number } = {
        entities: names(12).map(entity),
      };
      const runner = passRunner(state);
      const recorded = new Map<string, StoredEntityEvaluation>();
      await pass(runner, recorded);

      state.entities[5] = edit(state.entities[5], 'bad');
      state.failAfterPages = 2;
      const writes = await pass(runner, recorded);
      expect(writes).toHaveLength(1);
      expect(writes[0].entityRefs).toEqual(['component:default/e5']);
      expect(writes[0].unchangedEntityRefs).toHaveLength(7);
    });

    it('gathers at most 20 pages into one write', async () => {
      const state = { entities: names(45).map(entity), pageSize: 1 };
      const runner = passRunner(state);
      const recorded = new Map<string, StoredEntityEvaluation>();
      expect(await pass(runner, recorded)).toHaveLength(45);
      const writes = await pass(runner, recorded);
      expect(writes.map(w => w.unchangedEntityRefs.length)).toEqual([
        20, 20, 5,
      ]);
    });
  });
});
