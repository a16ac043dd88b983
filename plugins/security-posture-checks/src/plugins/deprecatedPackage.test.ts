import {
  daysAgo,
  removeDir,
  runPluginsCheck,
  startRegistry,
  StandInServer,
  unreachableUrl,
  writeMonorepo,
} from './testHelpers';

describe('plugins/deprecated-package', () => {
  let root: string;
  let registry: StandInServer;

  beforeAll(async () => {
    root = await writeMonorepo({
      backend: [
        {
          name: '@backstage/backend-common',
          version: '0.24.0',
          backstage: { role: 'node-library' },
        },
        {
          name: '@acme/plugin-legacy-backend',
          version: '1.0.0',
          backstage: { role: 'backend-plugin', pluginId: 'legacy' },
        },
        {
          name: '@backstage/backend-defaults',
          version: '0.13.0',
          backstage: { role: 'node-library' },
        },
      ],
      locked: [
        {
          path: 'node_modules/@backstage/backend-defaults/node_modules/@backstage/backend-tasks',
          version: '0.5.0',
        },
      ],
    });
    registry = await startRegistry({
      // The package is retired: its latest release carries the deprecation.
      '@backstage/backend-common': {
        latest: '0.25.0',
        versions: {
          '0.24.0': { time: daysAgo(200) },
          '0.25.0': { time: daysAgo(100), deprecated: 'Use @backstage/backend-defaults instead' },
        },
      },
      // The installed version itself is deprecated.
      '@acme/plugin-legacy-backend': {
        latest: '1.0.1',
        versions: {
          '1.0.0': { time: daysAgo(50), deprecated: '1.0.0 leaks tokens, upgrade to 1.0.1' },
          '1.0.1': { time: daysAgo(40) },
        },
      },
      '@backstage/backend-defaults': {
        latest: '0.13.0',
        versions: { '0.13.0': { time: daysAgo(20) } },
      },
      '@backstage/backend-tasks': {
        latest: '0.6.1',
        versions: {
          '0.5.0': { time: daysAgo(300) },
          '0.6.1': { time: daysAgo(250), deprecated: 'Use the scheduler service' },
        },
      },
    });
  });
  afterAll(async () => {
    await registry.close();
    await removeDir(root);
  });

  it('reports deprecated installed versions and retired packages, transitive ones as low', async () => {
    const { results } = await runPluginsCheck('plugins/deprecated-package', {
      root,
      registry: registry.url,
      installedPlugins: [{ pluginId: 'legacy' }],
    });
    const found = Object.fromEntries(results.map(r => [r.location, r]));
    expect(Object.keys(found).sort()).toEqual([
      '@acme/plugin-legacy-backend',
      '@backstage/backend-common',
      '@backstage/backend-tasks',
    ]);
    expect(found['@acme/plugin-legacy-backend'].outcome).toBe('fail');
    expect(found['@acme/plugin-legacy-backend'].severity).toBeUndefined();
    expect(found['@acme/plugin-legacy-backend'].message).toContain('1.0.0 leaks tokens');
    expect(found['@backstage/backend-common'].evidence).toMatchObject({
      deprecation: 'Use @backstage/backend-defaults instead',
      latest: '0.25.0',
    });
    expect(found['@backstage/backend-tasks']).toMatchObject({ severity: 'low' });
    expect(found['@backstage/backend-tasks'].message).toContain(
      'transitive dependency via @backstage/backend-defaults',
    );
  });

  it('has nothing to say without registry data', async () => {
    const { results } = await runPluginsCheck('plugins/deprecated-package', {
      root,
      registry: await unreachableUrl(),
    });
    expect(results).toEqual([expect.objectContaining({ outcome: 'notApplicable' })]);
  });
});
