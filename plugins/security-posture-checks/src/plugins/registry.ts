import semver from 'semver';
import { PackageDataSource } from '@security-posture/plugin-security-posture-common';

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org';

/** What staleness needs of a packument: versions, their publish dates, deprecations. */
export interface PackageMetadata {
  name: string;
  latest?: string;
  /** Version → ISO publish date (may be missing for some versions). */
  versions: Map<string, { publishedAt?: string; deprecated?: string }>;
  /** The most recent publish date of any version. */
  lastPublishedAt?: string;
}

export interface MetadataLookup {
  metadata?: PackageMetadata;
  source: PackageDataSource;
  /** When the data was fetched from the registry, or when the snapshot was generated. */
  asOf?: string;
  /** Set when the registry could not be asked (not for "no such package"). */
  error?: string;
  /** The registry answered that it has no such package (private, workspace or unpublished). */
  notFound?: boolean;
}

// Packuments of very active packages run to a few MB; anything far beyond is refused.
const MAX_PACKUMENT_BYTES = 32 * 1024 * 1024;

interface Packument {
  name?: string;
  'dist-tags'?: Record<string, string>;
  versions?: Record<string, { deprecated?: unknown }>;
  time?: Record<string, string>;
}

/** Reduces a registry packument to what the checks use. */
export function metadataFromPackument(name: string, packument: Packument): PackageMetadata {
  const versions = new Map<string, { publishedAt?: string; deprecated?: string }>();
  const time = packument.time ?? {};
  let lastPublishedAt: string | undefined;
  for (const [version, manifest] of Object.entries(packument.versions ?? {})) {
    const publishedAt = typeof time[version] === 'string' ? time[version] : undefined;
    const deprecated =
      typeof manifest?.deprecated === 'string' && manifest.deprecated
        ? manifest.deprecated
        : undefined;
    versions.set(version, { publishedAt, deprecated });
    if (
      publishedAt &&
      (!lastPublishedAt || Date.parse(publishedAt) > Date.parse(lastPublishedAt))
    ) {
      lastPublishedAt = publishedAt;
    }
  }
  return { name, latest: packument['dist-tags']?.latest, versions, lastPublishedAt };
}

/**
 * The offline snapshot shipped in `data/registry-snapshot.json`: per package the latest
 * version, each version's publish day, and deprecation messages (one for the whole package
 * when every version carries the same one).
 */
export interface RegistrySnapshot {
  generatedAt: string;
  registry: string;
  packages: Record<
    string,
    {
      latest?: string;
      versions: Record<string, string>;
      deprecated?: string;
      deprecatedVersions?: Record<string, string>;
    }
  >;
}

export function metadataFromSnapshot(
  name: string,
  entry: RegistrySnapshot['packages'][string],
): PackageMetadata {
  const versions = new Map<string, { publishedAt?: string; deprecated?: string }>();
  let lastPublishedAt: string | undefined;
  for (const [version, day] of Object.entries(entry.versions)) {
    const deprecated = entry.deprecatedVersions?.[version] ?? entry.deprecated;
    versions.set(version, { publishedAt: day || undefined, deprecated });
    if (day && (!lastPublishedAt || day > lastPublishedAt)) lastPublishedAt = day;
  }
  return { name, latest: entry.latest, versions, lastPublishedAt };
}

/** Reduces metadata to a snapshot entry (day precision keeps the file small). */
export function snapshotEntryFromMetadata(metadata: PackageMetadata) {
  const versions: Record<string, string> = {};
  const messages = new Map<string, string>();
  for (const [version, info] of [...metadata.versions].sort(([a], [b]) =>
    semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : a.localeCompare(b),
  )) {
    versions[version] = info.publishedAt?.slice(0, 10) ?? '';
    if (info.deprecated) messages.set(version, info.deprecated);
  }
  const all = Object.keys(versions);
  const distinct = new Set(messages.values());
  const wholePackage = all.length > 0 && messages.size === all.length && distinct.size === 1;
  return {
    ...(metadata.latest ? { latest: metadata.latest } : {}),
    versions,
    ...(wholePackage ? { deprecated: [...distinct][0] } : {}),
    ...(!wholePackage && messages.size ? { deprecatedVersions: Object.fromEntries(messages) } : {}),
  };
}

/** The packument URL: scoped names keep the `@` and encode the `/`, as npm does. */
export function packumentUrl(registry: string, name: string): string {
  const base = registry.endsWith('/') ? registry.slice(0, -1) : registry;
  return `${base}/${
    name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)
  }`;
}

