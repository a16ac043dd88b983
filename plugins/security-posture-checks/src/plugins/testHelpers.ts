/*
 * Test helpers of the plugins checks: a temporary Backstage monorepo on disk and local HTTP
 * servers standing in for the npm registry and the advisory sources. Not used at runtime.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { BundledData } from './analysis';
import { createPluginsChecks } from './index';

export const NOW = Date.parse('2026-11-29T12:00:00Z');
export const DAY = 24 * 60 * 60 * 1000;
export const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

export interface FakePackage {
  name: string;
  version: string;
  /** `backstage` field of its package.json. */
  backstage?: Record<string, unknown>;
  /** Source of dist/module.cjs.js, e.g. to declare a moduleId literal. */
  distSource?: string;
}

export interface MonorepoSpec {
  backstageRelease?: string;
  /** Dependencies of packages/backend, installed in node_modules. */
  backend?: FakePackage[];
  /** Dependencies of packages/app (locked in the lockfile, not installed). */
  app?: Array<{ name: string; version: string; range?: string }>;
  /** Further lockfile entries: install path (e.g. `node_modules/a/node_modules/b`) → version. */
  locked?: Array<{
    path: string;
    version: string;
    dev?: boolean;
    /** Recorded like npm 7+ does, so the lockfile has a dependency graph. */
    dependencies?: Record<string, string>;
  }>;
  /** Record the workspaces' dependencies in the lockfile (npm 7+), root devDependencies too. */
  graph?: { rootDevDependencies?: Record<string, string> };
  /** Write a yarn.lock instead of package-lock.json. */
  yarn?: boolean;
}

async function writeJson(file: string, value: unknown) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(value, null, 2));
}

/** Writes a monorepo shaped like a standard Backstage app; returns its root. */
export async function writeMonorepo(spec: MonorepoSpec): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'plugins-check-'));
  if (spec.backstageRelease) {
    await writeJson(path.join(root, 'backstage.json'), {
      version: spec.backstageRelease,
    });
  }
  await writeJson(path.join(root, 'package.json'), {
    name: 'root',
    private: true,
    workspaces: ['packages/*'],
  });
  const backend = spec.backend ?? [];
  const app = spec.app ?? [];
  await writeJson(path.join(root, 'packages/backend/package.json'), {
    name: 'backend',
    version: '0.0.0',
    backstage: { role: 'backend' },
    dependencies: Object.fromEntries(backend.map(p => [p.name, p.version])),
  });
  await writeJson(path.join(root, 'packages/app/package.json'), {
    name: 'app',
    version: '0.0.0',
    backstage: { role: 'frontend' },
    dependencies: Object.fromEntries(app.map(p => [p.name, p.range ?? p.version])),
  });
  for (const pkg of backend) {
    const dir = path.join(root, 'node_modules', pkg.name);
    await writeJson(path.join(dir, 'package.json'), {
      name: pkg.name,
      version: pkg.version,
      main: 'dist/index.cjs.js',
      ...(pkg.backstage ? { backstage: pkg.backstage } : {}),
    });
    if (pkg.distSource) {
      await fs.mkdir(path.join(dir, 'dist'), { recursive: true });
      await fs.writeFile(path.join(dir, 'dist', 'module.cjs.js'), pkg.distSource);
    }
  }

  const locked = [
    ...backend.map(p => ({
      path: `node_modules/${p.name}`,
      version: p.version,
      dev: false,
    })),
    ...app.map(p => ({
      path: `node_modules/${p.name}`,
      version: p.version,
      dev: false,
    })),
    ...(spec.locked ?? []).map(l => ({ dev: false, ...l })),
  ];
  if (spec.yarn) {
    const byName = new Map<string, Array<{ version: string; ranges: string[] }>>();
    for (const l of locked) {
      const name = l.path.slice(l.path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const list = byName.get(name) ?? [];
      const range = app.find(a => a.name === name && a.version === l.version)?.range ?? l.version;
      list.push({ version: l.version, ranges: [range] });
      byName.set(name, list);
    }
    const lines = ['# yarn lockfile v1', ''];
    for (const [name, list] of byName) {
      for (const entry of list) {
        lines.push(`${entry.ranges.map(r => `"${name}@${r}"`).join(', ')}:`);
        lines.push(`  version "${entry.version}"`);
        lines.push(`  resolved "https://registry.example/${name}/-/x-${entry.version}.tgz"`);
        lines.push('');
      }
    }
    await fs.writeFile(path.join(root, 'yarn.lock'), lines.join('\n'));
  } else {
    const packages: Record<string, unknown> = {
      '': {
        name: 'root',
        workspaces: ['packages/*'],
        ...(spec.graph?.rootDevDependencies
          ? { devDependencies: spec.graph.rootDevDependencies }
          : {}),
      },
      'packages/backend': {
        name: 'backend',
        version: '0.0.0',
        ...(spec.graph
          ? { dependencies: Object.fromEntries(backend.map(p => [p.name, p.version])) }
          : {}),
      },
      'packages/app': {
        name: 'app',
        version: '0.0.0',
        ...(spec.graph
          ? { dependencies: Object.fromEntries(app.map(p => [p.name, p.range ?? p.version])) }
          : {}),
      },
      'node_modules/backend': { resolved: 'packages/backend', link: true },
      'node_modules/app': { resolved: 'packages/app', link: true },
    };
    for (const l of locked) {
      packages[l.path] = {
        version: l.version,
        ...(l.dev ? { dev: true } : {}),
        ...('dependencies' in l && l.dependencies ? { dependencies: l.dependencies } : {}),
      };
    }
    await writeJson(path.join(root, 'package-lock.json'), {
      name: 'root',
      lockfileVersion: 3,
      requires: true,
      packages,
    });
  }
  return root;
}

