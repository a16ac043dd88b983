import {
  removeDir,
  runPluginsCheck,
  startRegistry,
  StandInServer,
  writeMonorepo,
} from './testHelpers';

describe('plugins/duplicate-core-versions', () => {
  let registry: StandInServer;
  const roots: string[] = [];
  beforeAll(async () => {
    registry = await startRegistry({});
  });
  afterAll(async () => {
    await registry.close();
    await Promise.all(roots.map(removeDir));
  });

  it('reports @backstage packages installed in several versions, with where each is', async () => {
    const root = await writeMonorepo({
      app: [
        { name: '@backstage/plugin-techdocs', version: '0.9.2' },
        { name: '@backstage/catalog-model', version: '1.10.1' },
      ],
      locked: [
        {
          path: 'node_modules/@backstage/plugin-techdocs/node_modules/@backstage/catalog-model',
          version: '0.7.9',
        },
        // Third-party duplicates are not this check's business.
        { path: 'node_modules/a', version: '1.0.0' },
        { path: 'node_modules/b/node_modules/a', version: '2.0.0' },
      ],
    });
    roots.push(root);
    const { results } = await runPluginsCheck('plugins/duplicate-core-versions', {
      root,
      registry: registry.url,
    });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      outcome: 'fail',
      target: { type: 'package', name: '@backstage/catalog-model' },
      title: '@backstage/catalog-model is installed in 2 versions',
    });
    expect(results[0].evidence).toMatchObject({
      versions: ['1.10.1', '0.7.9'],
      locations: expect.arrayContaining([
        '0.7.9: package-lock.json: node_modules/@backstage/plugin-techdocs/node_modules/@backstage/catalog-model',
      ]),
    });
  });

  it('passes when each @backstage package has one version', async () => {
    const root = await writeMonorepo({
      app: [{ name: '@backstage/catalog-model', version: '1.10.1' }],
    });
    roots.push(root);
    const { results } = await runPluginsCheck('plugins/duplicate-core-versions', {
      root,
      registry: registry.url,
    });
    expect(results).toEqual([expect.objectContaining({ outcome: 'pass' })]);
  });
});
