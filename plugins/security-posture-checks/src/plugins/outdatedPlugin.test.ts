import {
  daysAgo,
  removeDir,
  runPluginsCheck,
  startRegistry,
  StandInServer,
  testBundledData,
  unreachableUrl,
  writeMonorepo,
} from './testHelpers';

describe('plugins/outdated-plugin', () => {
  let root: string;
  let registry: StandInServer;

  const packuments = {
    '@backstage/plugin-catalog-backend': {
      latest: '4.0.5',
      versions: {
        '3.0.0': { time: daysAgo(400) },
        '3.5.0': { time: daysAgo(200) },
        '4.0.0': { time: daysAgo(90) },
        '4.0.5': { time: daysAgo(10) },
        '5.0.0-next.0': { time: daysAgo(2) },
      },
    },
    '@backstage/plugin-catalog-backend-module-logs': {
      latest: '0.1.28',
      versions: { '0.1.26': { time: daysAgo(73) }, '0.1.28': { time: daysAgo(5) } },
    },
    '@backstage/plugin-techdocs': {
      latest: '0.10.1',
      versions: { '0.9.2': { time: daysAgo(500) }, '0.10.1': { time: daysAgo(300) } },
    },
    '@backstage/plugin-org': { latest: '0.7.8', versions: { '0.7.8': { time: daysAgo(30) } } },
  };

  beforeAll(async () => {
    root = await writeMonorepo({
      backend: [
        {
          name: '@backstage/plugin-catalog-backend',
          version: '3.0.0',
          backstage: { role: 'backend-plugin', pluginId: 'catalog' },
        },
        {
          name: '@backstage/plugin-catalog-backend-module-logs',
          version: '0.1.26',
          backstage: { role: 'backend-plugin-module', pluginId: 'catalog' },
        },
      ],
      app: [
        { name: '@backstage/plugin-techdocs', version: '0.9.2' },
        { name: '@backstage/plugin-org', version: '0.7.8' },
      ],
    });
    registry = await startRegistry(packuments);
  });
  afterAll(async () => {
    await registry.close();
    await removeDir(root);
  });

  const installedPlugins = [{ pluginId: 'catalog', modules: [{ moduleId: 'logs' }] }];
  const byName = (results: Awaited<ReturnType<typeof runPluginsCheck>>['results']) =>
    Object.fromEntries(results.map(r => [r.location, r]));

  it('measures version drift by major, minor and patch', async () => {
    const { results } = await runPluginsCheck('plugins/outdated-plugin', {
      root,
      registry: registry.url,
      installedPlugins,
    });
    const found = byName(results);
    expect(Object.keys(found).sort()).toEqual([
      '@backstage/plugin-catalog-backend',
      '@backstage/plugin-catalog-backend-module-logs',
      '@backstage/plugin-techdocs',
    ]);
    // A major behind: the check's severity; prereleases are not counted as releases.
    expect(found['@backstage/plugin-catalog-backend'].outcome).toBe('fail');
    expect(found['@backstage/plugin-catalog-backend'].severity).toBeUndefined();
    expect(found['@backstage/plugin-catalog-backend'].evidence).toMatchObject({
      majorsBehind: 1,
      releasesBehind: 3,
      breaking: true,
      latest: '4.0.5',
    });
    expect(found['@backstage/plugin-catalog-backend'].message).toContain(
      'the installed version is 400 days old',
    );
    // Two patches behind: compatible, reported as info.
    expect(found['@backstage/plugin-catalog-backend-module-logs']).toMatchObject({
      severity: 'info',
    });
    expect(found['@backstage/plugin-catalog-backend-module-logs'].evidence).toMatchObject({
      majorsBehind: 0,
      minorsBehind: 0,
      patchesBehind: 2,
      breaking: false,
    });
    // A minor of a 0.x package is breaking.
    expect(found['@backstage/plugin-techdocs'].evidence).toMatchObject({
      minorsBehind: 1,
      breaking: true,
    });
    expect(found['@backstage/plugin-techdocs'].message).toContain('(frontend plugin of the app)');
  });

  it('says how old its data is when the registry is down and the snapshot answers', async () => {
    const bundled = testBundledData();
    bundled.snapshot = {
      generatedAt: daysAgo(30),
      registry: 'https://registry.npmjs.org',
      packages: {
        '@backstage/plugin-catalog-backend': {
          latest: '4.0.0',
          versions: { '3.0.0': '2025-10-25', '4.0.0': '2026-09-01' },
        },
      },
    };
    const { results } = await runPluginsCheck('plugins/outdated-plugin', {
      root,
      registry: await unreachableUrl(),
      installedPlugins,
      bundled,
    });
    expect(results).toHaveLength(1);
    expect(results[0].message).toContain(
      `registry unreachable: data from the bundled snapshot of ${daysAgo(30).slice(
        0,
        10,
      )} (30 days old)`,
    );
    expect(results[0].evidence).toMatchObject({ dataSource: 'bundled', latest: '4.0.0' });
  });

  it('passes when every plugin is on its latest release', async () => {
    const current = await writeMonorepo({
      app: [{ name: '@backstage/plugin-org', version: '0.7.8' }],
    });
    try {
      const { results } = await runPluginsCheck('plugins/outdated-plugin', {
        root: current,
        registry: registry.url,
      });
      expect(results).toEqual([expect.objectContaining({ outcome: 'pass' })]);
    } finally {
      await removeDir(current);
    }
  });
});
