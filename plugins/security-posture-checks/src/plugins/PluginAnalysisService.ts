import fs from 'node:fs/promises';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { SecurityCheckContext } from '@security-posture/plugin-security-posture-node';
import { AnalysisInput, analyzePlugins, BundledData, PluginAnalysis } from './analysis';
import { resolvePluginsOptions } from './options';

// The checks of one scan start within seconds of each other: they share one analysis.
const SHARED_ANALYSIS_TTL_MS = 60 * 1000;

export interface PluginAnalysisServiceOptions {
  /** Clock, for tests. */
  now?(): number;
  /** Bundled data; defaults to the files in the package's `data/` folder. */
  loadBundledData?(): Promise<BundledData>;
  /** Working directory for auto-detection; defaults to `process.cwd()`. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

async function readJsonIfPresent<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Reads `data/backstage-advisories.json` and `data/registry-snapshot.json` of this package. */
export async function loadPackagedBundledData(): Promise<BundledData> {
  const dataFile = (name: string) => resolvePackagePath('@security-posture/checks', 'data', name);
  const [advisories, snapshot] = await Promise.all([
    readJsonIfPresent<BundledData['advisories']>(dataFile('backstage-advisories.json')),
    readJsonIfPresent<BundledData['snapshot']>(dataFile('registry-snapshot.json')),
  ]);
  return { advisories, snapshot };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      error => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Computes the plugin analysis once for all plugins checks of a scan and keeps the registry
 * cache between scans. One instance per set of checks.
 */
export class PluginAnalysisService {
  private readonly registryCache = new Map<string, any>();
  // OSV records outlive a scan: querybatch says when one changed, so only those are fetched again.
  private readonly osvRecords: NonNullable<AnalysisInput['osvRecords']> = new Map();
  private bundled?: Promise<BundledData>;
  private shared?: {
    key: string;
    fetch: typeof fetch;
    at: number;
    promise: Promise<PluginAnalysis>;
  };

  constructor(private readonly deps: PluginAnalysisServiceOptions = {}) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  async get(context: SecurityCheckContext | Omit<SecurityCheckContext, 'catalog' | 'publish'>) {
    const options = await resolvePluginsOptions({
      own: context.options,
      config: context.config,
      cwd: this.deps.cwd,
      env: this.deps.env,
    });
    const installedPlugins = await context.instanceMetadata.getInstalledPlugins();
    const key = JSON.stringify({ options, installedPlugins });
    const now = this.now();
    const shared = this.shared;
    if (
      shared &&
      shared.key === key &&
      shared.fetch === context.services.fetch &&
      now - shared.at < SHARED_ANALYSIS_TTL_MS
    ) {
      return raceAbort(shared.promise, context.signal);
    }
    this.bundled ??= (this.deps.loadBundledData ?? loadPackagedBundledData)();
    const bundled = await this.bundled;
    const promise = analyzePlugins({
      options,
      installedPlugins,
      fetch: context.services.fetch,
      signal: context.signal,
      now,
      registryCache: this.registryCache,
      bundled,
      osvRecords: this.osvRecords,
    });
    const entry = { key, fetch: context.services.fetch, at: now, promise };
    this.shared = entry;
    // A failed analysis is not shared: the next check tries again.
    promise.catch(() => {
      if (this.shared === entry) this.shared = undefined;
    });
    return raceAbort(promise, context.signal);
  }
}
