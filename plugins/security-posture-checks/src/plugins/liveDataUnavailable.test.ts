import {
  daysAgo,
  removeDir,
  runPluginsCheck,
  startRegistry,
  startStandIn,
  StandInServer,
  testBundledData,
  unreachableUrl,
  writeMonorepo,
} from './testHelpers';
import { osvRecord, startOsvStandIn } from './osvStandIn';

describe('plugins/live-data-unavailable', () => {
  let root: string;
  let registry: StandInServer;

  beforeAll(async () => {
    root = await writeMonorepo({
      backend: [
        {
          name: '@backstage/plugin-app-backend',
          version: '0.5.18',
          backstage: { role: 'backend-plugin', pluginId: 'app' },
        },
      ],
    });
    registry = await startRegistry({
      '@backstage/plugin-app-backend': {
        latest: '0.5.18',
        versions: { '0.5.18': { time: daysAgo(10) } },
      },
    });
  });
  afterAll(async () => {
    await registry.close();
    await removeDir(root);
  });

  it('passes when the registry answers', async () => {
    const { results } = await runPluginsCheck('plugins/live-data-unavailable', {
      root,
      registry: registry.url,
      installedPlugins: [{ pluginId: 'app' }],
    });
    expect(results).toEqual([expect.objectContaining({ outcome: 'pass' })]);
  });

  it('turns a registry outage into an error outcome naming the snapshot used instead', async () => {
    const bundled = testBundledData();
    bundled.snapshot!.packages['@backstage/plugin-app-backend'] = {
      latest: '0.5.18',
      versions: { '0.5.18': '2026-09-01' },
    };
    const { results } = await runPluginsCheck('plugins/live-data-unavailable', {
      root,
      registry: await unreachableUrl(),
      installedPlugins: [{ pluginId: 'app' }],
      bundled,
    });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      outcome: 'error',
      title: expect.stringMatching(/^Partial data: npm registry/),
    });
    expect(results[0].message).toMatch(
      /did not answer \(.+\); 1 of 1 packages assessed 1 from the bundled snapshot of 2026-10-30/,
    );
  });

  it('reports OSV answering in part: the scan is partial and the bundled data covers the rest', async () => {
    const record = osvRecord({
      id: 'GHSA-9999-8888-7777',
      pkg: '@backstage/plugin-app-backend',
      ranges: [['0', '0.6.0']],
    });
    // querybatch answers; reading the record fails.
    const osv = await startOsvStandIn([record], {
      recordAnswer: () => ({
        status: 500,
        body: { code: 13, message: 'internal' },
      }),
    });
    try {
      const { results, published } = await runPluginsCheck('plugins/live-data-unavailable', {
        root,
        registry: registry.url,
        installedPlugins: [{ pluginId: 'app' }],
        options: { advisorySources: { osv: { baseUrl: osv.url } } },
      });
      expect(results).toEqual([
        expect.objectContaining({
          outcome: 'error',
          title: 'Partial data: osv advisory source answered in part',
          message: expect.stringContaining(
            `vulnerability GHSA-9999-8888-7777: ${osv.url} answered 500 Internal Server Error); 1 of 1 package versions answered; the bundled advisory dataset of 2026-11-01 covers the rest`,
          ),
        }),
      ]);
      expect(published).toEqual({});
    } finally {
      await osv.close();
    }
  });

  it('warns when the bundled advisory dataset is more than 30 days old', async () => {
    const bundled = testBundledData();
    bundled.advisories!.compiledAt = '2026-10-01';
    const { results } = await runPluginsCheck('plugins/live-data-unavailable', {
      root,
      registry: registry.url,
      installedPlugins: [{ pluginId: 'app' }],
      bundled,
    });
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'low',
        title: 'Bundled advisory dataset is 59 days old',
        message: expect.stringContaining('No live advisory source answered in this scan'),
      }),
    ]);
    // A fresh one (28 days) is no finding.
    const fresh = await runPluginsCheck('plugins/live-data-unavailable', {
      root,
      registry: registry.url,
      installedPlugins: [{ pluginId: 'app' }],
    });
    expect(fresh.results).toEqual([expect.objectContaining({ outcome: 'pass' })]);
  });

  it('keeps the age warning informational when OSV answered', async () => {
    const osv = await startOsvStandIn([]);
    try {
      const bundled = testBundledData();
      bundled.advisories!.compiledAt = '2026-10-01';
      const { results } = await runPluginsCheck('plugins/live-data-unavailable', {
        root,
        registry: registry.url,
        installedPlugins: [{ pluginId: 'app' }],
        bundled,
        options: { advisorySources: { osv: { baseUrl: osv.url } } },
      });
      expect(results).toEqual([
        expect.objectContaining({
          outcome: 'fail',
          severity: 'info',
          message: expect.stringContaining('osv answered in this scan'),
        }),
      ]);
    } finally {
      await osv.close();
    }
  });

  it('reports a configured advisory source that fails, while the registry answers', async () => {
    const osv = await startStandIn(() => ({
      status: 500,
      body: { error: 'boom' },
    }));
    try {
      const { results } = await runPluginsCheck('plugins/live-data-unavailable', {
        root,
        registry: registry.url,
        installedPlugins: [{ pluginId: 'app' }],
        options: {
          advisorySources: { osv: { enabled: true, baseUrl: osv.url } },
        },
      });
      expect(results).toEqual([
        expect.objectContaining({
          outcome: 'error',
          location: 'osv advisory source',
          message: expect.stringContaining('bundled advisory dataset of 2026-11-01'),
        }),
      ]);
    } finally {
      await osv.close();
    }
  });
});
