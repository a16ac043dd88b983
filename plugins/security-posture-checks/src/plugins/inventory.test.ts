import fs from 'node:fs/promises';
import path from 'node:path';
import { buildInventory, looksLikeFrontendPlugin, pluginIdFromName } from './inventory';
import { removeDir, writeMonorepo } from './testHelpers';

describe('package naming', () => {
  it.each([
    ['@backstage/plugin-catalog-backend', 'catalog'],
    ['@backstage/plugin-catalog-backend-module-logs', 'catalog'],
    ['@roadiehq/backstage-plugin-github-insights', 'github-insights'],
    ['@backstage/plugin-techdocs', 'techdocs'],
    ['@backstage/backend-defaults', undefined],
  ])('plugin id of %s is %s', (name, id) => {
    expect(pluginIdFromName(name)).toBe(id);
  });

  it('tells frontend plugins by name when no manifest can be read', () => {
    expect(looksLikeFrontendPlugin('@backstage/plugin-techdocs')).toBe(true);
    expect(looksLikeFrontendPlugin('@roadiehq/backstage-plugin-github-insights')).toBe(true);
    expect(looksLikeFrontendPlugin('@backstage/plugin-catalog-react')).toBe(false);
    expect(looksLikeFrontendPlugin('@backstage/plugin-catalog-backend-module-logs')).toBe(false);
    expect(looksLikeFrontendPlugin('@backstage/core-components')).toBe(false);
  });
});

