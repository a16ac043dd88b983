import {
  daysAgo,
  removeDir,
  runPluginsCheck,
  startRegistry,
  StandInServer,
  testBundledData,
  writeMonorepo,
} from './testHelpers';

// The app loads a community plugin that pulls in an old `fetch-helper` (nested, not hoisted); the
// repository root's dev tooling pulls in an old `bundler-kit`. Both have advisories.
describe('attribution of transitive advisories (plugins/known-vulnerability)', () => {
  let root: string;
  let registry: StandInServer;

  beforeAll(async () => {
    root = await writeMonorepo({
      graph: { rootDevDependencies: { 'build-tools': '^1.0.0' } },
      app: [{ name: '@acme/backstage-plugin-widgets', version: '2.0.1' }],
      locked: [
        {
          path: 'node_modules/@acme/backstage-plugin-widgets',
          version: '2.0.1',
          dependencies: { 'http-client': '^3.0.0' },
        },
        {
          path: 'node_modules/http-client',
          version: '3.2.0',
          dependencies: { 'fetch-helper': '^1.0.0' },
        },
        // The hoisted copy is fixed; the plugin's nested one is not.
        { path: 'node_modules/fetch-helper', version: '2.0.0' },
        { path: 'node_modules/http-client/node_modules/fetch-helper', version: '1.4.0' },
        {
          path: 'node_modules/build-tools',
          version: '1.1.0',
          dev: true,
          dependencies: { 'bundler-kit': '^0.9.0' },
        },
        { path: 'node_modules/bundler-kit', version: '0.9.3', dev: true },
      ],
    });
    registry = await startRegistry({
      '@acme/backstage-plugin-widgets': {
        latest: '2.0.1',
        versions: { '2.0.1': { time: daysAgo(30) } },
      },
    });
  });
  afterAll(async () => {
    await registry.close();
    await removeDir(root);
  });

  const bundled = () => {
    const data = testBundledData();
    data.advisories!.advisories.push(
      {
        id: 'GHSA-2222-3333-5555',
        severity: 'high',
        summary: 'Header injection in fetch-helper',
        affected: [
          { package: 'fetch-helper', ranges: [{ vulnerable: '<1.5.0', patched: '1.5.0' }] },
        ],
      },
      {
        id: 'GHSA-2222-3333-6666',
        severity: 'critical',
        summary: 'Code execution in bundler-kit',
        affected: [
          { package: 'bundler-kit', ranges: [{ vulnerable: '<1.0.0', patched: '1.0.0' }] },
        ],
      },
    );
    return data;
  };

  it('names the plugin that pulls a runtime copy in, with the path, at the advisory severity', async () => {
    const { results } = await runPluginsCheck('plugins/known-vulnerability', {
      root,
      registry: registry.url,
      bundled: bundled(),
    });
    const helper = results.find(r => r.location === 'fetch-helper')!;
    expect(helper).toMatchObject({ severity: 'high', target: { version: '1.4.0' } });
    expect(helper.evidence).toMatchObject({
      scope: 'runtime',
      pulledInBy: ['@acme/backstage-plugin-widgets'],
      dependencyPaths: [
        'packages/app › @acme/backstage-plugin-widgets › http-client › fetch-helper@1.4.0 (dependencies)',
      ],
      relation: 'transitive dependency pulled in by @acme/backstage-plugin-widgets',
      severityLoweredFrom: null,
    });
    expect(helper.message).toContain(
      'Pulled in by @acme/backstage-plugin-widgets: packages/app › @acme/backstage-plugin-widgets › http-client › fetch-helper@1.4.0 (dependencies).',
    );
  });

  it('lowers a development-only copy to low and says why', async () => {
    const { results } = await runPluginsCheck('plugins/known-vulnerability', {
      root,
      registry: registry.url,
      bundled: bundled(),
    });
    const kit = results.find(r => r.location === 'bundler-kit')!;
    expect(kit).toMatchObject({ severity: 'low' });
    expect(kit.evidence).toMatchObject({
      scope: 'development',
      pulledInBy: ['build-tools'],
      severityLoweredFrom: 'critical',
      dependencyPaths: [
        'package-lock.json root › build-tools › bundler-kit@0.9.3 (devDependencies)',
      ],
    });
    expect(kit.message).toContain(
      'Severity lowered from critical to low: only a development tool (reached only through devDependencies',
    );
  });

  it('publishes the paths in the inventory for the Plugins view', async () => {
    const { published } = await runPluginsCheck('plugins/inventory', {
      root,
      registry: registry.url,
      bundled: bundled(),
    });
    const helper = published.inventory.packages.find((p: any) => p.name === 'fetch-helper');
    expect(helper).toMatchObject({
      scope: 'runtime',
      pulledInBy: ['@acme/backstage-plugin-widgets'],
      dependencyPaths: [
        {
          version: '1.4.0',
          lockfile: 'package-lock.json',
          workspace: 'packages/app',
          via: 'dependencies',
          chain: ['@acme/backstage-plugin-widgets', 'http-client', 'fetch-helper'],
          runtime: true,
        },
      ],
    });
  });
});