async function readLimitedJson(response: Response, limit: number): Promise<unknown> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    throw new Error(`response of ${declared} bytes exceeds the ${limit} byte limit`);
  }
  const text = await response.text();
  if (text.length > limit) throw new Error(`response exceeds the ${limit} byte limit`);
  return JSON.parse(text);
}

interface CacheEntry {
  metadata?: PackageMetadata;
  notFound?: boolean;
  fetchedAt: number;
}

export interface RegistryClientOptions {
  fetch: typeof fetch;
  registry: string;
  cacheTtlMs: number;
  requestTimeoutMs: number;
  concurrency: number;
  snapshot?: RegistrySnapshot;
  now(): number;
  signal?: AbortSignal;
}

/**
 * Reads package metadata from the registry with an in-memory cache shared between scans.
 * When the registry fails: an expired cache entry if there is one, else the bundled snapshot.
 * After a few consecutive network failures it stops asking, so an offline scan does not wait
 * for one timeout per package.
 */
export class RegistryClient {
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private static readonly GIVE_UP_AFTER = 3;

  constructor(
    private readonly cache: Map<string, CacheEntry>,
    private readonly options: RegistryClientOptions,
  ) {}

  /** Looks up many packages with bounded concurrency. */
  async lookupAll(names: string[]): Promise<Map<string, MetadataLookup>> {
    const results = new Map<string, MetadataLookup>();
    const queue = [...names];
    const workers = Array.from(
      { length: Math.max(1, Math.min(this.options.concurrency, queue.length)) },
      async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          results.set(name, await this.lookup(name));
        }
      },
    );
    await Promise.all(workers);
    return results;
  }

  async lookup(name: string): Promise<MetadataLookup> {
    const key = `${this.options.registry} ${name}`;
    const cached = this.cache.get(key);
    const now = this.options.now();
    if (cached && now - cached.fetchedAt < this.options.cacheTtlMs) {
      return this.fromCache(cached, 'cache');
    }
    if (this.consecutiveFailures >= RegistryClient.GIVE_UP_AFTER) {
      return this.fallback(
        name,
        cached,
        `registry not asked after repeated failures: ${this.lastError}`,
      );
    }
    try {
      const response = await this.options.fetch(packumentUrl(this.options.registry, name), {
        headers: { accept: 'application/json' },
        signal: this.requestSignal(),
      });
      if (response.status === 404) {
        this.consecutiveFailures = 0;
        this.cache.set(key, { notFound: true, fetchedAt: now });
        return { source: 'none', notFound: true };
      }
      if (!response.ok) {
        throw new Error(`registry answered ${response.status} ${response.statusText}`.trim());
      }
      const packument = (await readLimitedJson(response, MAX_PACKUMENT_BYTES)) as Packument;
      const metadata = metadataFromPackument(name, packument);
      this.consecutiveFailures = 0;
      this.cache.set(key, { metadata, fetchedAt: now });
      return { metadata, source: 'registry', asOf: new Date(now).toISOString() };
    } catch (e) {
      if (this.options.signal?.aborted) throw e;
      this.consecutiveFailures += 1;
      this.lastError = e instanceof Error ? e.message : String(e);
      return this.fallback(name, cached, this.lastError);
    }
  }

  private requestSignal(): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    return this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
  }

  private fromCache(entry: CacheEntry, source: 'cache'): MetadataLookup {
    if (entry.notFound) return { source: 'none', notFound: true };
    return { metadata: entry.metadata, source, asOf: new Date(entry.fetchedAt).toISOString() };
  }

  private fallback(name: string, cached: CacheEntry | undefined, error: string): MetadataLookup {
    if (cached) return { ...this.fromCache(cached, 'cache'), error };
    const entry = this.options.snapshot?.packages[name];
    if (entry) {
      return {
        metadata: metadataFromSnapshot(name, entry),
        source: 'bundled',
        asOf: this.options.snapshot!.generatedAt,
        error,
      };
    }
    return { source: 'none', error };
  }
}

/**
 * The `registry=` of an `.npmrc`. Only a plain URL is honoured: values with `${ENV}` references
 * are skipped (we do not expand them) and scoped or authenticated settings are not read.
 */
export function registryFromNpmrc(text: string): string | undefined {
  let registry: string | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line.startsWith('registry')) continue;
    const eq = line.indexOf('=');
    if (eq < 0 || line.slice(0, eq).trim() !== 'registry') continue;
    let value = line.slice(eq + 1).trim();
    if (value.startsWith('"') || value.startsWith("'")) value = value.slice(1);
    if (value.endsWith('"') || value.endsWith("'")) value = value.slice(0, -1);
    if (/^https?:\/\/[^\s$]+$/.test(value)) registry = value;
  }
  return registry;
}

/** A URL for messages: any `user:password@` part removed. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '<invalid URL>';
  }
}