describe('buildInventory', () => {
  let root: string;
  afterEach(() => removeDir(root));

  const backend = [
    {
      name: '@backstage/plugin-catalog-backend',
      version: '4.0.0',
      backstage: { role: 'backend-plugin', pluginId: 'catalog' },
    },
    {
      name: '@backstage/plugin-catalog-backend-module-logs',
      version: '0.1.26',
      backstage: { role: 'backend-plugin-module', pluginId: 'catalog' },
    },
    {
      // A module whose name does not follow the convention: its id is read from its code.
      name: '@acme/catalog-extras',
      version: '1.2.0',
      backstage: { role: 'backend-plugin-module', pluginId: 'catalog' },
      distSource:
        'exports.m = createBackendModule({ pluginId: "catalog", moduleId: "acme-extras" });',
    },
    {
      // Installed but the backend does not report it: not loaded.
      name: '@backstage/plugin-scaffolder-backend',
      version: '3.1.0',
      backstage: { role: 'backend-plugin', pluginId: 'scaffolder' },
    },
    { name: '@backstage/backend-defaults', version: '0.13.1', backstage: { role: 'node-library' } },
    { name: 'pg', version: '8.11.3' },
  ];

  it('maps installed plugins and modules to the packages Node resolves for the backend', async () => {
    root = await writeMonorepo({
      backstageRelease: '1.55.0',
      backend,
      app: [
        { name: '@backstage/plugin-techdocs', version: '0.9.2', range: '^0.9.0' },
        { name: '@backstage/core-components', version: '0.18.14' },
        { name: 'react', version: '18.3.1' },
      ],
      locked: [
        {
          path: 'node_modules/@backstage/plugin-techdocs/node_modules/@backstage/catalog-model',
          version: '0.7.9',
        },
        { path: 'node_modules/@backstage/catalog-model', version: '1.10.1' },
        { path: 'node_modules/@backstage/cli', version: '0.36.6', dev: true },
        { path: 'node_modules/left-pad', version: '1.3.0' },
      ],
    });
    const inventory = await buildInventory({
      rootDir: root,
      backendDir: path.join(root, 'packages/backend'),
      appManifest: path.join(root, 'packages/app/package.json'),
      backendLockfile: path.join(root, 'package-lock.json'),
      appLockfile: path.join(root, 'package-lock.json'),
      backstageJson: path.join(root, 'backstage.json'),
      installedPlugins: [
        {
          pluginId: 'catalog',
          modules: [{ moduleId: 'logs' }, { moduleId: 'acme-extras' }, { moduleId: 'local-thing' }],
        },
        { pluginId: 'security-posture', modules: [] },
      ],
    });
    const entry = (name: string) => inventory.entries.get(name)!;

    expect(inventory.backstageRelease).toBe('1.55.0');
    expect(inventory.sources).toMatchObject({
      backendPackage: 'packages/backend/package.json',
      appPackage: 'packages/app/package.json',
      lockfile: 'package-lock.json',
      lockfileFormat: 'npm',
      backstageJson: 'backstage.json',
    });
    expect(entry('@backstage/plugin-catalog-backend')).toMatchObject({
      kind: 'backend-plugin',
      pluginId: 'catalog',
      loaded: true,
    });
    expect(entry('@backstage/plugin-catalog-backend-module-logs')).toMatchObject({
      kind: 'backend-module',
      moduleId: 'logs',
      loaded: true,
    });
    expect(entry('@acme/catalog-extras')).toMatchObject({
      kind: 'backend-module',
      moduleId: 'acme-extras',
      loaded: true,
    });
    expect(entry('@backstage/plugin-scaffolder-backend')).toMatchObject({
      kind: 'backend-plugin',
      loaded: false,
      direct: true,
    });
    expect(entry('@backstage/backend-defaults')).toMatchObject({ kind: 'library', direct: true });
    expect([...entry('@backstage/backend-defaults').versions.keys()]).toEqual(['0.13.1']);
    expect(inventory.entries.has('pg')).toBe(false);
    // Modules defined in the backend package itself have no npm package.
    expect(inventory.unmappedFeatures).toEqual([
      { pluginId: 'catalog', moduleId: 'local-thing' },
      { pluginId: 'security-posture' },
    ]);

    expect(entry('@backstage/plugin-techdocs')).toMatchObject({
      kind: 'frontend-plugin',
      pluginId: 'techdocs',
      direct: true,
    });
    expect([...entry('@backstage/plugin-techdocs').versions.keys()]).toEqual(['0.9.2']);
    expect(entry('@backstage/core-components')).toMatchObject({ kind: 'library', direct: true });
    expect(inventory.entries.has('react')).toBe(false);

    // Lockfile copies: both catalog-model versions, the nested one transitive.
    expect([...entry('@backstage/catalog-model').versions.keys()].sort()).toEqual([
      '0.7.9',
      '1.10.1',
    ]);
    expect(entry('@backstage/catalog-model').direct).toBe(false);
    expect(entry('@backstage/cli')).toMatchObject({ lockedCopies: 1, devCopies: 1 });
    // Every copy is kept for advisory matching, third-party ones too.
    expect(inventory.locked.some(p => p.name === 'left-pad')).toBe(true);
    expect(inventory.warnings).toEqual([]);
  });

  it('reads app versions from a yarn.lock', async () => {
    root = await writeMonorepo({
      yarn: true,
      app: [{ name: '@backstage/plugin-techdocs', version: '0.9.2', range: '^0.9.0' }],
    });
    const inventory = await buildInventory({
      rootDir: root,
      appManifest: path.join(root, 'packages/app/package.json'),
      appLockfile: path.join(root, 'yarn.lock'),
      installedPlugins: [],
    });
    expect(inventory.sources.lockfileFormat).toBe('yarn-classic');
    expect([...inventory.entries.get('@backstage/plugin-techdocs')!.versions.keys()]).toEqual([
      '0.9.2',
    ]);
    expect(inventory.warnings).toContain(
      'no backend package found: backend plugins are reported by id only',
    );
  });

  it('parses an unchanged lockfile once across scans and reads a changed one again', async () => {
    root = await writeMonorepo({
      app: [{ name: '@backstage/plugin-techdocs', version: '0.9.2', range: '^0.9.0' }],
    });
    const lockfile = path.join(root, 'package-lock.json');
    const input = {
      rootDir: root,
      appManifest: path.join(root, 'packages/app/package.json'),
      appLockfile: lockfile,
      installedPlugins: [],
    };
    const first = await buildInventory(input);
    const second = await buildInventory(input);
    expect(second.lockfiles.get(lockfile)).toBe(first.lockfiles.get(lockfile));

    // A deployment upgrades the plugin: the next scan sees the new version.
    const lock = JSON.parse(await fs.readFile(lockfile, 'utf8'));
    lock.packages['node_modules/@backstage/plugin-techdocs'].version = '0.9.10';
    await fs.writeFile(lockfile, JSON.stringify(lock, null, 2));
    const third = await buildInventory(input);
    expect(third.lockfiles.get(lockfile)).not.toBe(first.lockfiles.get(lockfile));
    expect([...third.entries.get('@backstage/plugin-techdocs')!.versions.keys()]).toEqual([
      '0.9.10',
    ]);
  });

  it('reports unreadable inputs as warnings instead of failing', async () => {
    root = await writeMonorepo({});
    const inventory = await buildInventory({
      rootDir: root,
      backendDir: path.join(root, 'missing-backend'),
      appManifest: path.join(root, 'packages/app/package.json'),
      appLockfile: path.join(root, 'missing.lock'),
      installedPlugins: [{ pluginId: 'catalog', modules: [] }],
    });
    expect(inventory.warnings.join('\n')).toMatch(
      /backend package missing-backend\/package.json could not be read/,
    );
    expect(inventory.warnings.join('\n')).toMatch(/lockfile missing.lock could not be read/);
  });
});
