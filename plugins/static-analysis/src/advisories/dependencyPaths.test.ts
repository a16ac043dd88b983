import { parseNpmLockfile } from './lockfile';

// A workspace monorepo as npm 7+ records it: the app needs a plugin that needs a nested old copy
// of `tiny-lib`, the backend a hoisted copy through a workspace library, the root a dev tool.
const lockfile = JSON.stringify({
  name: 'root',
  lockfileVersion: 3,
  packages: {
    '': {
      name: 'root',
      workspaces: ['packages/*', 'plugins/*'],
      devDependencies: { 'dev-tool': '^1.0.0' },
    },
    'packages/app': {
      name: 'app',
      version: '0.0.0',
      dependencies: { '@acme/plugin-widgets': '^2.0.0' },
    },
    'packages/backend': {
      name: 'backend',
      version: '0.0.0',
      dependencies: { '@internal/lib': '0.1.0' },
      devDependencies: { 'test-kit': '^3.0.0' },
    },
    'plugins/lib': {
      name: '@internal/lib',
      version: '0.1.0',
      dependencies: { 'tiny-lib': '^2.0.0' },
    },
    'node_modules/app': { resolved: 'packages/app', link: true },
    'node_modules/backend': { resolved: 'packages/backend', link: true },
    'node_modules/@internal/lib': { resolved: 'plugins/lib', link: true },
    'node_modules/@acme/plugin-widgets': {
      version: '2.0.1',
      dependencies: { 'fetch-helper': '^1.0.0' },
    },
    'node_modules/@acme/plugin-widgets/node_modules/fetch-helper': {
      version: '1.4.0',
      dependencies: { 'tiny-lib': '^1.0.0' },
    },
    'node_modules/@acme/plugin-widgets/node_modules/tiny-lib': { version: '1.0.0' },
    'node_modules/tiny-lib': { version: '2.1.0' },
    'node_modules/dev-tool': {
      version: '1.2.0',
      dev: true,
      dependencies: { 'tiny-lib': '^2.0.0' },
    },
    'node_modules/test-kit': {
      version: '3.0.0',
      dev: true,
      dependencies: { 'dev-tool': '^1.0.0' },
    },
  },
});

describe('dependency paths of an npm lockfile', () => {
  const graph = parseNpmLockfile(lockfile).dependencyGraph!()!;

  it('follows Node resolution to a nested copy: the plugin that pulls it in', () => {
    expect(graph.pathsTo('node_modules/@acme/plugin-widgets/node_modules/tiny-lib')).toEqual([
      {
        workspace: 'packages/app',
        via: 'dependencies',
        chain: ['@acme/plugin-widgets', 'fetch-helper', 'tiny-lib'],
      },
    ]);
  });

  it('finds every workspace and list a hoisted copy is reached from, shortest first', () => {
    expect(graph.pathsTo('node_modules/tiny-lib')).toEqual([
      { workspace: 'plugins/lib', via: 'dependencies', chain: ['tiny-lib'] },
      // Through the workspace link, the backend's own dependency.
      { workspace: 'packages/backend', via: 'dependencies', chain: ['@internal/lib', 'tiny-lib'] },
      { workspace: '', via: 'devDependencies', chain: ['dev-tool', 'tiny-lib'] },
      {
        workspace: 'packages/backend',
        via: 'devDependencies',
        chain: ['test-kit', 'dev-tool', 'tiny-lib'],
      },
    ]);
  });

  it('answers nothing for an unknown path, and v1 lockfiles have no graph', () => {
    expect(graph.pathsTo('node_modules/nope')).toEqual([]);
    const v1 = parseNpmLockfile(
      JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: '1.0.0' } } }),
    );
    expect(v1.dependencyGraph!()).toBeUndefined();
  });
});
