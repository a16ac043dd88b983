import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { resolvePluginsOptions } from './options';
import { removeDir, writeMonorepo } from './testHelpers';

describe('resolvePluginsOptions', () => {
  let root: string;
  beforeAll(async () => {
    root = await writeMonorepo({ backstageRelease: '1.55.0' });
  });
  afterAll(() => removeDir(root));

  const resolve = (opts: {
    own?: object;
    shared?: object;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
  }) =>
    resolvePluginsOptions({
      own: new ConfigReader((opts.own ?? {}) as any),
      config: new ConfigReader({
        securityPosture: {
          checks: { plugins: { inventory: { options: opts.shared ?? {} } } },
        },
      } as any),
      cwd: opts.cwd ?? path.join(root, 'packages/backend'),
      env: opts.env ?? {},
    });

  it('finds a standard monorepo from the backend working directory', async () => {
    const options = await resolve({});
    expect(options.rootDir).toBe(root);
    expect(options.backendDir).toBe(path.join(root, 'packages/backend'));
    expect(options.appManifest).toBe(path.join(root, 'packages/app/package.json'));
    expect(options.backendLockfile).toBe(path.join(root, 'package-lock.json'));
    expect(options.appLockfile).toBe(path.join(root, 'package-lock.json'));
    expect(options.backstageJson).toBe(path.join(root, 'backstage.json'));
    expect(options.staleAfterDays).toBe(90);
    // OSV is on out of the box; the registry's bulk endpoint and GitHub are opt-in.
    expect(options.advisorySources).toEqual({
      npm: false,
      osv: {
        baseUrl: 'https://api.osv.dev',
        concurrency: 4,
        maxVulnerabilities: 2000,
      },
      github: undefined,
    });
  });

  it('switches OSV off with one key (air-gapped deployments)', async () => {
    const options = await resolve({
      shared: { advisorySources: { osv: { enabled: false } } },
    });
    expect(options.advisorySources.osv).toBeUndefined();
  });

  it('resolves configured paths against the repository root; own options win over shared', async () => {
    const options = await resolve({
      shared: {
        appPackage: 'dev/fixtures/app',
        appLockfile: 'dev/fixtures/app/yarn.lock',
        staleAfterDays: 30,
      },
      own: { staleAfterDays: 60 },
      cwd: root,
    });
    expect(options.appManifest).toBe(path.join(root, 'dev/fixtures/app/package.json'));
    expect(options.appLockfile).toBe(path.join(root, 'dev/fixtures/app/yarn.lock'));
    expect(options.staleAfterDays).toBe(60);
  });

  it('takes the registry from options, else the npm environment, else .npmrc, else npmjs', async () => {
    await fs.writeFile(path.join(root, '.npmrc'), 'registry=https://npm.corp.example/\n');
    try {
      expect((await resolve({ own: { registry: 'https://mirror.example' } })).registry).toBe(
        'https://mirror.example',
      );
      const fromEnv = await resolve({
        env: { npm_config_registry: 'https://env.example/' },
      });
      expect([fromEnv.registry, fromEnv.registryFrom]).toEqual(['https://env.example/', 'env']);
      const fromNpmrc = await resolve({});
      expect([fromNpmrc.registry, fromNpmrc.registryFrom]).toEqual([
        'https://npm.corp.example/',
        '.npmrc',
      ]);
    } finally {
      await fs.rm(path.join(root, '.npmrc'));
    }
  });

  it('enables the other live advisory sources only when configured', async () => {
    const options = await resolve({
      shared: {
        advisorySources: {
          npm: { enabled: true },
          osv: { baseUrl: 'http://osv.internal:8080', concurrency: 40 },
          github: {
            enabled: true,
            baseUrl: 'https://ghe.example/api/v3',
            token: 'ghp_x',
          },
        },
        registryCacheTtl: { minutes: 5 },
        requestTimeout: { seconds: 3 },
      },
    });
    expect(options.advisorySources).toEqual({
      npm: true,
      // Concurrency is capped at 16.
      osv: {
        baseUrl: 'http://osv.internal:8080',
        concurrency: 16,
        maxVulnerabilities: 2000,
      },
      github: { baseUrl: 'https://ghe.example/api/v3', token: 'ghp_x' },
    });
    expect(options.registryCacheTtlMs).toBe(5 * 60 * 1000);
    expect(options.requestTimeoutMs).toBe(3000);
  });
});
