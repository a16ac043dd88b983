import semver from 'semver';
import { buildLockGraph, LockEntry, LockGraph } from './dependencyPaths';

/** One installed copy of a package as a lockfile records it. */
export interface LockedPackage {
  name: string;
  version: string;
  /**
   * Install location for npm lockfiles (`node_modules/a/node_modules/b`); yarn lockfiles have
   * none (yarn hoists at install time).
   */
  path?: string;
  /** Only needed for development (npm lockfiles mark it; yarn's do not). */
  dev?: boolean;
}

export type LockfileFormat = 'npm' | 'yarn-classic' | 'yarn-berry';

export interface ParsedLockfile {
  format: LockfileFormat;
  /** Every installed package copy, workspace packages excluded. */
  packages: LockedPackage[];
  /**
   * The version a dependency `name@range` of the workspace at `workspacePath` (relative to the
   * lockfile's directory, '' for the root) resolves to, as the package manager would load it.
   */
  resolve(name: string, range: string | undefined, workspacePath: string): string | undefined;
  /**
   * Who requires whom, for dependency paths to an installed copy. npm lockfiles v2/v3 only
   * (v1 and yarn lockfiles do not record it per install location): undefined for the others.
   * Built on first use.
   */
  dependencyGraph?(): LockGraph | undefined;
}

// Lockfiles beyond this size are refused rather than parsed (a real one is a few MB).
export const MAX_LOCKFILE_BYTES = 64 * 1024 * 1024;

const NODE_MODULES = 'node_modules/';

function nameFromInstallPath(path: string): string {
  return path.slice(path.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
}

/** Parses `package-lock.json` / `npm-shrinkwrap.json`, lockfile versions 1 to 3. */
export function parseNpmLockfile(text: string): ParsedLockfile {
  const lock = JSON.parse(text) as {
    lockfileVersion?: number;
    packages?: Record<string, LockEntry & { version?: string; dev?: boolean }>;
    dependencies?: Record<string, NpmV1Dependency>;
  };
  const packages: LockedPackage[] = [];
  const byPath = new Map<string, LockedPackage>();

  if (lock.packages) {
    for (const [path, entry] of Object.entries(lock.packages)) {
      // '' is the root project, paths without node_modules/ are workspace sources, links point at them.
      if (!path.includes(NODE_MODULES) || entry.link || !entry.version) continue;
      const locked: LockedPackage = {
        name: entry.name ?? nameFromInstallPath(path),
        version: entry.version,
        path,
        ...(entry.dev ? { dev: true } : {}),
      };
      packages.push(locked);
      byPath.set(path, locked);
    }
  } else if (lock.dependencies) {
    collectV1(lock.dependencies, '', packages, byPath);
  } else {
    throw new Error('not an npm lockfile: neither "packages" nor "dependencies" found');
  }

  let graph: LockGraph | undefined;
  return {
    format: 'npm',
    packages,
    dependencyGraph() {
      if (lock.packages) graph ??= buildLockGraph(lock.packages);
      return graph;
    },
    resolve(name, _range, workspacePath) {
      // Node's lookup: the closest node_modules folder upwards from the workspace wins.
      let dir = trimTrailingSlashes(workspacePath);
      for (;;) {
        const hit = byPath.get(dir ? `${dir}/${NODE_MODULES}${name}` : `${NODE_MODULES}${name}`);
        if (hit) return hit.version;
        if (!dir) return undefined;
        const slash = dir.lastIndexOf('/');
        dir = slash < 0 ? '' : dir.slice(0, slash);
      }
    },
  };
}

interface NpmV1Dependency {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, NpmV1Dependency>;
}

function collectV1(
  deps: Record<string, NpmV1Dependency>,
  prefix: string,
  into: LockedPackage[],
  byPath: Map<string, LockedPackage>,
) {
  for (const [name, dep] of Object.entries(deps)) {
    const path = `${prefix}${NODE_MODULES}${name}`;
    // v1 records workspace links as `file:` versions.
    if (dep.version && !dep.version.startsWith('file:')) {
      const locked: LockedPackage = {
        name,
        version: dep.version,
        path,
        ...(dep.dev ? { dev: true } : {}),
      };
      into.push(locked);
      byPath.set(path, locked);
    }
    if (dep.dependencies) collectV1(dep.dependencies, `${path}/`, into, byPath);
  }
}

/** The package name of a yarn descriptor such as `@scope/name@npm:^1.2.3` or `name@^1`. */
function descriptorName(descriptor: string): string {
  const at = descriptor.indexOf('@', 1);
  return at < 0 ? descriptor : descriptor.slice(0, at);
}

// Berry quotes a whole descriptor list (`"a@npm:^1, a@npm:^2":`), classic each descriptor.
function unquote(value: string): string {
  let trimmed = value.trim();
  if (trimmed.startsWith('"')) trimmed = trimmed.slice(1);
  if (trimmed.endsWith('"')) trimmed = trimmed.slice(0, -1);
  return trimmed.trim();
}

function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end -= 1;
  return path.slice(0, end);
}

