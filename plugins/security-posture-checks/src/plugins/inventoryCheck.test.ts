import fs from 'node:fs/promises';
import path from 'node:path';
import { PluginInventory } from '@security-posture/plugin-security-posture-common';
import {
  daysAgo,
  removeDir,
  runPluginsCheck,
  startRegistry,
  StandInServer,
  unreachableUrl,
  writeMonorepo,
} from './testHelpers';

describe('plugins/inventory', () => {
  let root: string;
  let registry: StandInServer;

  beforeAll(async () => {
    root = await writeMonorepo({
      backstageRelease: '1.55.0',
      backend: [
        {
          name: '@backstage/plugin-scaffolder-backend',
          version: '3.1.0',
          backstage: { role: 'backend-plugin', pluginId: 'scaffolder' },
        },
      ],
      app: [{ name: '@backstage/plugin-techdocs', version: '0.9.2' }],
    });
    registry = await startRegistry({
      '@backstage/plugin-scaffolder-backend': {
        latest: '3.2.0',
        versions: {
          '3.1.0': { time: daysAgo(100) },
          '3.1.5': { time: daysAgo(60) },
          '3.2.0': { time: daysAgo(10) },
        },
      },
    });
  });
  afterAll(async () => {
    await registry.close();
    await removeDir(root);
  });

  it('publishes the inventory with versions, staleness, advisories and data sources', async () => {
    const { results, published } = await runPluginsCheck('plugins/inventory', {
      root,
      registry: registry.url,
      installedPlugins: [{ pluginId: 'scaffolder' }],
    });
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'pass',
        message:
          '1 backend plugins and 0 modules (1 loaded), 1 frontend plugins and 0 @backstage libraries inventoried (Backstage 1.55.0)',
      }),
    ]);
    const inventory: PluginInventory = published.inventory;
    expect(inventory.backstageRelease).toBe('1.55.0');
    expect(inventory.registry).toEqual({ url: registry.url, status: 'live' });
    expect(inventory.advisorySources.map(s => `${s.name}:${s.status}`)).toEqual([
      'bundled:ok',
      'npm:disabled',
      'osv:disabled',
      'github:disabled',
    ]);
    const scaffolder = inventory.packages.find(
      p => p.name === '@backstage/plugin-scaffolder-backend',
    )!;
    expect(scaffolder).toMatchObject({
      kind: 'backend-plugin',
      pluginId: 'scaffolder',
      core: true,
      loaded: true,
      foundIn: ['backend', 'lockfile'],
      installedVersions: ['3.1.0'],
      latest: '3.2.0',
      behind: { major: 0, minor: 1, patch: 0, releases: 2, breaking: false },
      installedPublishedAt: daysAgo(100),
      lastPublishedAt: daysAgo(10),
      dataSource: 'registry',
    });
    expect(
      scaffolder.advisories.map(a => [a.id, a.firstPatchedVersion, a.recommendedVersion]),
    ).toEqual([
      ['GHSA-rq6q-wr2q-7pgp', '3.1.1', '3.1.5'],
      ['GHSA-8wq8-6859-qx77', '3.1.5', '3.1.5'],
    ]);
    // Not in this registry: no staleness data, said so.
    const techdocs = inventory.packages.find(p => p.name === '@backstage/plugin-techdocs')!;
    expect(techdocs).toMatchObject({ kind: 'frontend-plugin', loaded: false, dataSource: 'none' });
  });

  it('publishes an offline inventory from the bundled data without failing', async () => {
    const { results, published } = await runPluginsCheck('plugins/inventory', {
      root,
      registry: await unreachableUrl(),
      installedPlugins: [{ pluginId: 'scaffolder' }],
    });
    expect(results[0].outcome).toBe('pass');
    const inventory: PluginInventory = published.inventory;
    expect(inventory.registry.status).toBe('offline');
    expect(inventory.registry.snapshotAsOf).toBeUndefined();
    expect(
      inventory.packages.find(p => p.name === '@backstage/plugin-scaffolder-backend')!.advisories,
    ).toHaveLength(2);
  });

  it('is not applicable when no package manifest is found', async () => {
    const empty = await writeMonorepo({});
    await fs.rm(path.join(empty, 'packages'), { recursive: true });
    try {
      const { results } = await runPluginsCheck('plugins/inventory', {
        root: empty,
        registry: registry.url,
      });
      expect(results).toEqual([expect.objectContaining({ outcome: 'notApplicable' })]);
    } finally {
      await removeDir(empty);
    }
  });
});
