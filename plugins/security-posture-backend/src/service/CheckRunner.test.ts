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
import { CheckRunner } from './CheckRunner';

const entity = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default' },
  spec: { owner: 'group:default/a' },
});

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
    const runner = new CheckRunner({
      registry,
      catalog,
      instanceMetadata: { getInstalledPlugins: async () => [] },
      config: new ConfigReader({}),
      logger: mockServices.logger.mock(),
      services: {} as never,
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
});