/**
 * Parses `yarn.lock` of yarn 1 (classic) and yarn 2+ (berry). Both are line-based: an unindented
 * header lists the descriptors, an indented `version` line gives what they resolved to.
 */
export function parseYarnLockfile(text: string): ParsedLockfile {
  const berry = /^__metadata:/m.test(text);
  const packages: LockedPackage[] = [];
  const byDescriptor = new Map<string, string>();
  const versionsByName = new Map<string, Set<string>>();

  let descriptors: string[] = [];
  let recorded = false;
  const record = (version: string) => {
    if (recorded || !descriptors.length) return;
    recorded = true;
    // Workspaces and linked folders are not installed packages.
    if (
      version.startsWith('0.0.0-use.local') ||
      descriptors.some(d => /@(?:workspace|link|portal|file):/.test(d))
    ) {
      return;
    }
    const name = descriptorName(descriptors[0]);
    for (const descriptor of descriptors) byDescriptor.set(descriptor, version);
    const seen = versionsByName.get(name) ?? new Set<string>();
    if (!seen.has(version)) {
      seen.add(version);
      versionsByName.set(name, seen);
      packages.push({ name, version });
    }
  };

  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (!line.trim() || line.startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      // A header such as `"a@^1", a@^1.2:` (classic) or `"a@npm:^1, a@npm:^1.2":` (berry).
      descriptors =
        line.endsWith(':') && !line.startsWith('__metadata')
          ? line.slice(0, -1).split(',').map(unquote).filter(Boolean)
          : [];
      recorded = false;
      continue;
    }
    // Only the entry's own `version`, not a nested `dependencies:` block's keys.
    const trimmed = line.trim();
    const indent = line.length - line.trimStart().length;
    if (indent > 2 || !trimmed.startsWith('version')) continue;
    const rest = trimmed.slice('version'.length);
    if (rest.startsWith(':')) record(unquote(rest.slice(1)));
    else if (rest.startsWith(' ')) record(unquote(rest));
  }

  return {
    format: berry ? 'yarn-berry' : 'yarn-classic',
    packages,
    resolve(name, range) {
      if (range !== undefined) {
        const exact =
          byDescriptor.get(`${name}@${range}`) ?? byDescriptor.get(`${name}@npm:${range}`);
        if (exact) return exact;
      }
      const versions = [...(versionsByName.get(name) ?? [])];
      if (!versions.length) return undefined;
      const valid = versions.filter(v => semver.valid(v));
      const satisfying =
        range && semver.validRange(range)
          ? valid.filter(v => semver.satisfies(v, range, { includePrerelease: true }))
          : [];
      let pool = versions;
      if (satisfying.length) pool = satisfying;
      else if (valid.length) pool = valid;
      return pool.sort((a, b) =>
        semver.valid(a) && semver.valid(b) ? semver.rcompare(a, b) : 0,
      )[0];
    },
  };
}

/** Parses a lockfile by its file name: `yarn.lock`, else an npm lockfile. */
export function parseLockfile(fileName: string, text: string): ParsedLockfile {
  return fileName.endsWith('yarn.lock') ? parseYarnLockfile(text) : parseNpmLockfile(text);
}