export interface FakePackument {
  latest?: string;
  /** Version → publish date and deprecation. */
  versions: Record<string, { time?: string; deprecated?: string }>;
}

/** Builds a packument the way the registry serves it. */
export function packument(name: string, spec: FakePackument) {
  const time: Record<string, string> = {};
  for (const [version, v] of Object.entries(spec.versions)) if (v.time) time[version] = v.time;
  return {
    _id: name,
    name,
    'dist-tags': (spec.latest ? { latest: spec.latest } : {}) as Record<string, string>,
    versions: Object.fromEntries(
      Object.entries(spec.versions).map(([version, v]) => [
        version,
        {
          name,
          version,
          ...(v.deprecated ? { deprecated: v.deprecated } : {}),
        },
      ]),
    ),
    time,
  };
}

export interface StandInServer {
  url: string;
  requests: Array<{
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
  }>;
  close(): Promise<void>;
}

/** A local HTTP server answering with `handle`; records every request. */
export async function startStandIn(
  handle: (request: {
    method: string;
    url: string;
    body: string;
    headers: http.IncomingHttpHeaders;
  }) => StandInAnswer | Promise<StandInAnswer>,
): Promise<StandInServer> {
  const requests: StandInServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      Promise.resolve(handle(request)).then(async answer => {
        if (answer.delayMs) {
          // unref: a test that gave up waiting must not be kept alive by the delay.
          await new Promise(resolve => setTimeout(resolve, answer.delayMs).unref());
        }
        if (res.destroyed) return;
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          ...answer.headers,
        });
        const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.end(answer.raw ?? body);
      });
    });
  });
  // A delayed answer must not keep close() waiting after the client gave up.
  const sockets = new Set<Socket>();
  server.on('connection', socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What a stand-in answers: a JSON body, or `raw` text as is, optionally after a delay. */
export interface StandInAnswer {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A registry stand-in serving packuments by name (GET only, like the one these machines reach). */
export function startRegistry(packuments: Record<string, FakePackument>) {
  return startStandIn(({ method, url }) => {
    if (method !== 'GET') return { status: 405, body: { error: 'method not allowed' } };
    const name = decodeURIComponent(url.slice(1));
    const spec = packuments[name];
    return spec
      ? { status: 200, body: packument(name, spec) }
      : { status: 404, body: { error: 'Not found' } };
  });
}

/** A URL nothing listens on: connections are refused at once. */
export async function unreachableUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Bundled data for tests: a small advisory dataset and snapshot, with dates. */
export function testBundledData(overrides: Partial<BundledData> = {}): BundledData {
  return {
    advisories: {
      compiledAt: '2026-11-01',
      advisories: [
        {
          id: 'GHSA-rq6q-wr2q-7pgp',
          aliases: ['CVE-2026-24046'],
          severity: 'high',
          summary: 'Symlink path traversal in scaffolder actions',
          affected: [
            {
              package: '@backstage/backend-defaults',
              ranges: [
                { vulnerable: '<0.12.2', patched: '0.12.2' },
                { vulnerable: '>=0.13.0 <0.13.2', patched: '0.13.2' },
                { vulnerable: '>=0.14.0 <0.14.1', patched: '0.14.1' },
              ],
            },
            {
              package: '@backstage/plugin-scaffolder-backend',
              ranges: [
                { vulnerable: '<2.2.2', patched: '2.2.2' },
                { vulnerable: '>=3.0.0 <3.0.2', patched: '3.0.2' },
                { vulnerable: '>=3.1.0 <3.1.1', patched: '3.1.1' },
              ],
            },
          ],
        },
        {
          id: 'GHSA-8wq8-6859-qx77',
          aliases: ['CVE-2026-32237'],
          severity: 'medium',
          summary: 'defaultEnvironment secrets exposed through dry-run',
          affected: [
            {
              package: '@backstage/plugin-scaffolder-backend',
              ranges: [{ vulnerable: '>=3.1.0 <3.1.5', patched: '3.1.5' }],
            },
          ],
        },
      ],
    },
    snapshot: {
      generatedAt: '2026-10-30T00:00:00.000Z',
      registry: 'https://registry.npmjs.org',
      packages: {},
    },
    ...overrides,
  };
}

export async function removeDir(dir: string) {
  await fs.rm(dir, { recursive: true, force: true });
}

export interface RunPluginsCheckOptions {
  root: string;
  registry: string;
  options?: Record<string, unknown>;
  installedPlugins?: Array<{
    pluginId: string;
    modules?: Array<{ moduleId: string }>;
  }>;
  bundled?: BundledData;
  fetch?: typeof fetch;
  now?: number;
}

/**
 * Runs one plugins check against a monorepo on disk and a registry stand-in, through the same
 * test runner as every check; returns its results and what it published.
 */
export async function runPluginsCheck(checkId: string, opts: RunPluginsCheckOptions) {
  const check = createPluginsChecks({
    now: () => opts.now ?? NOW,
    cwd: opts.root,
    env: {},
    loadBundledData: async () => opts.bundled ?? testBundledData(),
  }).find(c => c.meta.id === checkId);
  if (!check) throw new Error(`no check ${checkId}`);
  const published: Record<string, any> = {};
  const results = await runSecurityCheck(check, {
    installedPlugins: opts.installedPlugins,
    options: {
      registry: opts.registry,
      // OSV is on by default; tests never reach the real one, they opt into a stand-in.
      advisorySources: { osv: { enabled: false } },
      ...opts.options,
    } as any,
    services: { fetch: opts.fetch ?? fetch },
    onPublish: (key, data) => {
      published[key] = data;
    },
  });
  return { results, published };
}
