import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { findRepositoryRoot, findUpwards, exists, readManifest, readTextFile } from './manifests';
import { DEFAULT_REGISTRY, registryFromNpmrc } from './registry';

/** Where the shared options of the plugins checks live (the inventory check's options). */
export const SHARED_OPTIONS_KEY = 'securityPosture.checks.plugins.inventory.options';

const LOCKFILE_NAMES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock'];

export interface PluginsCheckOptions {
  rootDir: string;
  backendDir?: string;
  appManifest?: string;
  backendLockfile?: string;
  appLockfile?: string;
  backstageJson?: string;
  registry: string;
  /** Where the registry URL came from: `options`, `env`, `.npmrc` or `default`. */
  registryFrom: string;
  registryCacheTtlMs: number;
  requestTimeoutMs: number;
  concurrency: number;
  staleAfterDays: number;
  advisorySources: {
    npm: boolean;
    /** On unless `advisorySources.osv.enabled: false` (air-gapped deployments). */
    osv?: { baseUrl: string; concurrency: number; maxVulnerabilities: number };
    github?: { baseUrl: string; token?: string };
  };
}

/** Reads an option from the check's own options first, then from the shared ones. */
class OptionReader {
  constructor(private readonly own: Config, private readonly shared?: Config) {}

  private source(key: string): Config | undefined {
    if (this.own.has(key)) return this.own;
    return this.shared?.has(key) ? this.shared : undefined;
  }

  string(key: string): string | undefined {
    return this.source(key)?.getOptionalString(key);
  }

  number(key: string): number | undefined {
    return this.source(key)?.getOptionalNumber(key);
  }

  boolean(key: string): boolean | undefined {
    return this.source(key)?.getOptionalBoolean(key);
  }

  durationMs(key: string): number | undefined {
    const config = this.source(key);
    if (!config) return undefined;
    return durationToMilliseconds(readDurationFromConfig(config, { key }));
  }
}

async function asManifestPath(value: string): Promise<string> {
  return value.endsWith('.json') ? value : path.join(value, 'package.json');
}

/** The first `packages/*` package with the given Backstage role. */
async function findPackageWithRole(rootDir: string, role: string): Promise<string | undefined> {
  const preferred = path.join(rootDir, 'packages', role === 'backend' ? 'backend' : 'app');
  if (await exists(path.join(preferred, 'package.json'))) return preferred;
  try {
    for (const entry of await fs.readdir(path.join(rootDir, 'packages'))) {
      const file = path.join(rootDir, 'packages', entry, 'package.json');
      if (!(await exists(file))) continue;
      try {
        if ((await readManifest(file)).backstage?.role === role) return path.dirname(file);
      } catch {
        // unreadable manifest: skip it
      }
    }
  } catch {
    // no packages folder
  }
  return undefined;
}

/**
 * Resolves the options of the plugins checks: paths are relative to the repository root
 * (`rootDir`, else the closest folder upwards from the working directory with a
 * `backstage.json`); anything not configured is auto-detected in the standard monorepo layout.
 */
export async function resolvePluginsOptions(options: {
  own: Config;
  config: Config;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<PluginsCheckOptions> {
  const reader = new OptionReader(
    options.own,
    options.config.getOptionalConfig(SHARED_OPTIONS_KEY),
  );
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;

  const configuredRoot = reader.string('rootDir');
  const rootDir = configuredRoot
    ? path.resolve(cwd, configuredRoot)
    : (await findRepositoryRoot(cwd)) ?? cwd;
  const fromRoot = (p: string) => path.resolve(rootDir, p);

  let backendDir: string | undefined;
  const backendOption = reader.string('backendPackage');
  if (backendOption) {
    backendDir = path.dirname(await asManifestPath(fromRoot(backendOption)));
  } else {
    // The process usually runs from the backend package (dev: packages/backend, image: /app).
    const cwdManifest = path.join(cwd, 'package.json');
    let cwdRole: string | undefined;
    if (await exists(cwdManifest)) {
      cwdRole = await readManifest(cwdManifest).then(
        m => m.backstage?.role,
        () => undefined,
      );
    }
    backendDir = cwdRole === 'backend' ? cwd : await findPackageWithRole(rootDir, 'backend');
  }

  const appOption = reader.string('appPackage');
  let appManifest: string | undefined;
  if (appOption) {
    appManifest = await asManifestPath(fromRoot(appOption));
  } else {
    const appDir = await findPackageWithRole(rootDir, 'frontend');
    appManifest = appDir ? path.join(appDir, 'package.json') : undefined;
  }

  const lockfileOption = (key: string) => {
    const value = reader.string(key);
    return value ? fromRoot(value) : undefined;
  };
  const backendLockfile =
    lockfileOption('backendLockfile') ??
    (backendDir ? await findUpwards(backendDir, LOCKFILE_NAMES) : undefined);
  const appLockfile =
    lockfileOption('appLockfile') ??
    (appManifest ? await findUpwards(path.dirname(appManifest), LOCKFILE_NAMES) : undefined);

  let registry = reader.string('registry');
  let registryFrom = 'options';
  if (!registry && (env.npm_config_registry || env.NPM_CONFIG_REGISTRY)) {
    registry = env.npm_config_registry || env.NPM_CONFIG_REGISTRY;
    registryFrom = 'env';
  }
  if (!registry) {
    for (const npmrc of [path.join(rootDir, '.npmrc'), path.join(os.homedir(), '.npmrc')]) {
      if (!(await exists(npmrc))) continue;
      const fromFile = registryFromNpmrc(await readTextFile(npmrc, 256 * 1024).catch(() => ''));
      if (fromFile) {
        registry = fromFile;
        registryFrom = npmrc.startsWith(rootDir) ? '.npmrc' : '~/.npmrc';
        break;
      }
    }
  }
  if (!registry) {
    registry = DEFAULT_REGISTRY;
    registryFrom = 'default';
  }

  // OSV needs no credentials and sees the whole tree, third-party packages included: on by
  // default. The registry's bulk endpoint and GitHub stay opt-in (mirrors often lack the first,
  // the second rate-limits without a token).
  const osvEnabled = reader.boolean('advisorySources.osv.enabled') ?? true;
  const githubEnabled = reader.boolean('advisorySources.github.enabled') ?? false;

  return {
    rootDir,
    backendDir,
    appManifest,
    backendLockfile,
    appLockfile,
    backstageJson: path.join(rootDir, 'backstage.json'),
    registry,
    registryFrom,
    registryCacheTtlMs: reader.durationMs('registryCacheTtl') ?? 60 * 60 * 1000,
    requestTimeoutMs: reader.durationMs('requestTimeout') ?? 10 * 1000,
    concurrency: Math.max(1, Math.min(16, reader.number('registryConcurrency') ?? 8)),
    staleAfterDays: reader.number('staleAfterDays') ?? 90,
    advisorySources: {
      npm: reader.boolean('advisorySources.npm.enabled') ?? false,
      osv: osvEnabled
        ? {
            baseUrl: reader.string('advisorySources.osv.baseUrl') ?? 'https://api.osv.dev',
            concurrency: Math.max(
              1,
              Math.min(16, reader.number('advisorySources.osv.concurrency') ?? 4),
            ),
            maxVulnerabilities: Math.max(
              1,
              reader.number('advisorySources.osv.maxVulnerabilities') ?? 2000,
            ),
          }
        : undefined,
      github: githubEnabled
        ? {
            baseUrl: reader.string('advisorySources.github.baseUrl') ?? 'https://api.github.com',
            token: reader.string('advisorySources.github.token'),
          }
        : undefined,
    },
  };
}
