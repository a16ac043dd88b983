import fs from 'node:fs/promises';
import path from 'node:path';

/** The parts of a package.json the inventory reads. */
export interface PackageManifest {
  name?: string;
  version?: string;
  main?: string;
  workspaces?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  backstage?: {
    role?: string;
    pluginId?: string;
    pluginPackage?: string;
    pluginPackages?: string[];
  };
}

// Manifests are small; anything huge is not one.
const MAX_MANIFEST_BYTES = 1024 * 1024;

export async function readTextFile(file: string, maxBytes: number): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes)
      throw new Error(`${file} is ${size} bytes, more than the ${maxBytes} read`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

export async function readManifest(file: string): Promise<PackageManifest> {
  return JSON.parse(await readTextFile(file, MAX_MANIFEST_BYTES)) as PackageManifest;
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the manifest Node would load for `name` from `fromDir`: the closest
 * `node_modules/<name>/package.json` upwards, read from disk (not through `require`, which
 * packages with an `exports` map may refuse for `package.json`).
 */
export async function resolveInstalledManifest(
  name: string,
  fromDir: string,
): Promise<{ dir: string; manifest: PackageManifest } | undefined> {
  let dir = path.resolve(fromDir);
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    const file = path.join(candidate, 'package.json');
    if (await exists(file)) {
      try {
        return { dir: await fs.realpath(candidate), manifest: await readManifest(file) };
      } catch {
        return undefined;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The closest directory upwards from `fromDir` that holds one of `fileNames`. */
export async function findUpwards(
  fromDir: string,
  fileNames: string[],
): Promise<string | undefined> {
  let dir = path.resolve(fromDir);
  for (;;) {
    for (const fileName of fileNames) {
      const file = path.join(dir, fileName);
      if (await exists(file)) return file;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The repository root of a Backstage deployment: the closest directory upwards with a
 * `backstage.json`, else with a package.json that declares workspaces.
 */
export async function findRepositoryRoot(fromDir: string): Promise<string | undefined> {
  const backstageJson = await findUpwards(fromDir, ['backstage.json']);
  if (backstageJson) return path.dirname(backstageJson);
  let dir = path.resolve(fromDir);
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (await exists(file)) {
      try {
        if ((await readManifest(file)).workspaces) return dir;
      } catch {
        // not a readable manifest: keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const MODULE_ID_LITERAL = /moduleId:\s{0,4}["']([a-z0-9][a-z0-9-]{0,100})["']/g;
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

/**
 * Module ids a backend module package registers, read from `createBackendModule({ moduleId })`
 * literals in its built entry files. Used when the package name does not follow the
 * `<plugin>-backend-module-<moduleId>` convention.
 */
export async function moduleIdsInPackage(
  packageDir: string,
  manifest: PackageManifest,
): Promise<string[]> {
  const files = new Set<string>();
  if (manifest.main) files.add(path.resolve(packageDir, manifest.main));
  const dist = path.join(packageDir, 'dist');
  try {
    for (const entry of (await fs.readdir(dist)).slice(0, 50)) {
      if (/\.(?:c|m)?js$/.test(entry)) files.add(path.join(dist, entry));
    }
  } catch {
    // no dist folder (e.g. a workspace package run from source)
  }
  const ids = new Set<string>();
  for (const file of files) {
    try {
      const text = await readTextFile(file, MAX_ENTRY_BYTES);
      for (const match of text.matchAll(MODULE_ID_LITERAL)) ids.add(match[1]);
    } catch {
      // unreadable or too large: skip
    }
  }
  return [...ids];
}
