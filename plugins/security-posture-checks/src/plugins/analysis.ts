import semver from 'semver';
import {
  AdvisorySourceStatus,
  compareSeverity,
  InventoryAdvisory,
  InventoryPackage,
  PluginInventory,
} from '@security-posture/plugin-security-posture-common';
import {
  Advisory,
  AdvisoryIndex,
  advisoriesFromBundledDataset,
  BundledAdvisoryDataset,
  mergeAdvisories,
} from '@security-posture/static-analysis';
import {
  AdvisoryQuery,
  githubAdvisorySource,
  LiveAdvisorySource,
  npmBulkAdvisorySource,
} from './advisorySources';
import { OsvCache, osvAdvisorySource } from './osvSource';
import { attribute, isPluginName } from './attribution';
import { buildInventory, displayPath, InventoryEntry, InventoryInput } from './inventory';
import { PluginsCheckOptions } from './options';
import { displayUrl, MetadataLookup, RegistryClient, RegistrySnapshot } from './registry';
import { daysSince, versionsBehind } from './staleness';

/** Older than this, the bundled advisory dataset is reported as stale. */
export const BUNDLED_ADVISORIES_MAX_AGE_DAYS = 30;

/** Bundled data: the advisory dataset and the registry snapshot, each with its date. */
export interface BundledData {
  advisories?: BundledAdvisoryDataset;
  snapshot?: RegistrySnapshot;
}

export interface AnalysisInput {
  options: PluginsCheckOptions;
  installedPlugins: InventoryInput['installedPlugins'];
  fetch: typeof fetch;
  signal: AbortSignal;
  now: number;
  registryCache: Map<string, any>;
  bundled: BundledData;
  /** OSV records kept between scans (refreshed when OSV reports them modified). */
  osvRecords?: OsvCache['records'];
}

/** What every plugins check reads: the published inventory plus a few details kept back. */
export interface PluginAnalysis {
  inventory: PluginInventory;
  /** Package → version → install locations (for duplicate reports). */
  locations: Map<string, Map<string, string[]>>;
  /** Package → lookup outcome, for messages about the data's age. */
  lookups: Map<string, MetadataLookup>;
  /** Failed live sources (registry and advisory sources) with their errors; `partial` when some requests answered. */
  liveFailures: Array<{
    source: string;
    error: string;
    fallback: string;
    partial?: boolean;
  }>;
  advisoryIndex: AdvisoryIndex;
  /** Installed packages that are only needed for development (all lockfile copies dev). */
  devOnly: Set<string>;
  /** Days since the bundled advisory dataset was compiled (undefined without one). */
  bundledAdvisoriesAgeDays?: number;
  /** Direct dependencies of the backend or app. */
  direct: Set<string>;
  /** Package → its versions that are direct dependencies of the backend or app. */
  directVersions: Map<string, Set<string>>;
  now: number;
  options: PluginsCheckOptions;
}

function sortVersionsDescending(versions: Iterable<string>): string[] {
  return [...versions].sort((a, b) =>
    semver.valid(a) && semver.valid(b) ? semver.rcompare(a, b) : b.localeCompare(a),
  );
}

function liveSources(
  options: PluginsCheckOptions,
  osvRecords?: OsvCache['records'],
): LiveAdvisorySource[] {
  const sources: LiveAdvisorySource[] = [];
  if (options.advisorySources.npm) sources.push(npmBulkAdvisorySource(options.registry));
  const osv = options.advisorySources.osv;
  if (osv) {
    sources.push(
      osvAdvisorySource({
        baseUrl: osv.baseUrl,
        concurrency: osv.concurrency,
        maxVulnerabilities: osv.maxVulnerabilities,
        // One scan's answers per analysis; the records themselves outlive it.
        cache: new OsvCache(osvRecords),
      }),
    );
  }
  if (options.advisorySources.github) {
    sources.push(
      githubAdvisorySource(
        options.advisorySources.github.baseUrl,
        options.advisorySources.github.token,
      ),
    );
  }
  return sources;
}

