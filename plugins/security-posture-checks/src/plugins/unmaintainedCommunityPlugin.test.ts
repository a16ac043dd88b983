import {
  daysAgo,
  removeDir,
  runPluginsCheck,
  startRegistry,
  StandInServer,
  writeMonorepo,
} from './testHelpers';

describe('plugins/unmaintained-community-plugin', () => {
  let root: string;
  let registry: StandInServer;

  beforeAll(async () => {
    root = await writeMonorepo({
      backend: [
        {
          name: '@acme/plugin-stale-backend',
          version: '1.0.0',
          backstage: { role: 'backend-plugin', pluginId: 'stale' },
        },
        {
          name: '@backstage/plugin-app-backend',
          version: '0.5.18',
          backstage: { role: 'backend-plugin', pluginId: 'app' },
        },
      ],
      app: [
        { name: '@roadiehq/backstage-plugin-fresh', version: '2.0.0' },
        { name: '@internal/plugin-private', version: '1.0.0' },
      ],
    });
    registry = await startRegistry({
      // Last release 120 days ago, although an older version was published before.
      '@acme/plugin-stale-backend': {
        latest: '1.0.0',
        versions: { '0.9.0': { time: daysAgo(300) }, '1.0.0': { time: daysAgo(120) } },
      },
      '@roadiehq/backstage-plugin-fresh': {
        latest: '2.0.0',
        versions: { '2.0.0': { time: daysAgo(30) } },
      },
      // Core packages are not judged by the 90-day rule.
      '@backstage/plugin-app-backend': {
        latest: '0.5.18',
        versions: { '0.5.18': { time: daysAgo(200) } },
      },
    });
  });
  afterAll(async () => {
    await registry.close();
    await removeDir(root);
  });

  const installedPlugins = [{ pluginId: 'stale' }, { pluginId: 'app' }];

  it('warns about community plugins without a release in 90 days', async () => {
    const { results } = await runPluginsCheck('plugins/unmaintained-community-plugin', {
      root,
      registry: registry.url,
      installedPlugins,
    });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      outcome: 'fail',
      location: '@acme/plugin-stale-backend',
      title: '@acme/plugin-stale-backend: no release for 120 days',
    });
    expect(results[0].evidence).toMatchObject({ daysWithoutRelease: 120, staleAfterDays: 90 });
  });

  it('uses the configured threshold', async () => {
    const { results } = await runPluginsCheck('plugins/unmaintained-community-plugin', {
      root,
      registry: registry.url,
      installedPlugins,
      options: { staleAfterDays: 20 },
    });
    expect(results.map(r => r.location).sort()).toEqual([
      '@acme/plugin-stale-backend',
      '@roadiehq/backstage-plugin-fresh',
    ]);
  });

  it('passes when every community plugin released recently', async () => {
    const { results } = await runPluginsCheck('plugins/unmaintained-community-plugin', {
      root,
      registry: registry.url,
      installedPlugins,
      options: { staleAfterDays: 365 },
    });
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'pass',
        message: '2 community plugins released within 365 days',
      }),
    ]);
  });
});
