import {
  displayUrl,
  metadataFromPackument,
  metadataFromSnapshot,
  packumentUrl,
  RegistryClient,
  RegistryClientOptions,
  registryFromNpmrc,
  snapshotEntryFromMetadata,
} from './registry';
import {
  NOW,
  packument,
  startRegistry,
  StandInServer,
  startStandIn,
  unreachableUrl,
} from './testHelpers';

const HOUR = 60 * 60 * 1000;

function client(
  registry: string,
  overrides: Partial<RegistryClientOptions> = {},
  cache = new Map(),
) {
  return new RegistryClient(cache, {
    fetch,
    registry,
    cacheTtlMs: HOUR,
    requestTimeoutMs: 5000,
    concurrency: 4,
    now: () => NOW,
    ...overrides,
  });
}

describe('packument handling', () => {
  it('keeps versions, publish dates, deprecations and the last publish', () => {
    const metadata = metadataFromPackument(
      '@backstage/x',
      packument('@backstage/x', {
        latest: '1.1.0',
        versions: {
          '1.0.0': { time: '2026-01-01T00:00:00Z', deprecated: 'use y' },
          '1.1.0': { time: '2026-03-01T00:00:00Z' },
          '2.0.0-next.0': { time: '2026-04-01T00:00:00Z' },
        },
      }),
    );
    expect(metadata.latest).toBe('1.1.0');
    expect(metadata.versions.get('1.0.0')).toEqual({
      publishedAt: '2026-01-01T00:00:00Z',
      deprecated: 'use y',
    });
    expect(metadata.lastPublishedAt).toBe('2026-04-01T00:00:00Z');
  });

  it('round-trips through the compact snapshot form', () => {
    const whole = metadataFromPackument(
      'p',
      packument('p', {
        latest: '0.2.0',
        versions: {
          '0.1.0': { time: '2025-01-05T10:00:00Z', deprecated: 'gone' },
          '0.2.0': { time: '2025-02-05T10:00:00Z', deprecated: 'gone' },
        },
      }),
    );
    const entry = snapshotEntryFromMetadata(whole);
    expect(entry).toEqual({
      latest: '0.2.0',
      versions: { '0.1.0': '2025-01-05', '0.2.0': '2025-02-05' },
      deprecated: 'gone',
    });
    const back = metadataFromSnapshot('p', entry);
    expect(back.versions.get('0.1.0')).toEqual({ publishedAt: '2025-01-05', deprecated: 'gone' });
    expect(back.lastPublishedAt).toBe('2025-02-05');

    const partly = snapshotEntryFromMetadata(
      metadataFromPackument(
        'q',
        packument('q', {
          latest: '2.0.0',
          versions: {
            '1.0.0': { time: '2025-01-01T00:00:00Z', deprecated: 'old' },
            '2.0.0': { time: '2025-06-01T00:00:00Z' },
          },
        }),
      ),
    );
    expect(partly.deprecatedVersions).toEqual({ '1.0.0': 'old' });
    expect(partly.deprecated).toBeUndefined();
  });

  it('encodes scoped names the way npm does', () => {
    expect(packumentUrl('https://r.example/', '@backstage/plugin-x')).toBe(
      'https://r.example/@backstage%2Fplugin-x',
    );
    expect(packumentUrl('https://r.example/npm', 'left-pad')).toBe(
      'https://r.example/npm/left-pad',
    );
  });
});

describe('RegistryClient (local registry stand-in)', () => {
  let server: StandInServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('reads a packument and answers later lookups from the cache until the TTL ends', async () => {
    server = await startRegistry({
      '@backstage/x': { latest: '1.0.0', versions: { '1.0.0': { time: '2026-01-01T00:00:00Z' } } },
    });
    const cache = new Map();
    let now = NOW;
    const first = await client(server.url, { now: () => now }, cache).lookup('@backstage/x');
    expect(first).toMatchObject({ source: 'registry', asOf: new Date(NOW).toISOString() });
    expect(first.metadata?.latest).toBe('1.0.0');

    now = NOW + HOUR / 2;
    const cached = await client(server.url, { now: () => now }, cache).lookup('@backstage/x');
    expect(cached.source).toBe('cache');
    expect(server.requests).toHaveLength(1);

    now = NOW + 2 * HOUR;
    const refreshed = await client(server.url, { now: () => now }, cache).lookup('@backstage/x');
    expect(refreshed.source).toBe('registry');
    expect(server.requests).toHaveLength(2);
  });

  it('tells "no such package" apart from a failure', async () => {
    server = await startRegistry({});
    const lookup = await client(server.url).lookup('@internal/private-plugin');
    expect(lookup).toEqual({ source: 'none', notFound: true });
  });

  it('falls back to the bundled snapshot when the registry is down, and stops asking', async () => {
    server = await startStandIn(() => ({ status: 503, body: { error: 'down' } }));
    const snapshot = {
      generatedAt: '2026-10-01T00:00:00.000Z',
      registry: 'https://registry.npmjs.org',
      packages: { a: { latest: '1.0.0', versions: { '1.0.0': '2026-09-01' } } },
    };
    const registry = client(server.url, { snapshot, concurrency: 1 });
    const results = await registry.lookupAll(['a', 'b', 'c', 'd', 'e']);
    expect(results.get('a')).toMatchObject({ source: 'bundled', asOf: '2026-10-01T00:00:00.000Z' });
    expect(results.get('a')?.error).toMatch(/503/);
    expect(results.get('b')).toMatchObject({ source: 'none' });
    // Three failures in a row, then no more requests: an offline scan does not wait per package.
    expect(server.requests).toHaveLength(3);
    expect(results.get('e')?.error).toMatch(/not asked after repeated failures/);
  });

  it('prefers an expired cache entry over the snapshot when the registry is unreachable', async () => {
    server = await startRegistry({
      a: { latest: '2.0.0', versions: { '2.0.0': { time: '2026-11-01T00:00:00Z' } } },
    });
    const cache = new Map();
    await client(server.url, {}, cache).lookup('a');
    const url = server.url;
    await server.close();
    server = undefined;
    const later = client(url, { now: () => NOW + 3 * 24 * HOUR }, cache);
    const lookup = await later.lookup('a');
    expect(lookup.source).toBe('cache');
    expect(lookup.metadata?.latest).toBe('2.0.0');
    expect(lookup.error).toBeDefined();
  });

  it('reports a connection refused as an error, not as a missing package', async () => {
    const lookup = await client(await unreachableUrl()).lookup('a');
    expect(lookup.source).toBe('none');
    expect(lookup.notFound).toBeUndefined();
    expect(lookup.error).toBeTruthy();
  });
});

describe('registryFromNpmrc', () => {
  it('reads a plain registry line', () => {
    expect(
      registryFromNpmrc('legacy-peer-deps=true\nregistry=https://npm.corp.example/repo/\n'),
    ).toBe('https://npm.corp.example/repo/');
    expect(registryFromNpmrc('registry = "https://npm.corp.example"')).toBe(
      'https://npm.corp.example',
    );
  });

  it('ignores values with environment references, scoped registries and auth lines', () => {
    expect(
      registryFromNpmrc(
        'registry=${NPM_REGISTRY}\n@backstage:registry=https://x.example\n//x.example/:_authToken=abc',
      ),
    ).toBeUndefined();
  });

  it('never shows credentials of a registry URL', () => {
    expect(displayUrl('https://user:secret@npm.corp.example/')).toBe('https://npm.corp.example/');
    expect(displayUrl('https://npm.corp.example/')).toBe('https://npm.corp.example/');
  });
});