/** The first problems of a partial answer, and how many more there were. */
function summarize(problems: string[]): string {
  const shown = problems.slice(0, 2).join('; ');
  return problems.length > 2 ? `${shown}; and ${problems.length - 2} more` : shown;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Builds the inventory and assesses it: registry metadata (live, cached or bundled), advisories
 * (bundled and live sources, merged by GHSA id) matched against every installed copy.
 */
export async function analyzePlugins(input: AnalysisInput): Promise<PluginAnalysis> {
  const { options, now } = input;
  const raw = await buildInventory({
    rootDir: options.rootDir,
    backendDir: options.backendDir,
    appManifest: options.appManifest,
    backendLockfile: options.backendLockfile,
    appLockfile: options.appLockfile,
    backstageJson: options.backstageJson,
    installedPlugins: input.installedPlugins,
  });
  const warnings = [...raw.warnings];
  const liveFailures: PluginAnalysis['liveFailures'] = [];

  // Advisories: bundled first, then every configured live source.
  const advisorySourceStatus: AdvisorySourceStatus[] = [];
  const advisoryLists: Advisory[][] = [];
  const bundledAdvisoriesAgeDays = daysSince(input.bundled.advisories?.compiledAt, now);
  if (
    bundledAdvisoriesAgeDays !== undefined &&
    bundledAdvisoriesAgeDays > BUNDLED_ADVISORIES_MAX_AGE_DAYS
  ) {
    warnings.push(
      `the bundled advisory dataset is ${bundledAdvisoriesAgeDays} days old (compiled ${input.bundled.advisories?.compiledAt})`,
    );
  }
  if (input.bundled.advisories) {
    const bundled = advisoriesFromBundledDataset(input.bundled.advisories);
    advisoryLists.push(bundled);
    advisorySourceStatus.push({
      name: 'bundled',
      status: 'ok',
      asOf: input.bundled.advisories.compiledAt,
      advisories: bundled.length,
    });
  } else {
    advisorySourceStatus.push({
      name: 'bundled',
      status: 'failed',
      advisories: 0,
      error: 'bundled advisory dataset not found',
    });
    warnings.push('bundled advisory dataset not found');
  }

  const installedVersions = new Map<string, Set<string>>();
  const addInstalled = (name: string, version: string) => {
    if (!semver.valid(version)) return;
    const set = installedVersions.get(name) ?? new Set<string>();
    set.add(version);
    installedVersions.set(name, set);
  };
  for (const pkg of raw.locked) addInstalled(pkg.name, pkg.version);
  for (const entry of raw.entries.values()) {
    for (const version of entry.versions.keys()) addInstalled(entry.name, version);
  }
  const queries: AdvisoryQuery[] = [...installedVersions].map(([name, versions]) => ({
    name,
    versions: [...versions],
  }));

  const bundledFallback = input.bundled.advisories
    ? `the bundled advisory dataset of ${input.bundled.advisories.compiledAt}`
    : 'no bundled advisory dataset';
  const checkedAt = new Date(now).toISOString();
  for (const source of liveSources(options, input.osvRecords)) {
    const where = { checkedAt, url: displayUrl(source.url) };
    try {
      const answer = await source.query(queries, {
        fetch: input.fetch,
        signal: input.signal,
        requestTimeoutMs: options.requestTimeoutMs,
      });
      advisoryLists.push(answer.advisories);
      const partial = answer.problems.length > 0;
      advisorySourceStatus.push({
        name: source.name,
        status: partial ? 'partial' : 'ok',
        ...where,
        queried: answer.asked,
        answered: answer.answered,
        advisories: answer.advisories.length,
        ...(answer.cacheHits ? { cacheHits: answer.cacheHits } : {}),
        ...(partial ? { error: summarize(answer.problems) } : {}),
      });
      if (partial) {
        liveFailures.push({
          source: `${source.name} advisory source`,
          error: summarize(answer.problems),
          fallback: `${answer.answered} of ${answer.asked} package versions answered; ${bundledFallback} covers the rest`,
          partial: true,
        });
      }
    } catch (e) {
      if (input.signal.aborted) throw e;
      const error = errorMessage(e);
      advisorySourceStatus.push({
        name: source.name,
        status: 'failed',
        ...where,
        queried: queries.reduce((n, q) => n + q.versions.length, 0),
        answered: 0,
        advisories: 0,
        error,
      });
      liveFailures.push({
        source: `${source.name} advisory source`,
        error,
        fallback: `${bundledFallback} and the other sources`,
      });
    }
  }
  for (const name of ['npm', 'osv', 'github']) {
    if (!advisorySourceStatus.some(s => s.name === name)) {
      advisorySourceStatus.push({ name, status: 'disabled', advisories: 0 });
    }
  }
  const advisoryIndex = new AdvisoryIndex(mergeAdvisories(advisoryLists));
  for (const invalid of advisoryIndex.invalidRanges) {
    warnings.push(
      `advisory ${invalid.id} has an invalid range for ${invalid.package}: ${invalid.range}`,
    );
  }

  // Vulnerable packages outside the inventory (third-party, transitive) join it as libraries.
  const entries = new Map(raw.entries);
  for (const pkg of raw.locked) {
    if (entries.has(pkg.name) || !advisoryIndex.isVulnerable(pkg.name, pkg.version)) continue;
    const copies = raw.locked.filter(p => p.name === pkg.name);
    const versions = new Map<string, Set<string>>();
    for (const copy of copies) {
      const set = versions.get(copy.version) ?? new Set<string>();
      if (copy.path) set.add(copy.path);
      versions.set(copy.version, set);
    }
    entries.set(pkg.name, {
      name: pkg.name,
      kind: 'library',
      loaded: false,
      direct: false,
      directVersions: new Set(),
      foundIn: new Set(['lockfile']),
      versions,
      lockedCopies: copies.length,
      devCopies: copies.filter(c => c.dev).length,
    });
  }

  // Registry metadata for every inventoried package.
  const client = new RegistryClient(input.registryCache, {
    fetch: input.fetch,
    registry: options.registry,
    cacheTtlMs: options.registryCacheTtlMs,
    requestTimeoutMs: options.requestTimeoutMs,
    concurrency: options.concurrency,
    snapshot: input.bundled.snapshot,
    now: () => now,
    signal: input.signal,
  });
  const lookups = await client.lookupAll([...entries.keys()]);
  const asked = [...lookups.values()];
  const failed = asked.filter(l => l.error);
  let registryStatus: PluginInventory['registry']['status'] = 'partial';
  if (!failed.length) registryStatus = 'live';
  else if (failed.length === asked.length) registryStatus = 'offline';
  const usedSnapshot = failed.some(l => l.source === 'bundled');
  if (failed.length) {
    const fromSnapshot = failed.filter(l => l.source === 'bundled').length;
    const fromCache = failed.filter(l => l.source === 'cache').length;
    const without = failed.length - fromSnapshot - fromCache;
    const parts = [
      fromCache && `${fromCache} from the in-memory cache`,
      fromSnapshot &&
        `${fromSnapshot} from the bundled snapshot of ${input.bundled.snapshot?.generatedAt.slice(
          0,
          10,
        )}`,
      without && `${without} without data`,
    ].filter(Boolean);
    liveFailures.push({
      source: `npm registry ${displayUrl(options.registry)}`,
      error: failed[0].error!,
      fallback: `${failed.length} of ${asked.length} packages assessed ${parts.join(', ')}`,
    });
  }

  const packages: InventoryPackage[] = [];
  const locations = new Map<string, Map<string, string[]>>();
  const devOnly = new Set<string>();
  const direct = new Set<string>();
  const directVersions = new Map<string, Set<string>>();
  for (const entry of entries.values()) {
    directVersions.set(entry.name, entry.directVersions);
    packages.push(assess(entry, lookups.get(entry.name), advisoryIndex));
    locations.set(
      entry.name,
      new Map([...entry.versions].map(([version, where]) => [version, [...where]])),
    );
    const onlyLocked = !entry.direct && !entry.loaded;
    if (onlyLocked && entry.lockedCopies > 0 && entry.devCopies === entry.lockedCopies) {
      devOnly.add(entry.name);
    }
    if (entry.direct || entry.loaded) direct.add(entry.name);
  }
  // Who pulls each vulnerable package in, and whether it is in the runtime tree at all.
  const attributionInput = {
    lockfiles: raw.lockfiles,
    runtimeWorkspaces: raw.runtimeWorkspaces,
    show: (file: string) => displayPath(options.rootDir, file),
    isPlugin: (name: string) => {
      const kind = entries.get(name)?.kind;
      return kind && kind !== 'library' ? true : isPluginName(name);
    },
  };
  for (const pkg of packages) {
    if (!pkg.advisories.length) continue;
    const affected = [...new Set(pkg.advisories.flatMap(a => a.affectedVersions))];
    const { dependencyPaths, scope, pulledInBy } = attribute(pkg, affected, attributionInput);
    if (dependencyPaths.length) pkg.dependencyPaths = dependencyPaths;
    if (scope) pkg.scope = scope;
    if (pulledInBy.length) pkg.pulledInBy = pulledInBy;
  }
  packages.sort(
    (a, b) =>
      Number(b.loaded) - Number(a.loaded) ||
      a.kind.localeCompare(b.kind) ||
      a.name.localeCompare(b.name),
  );

  const inventory: PluginInventory = {
    generatedAt: new Date(now).toISOString(),
    backstageRelease: raw.backstageRelease,
    sources: raw.sources,
    registry: {
      url: displayUrl(options.registry),
      status: registryStatus,
      ...(failed.length ? { error: failed[0].error } : {}),
      ...(usedSnapshot && input.bundled.snapshot
        ? { snapshotAsOf: input.bundled.snapshot.generatedAt }
        : {}),
    },
    advisorySources: advisorySourceStatus,
    packages,
    unmappedFeatures: raw.unmappedFeatures,
    warnings,
  };
  return {
    inventory,
    locations,
    lookups,
    liveFailures,
    advisoryIndex,
    bundledAdvisoriesAgeDays,
    devOnly,
    direct,
    directVersions,
    now,
    options,
  };
}

function assess(
  entry: InventoryEntry,
  lookup: MetadataLookup | undefined,
  index: AdvisoryIndex,
): InventoryPackage {
  const installedVersions = sortVersionsDescending(entry.versions.keys());
  const highest = installedVersions[0];
  const metadata = lookup?.metadata;
  const highestInfo = highest ? metadata?.versions.get(highest) : undefined;
  const latestInfo = metadata?.latest ? metadata.versions.get(metadata.latest) : undefined;

  const byAdvisory = new Map<string, InventoryAdvisory>();
  for (const version of installedVersions) {
    for (const match of index.match(entry.name, version)) {
      const existing = byAdvisory.get(match.advisory.id);
      if (existing) {
        existing.affectedVersions.push(version);
        continue;
      }
      byAdvisory.set(match.advisory.id, {
        id: match.advisory.id,
        aliases: match.advisory.aliases,
        severity: match.advisory.severity,
        summary: match.advisory.summary,
        url: match.advisory.url,
        publishedAt: match.advisory.publishedAt,
        vulnerableRange: match.vulnerableRange,
        affectedVersions: [version],
        // Versions are visited highest first: this is the fix for the highest affected one.
        firstPatchedVersion: match.firstPatchedVersion,
        recommendedVersion: index.recommendUpgrade(
          entry.name,
          version,
          metadata ? metadata.versions.keys() : undefined,
        ),
        sources: match.advisory.sources,
      });
    }
  }
  const advisories = [...byAdvisory.values()].sort(
    (a, b) => compareSeverity(a.severity, b.severity) || a.id.localeCompare(b.id),
  );
  const behind =
    highest && metadata?.latest
      ? versionsBehind(highest, metadata.latest, metadata.versions.keys())
      : undefined;
  // The installed version's own deprecation, else the package's: a deprecated latest release
  // means the package is retired (npm deprecates whole packages through their versions).
  const deprecated = highestInfo?.deprecated ?? latestInfo?.deprecated;

  return {
    name: entry.name,
    kind: entry.kind,
    ...(entry.pluginId ? { pluginId: entry.pluginId } : {}),
    ...(entry.moduleId ? { moduleId: entry.moduleId } : {}),
    core: entry.name.startsWith('@backstage/'),
    loaded: entry.loaded,
    foundIn: [...entry.foundIn].sort() as InventoryPackage['foundIn'],
    installedVersions,
    ...(metadata?.latest ? { latest: metadata.latest } : {}),
    ...(behind ? { behind } : {}),
    ...(highestInfo?.publishedAt ? { installedPublishedAt: highestInfo.publishedAt } : {}),
    ...(metadata?.lastPublishedAt ? { lastPublishedAt: metadata.lastPublishedAt } : {}),
    ...(deprecated ? { deprecated } : {}),
    advisories,
    dataSource: lookup?.source ?? 'none',
    ...(lookup?.asOf ? { dataAsOf: lookup.asOf } : {}),
  };
}
