import fs from 'node:fs/promises';
import path from 'node:path';

export type InputType = 'yaml' | 'lockfile' | 'manifest';

export interface InputFile {
  /** Absolute path. */
  absolute: string;
  type: InputType;
  /** The directory named on the command line that the file was found in (absent for named files). */
  base?: string;
}

const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock']);
const YAML_EXTENSION = /\.ya?ml$/i;
// Dependencies, VCS data and build output hold no catalog or template files of the project.
const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'dist',
  'dist-types',
  'coverage',
]);
const MAX_WALK_DEPTH = 32;

export class UsageError extends Error {
  name = 'UsageError';
}

function typeOf(file: string): InputType | undefined {
  const base = path.basename(file);
  if (LOCKFILES.has(base)) return 'lockfile';
  if (base === 'package.json') return 'manifest';
  if (YAML_EXTENSION.test(base)) return 'yaml';
  return undefined;
}

async function walk(dir: string, depth: number, out: InputFile[], base: string) {
  if (depth > MAX_WALK_DEPTH) return;
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : Number(a.name > b.name)));
  for (const entry of entries) {
    const absolute = path.join(dir, entry.name);
    // Symbolic links are not followed: they may leave the tree or loop.
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(absolute, depth + 1, out, base);
    } else if (entry.isFile()) {
      const type = typeOf(entry.name);
      if (type) out.push({ absolute, type, base });
    }
  }
}

/**
 * The files to scan: named files as they are (a file that is neither a lockfile, a
 * `package.json` nor `.yaml` is read as YAML: catalog files are sometimes named otherwise),
 * directories walked for `*.yaml`, `*.yml`, lockfiles and `package.json`. Sorted, no duplicates.
 */
export async function collectInputs(paths: string[], cwd: string): Promise<InputFile[]> {
  const found: InputFile[] = [];
  for (const p of paths) {
    const absolute = path.resolve(cwd, p);
    let stat;
    try {
      stat = await fs.stat(absolute);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (stat.isDirectory()) await walk(absolute, 0, found, absolute);
    else found.push({ absolute, type: typeOf(absolute) ?? 'yaml' });
  }
  const unique = new Map(found.map(f => [f.absolute, f]));
  return [...unique.values()].sort((a, b) =>
    a.absolute < b.absolute ? -1 : Number(a.absolute > b.absolute),
  );
}

/** A path as reports show it: relative to the root, with `/` separators. */
export function displayPath(root: string, absolute: string): string {
  const relative = path.relative(root, absolute);
  const shown = relative && !relative.startsWith('..') ? relative : absolute;
  return shown.split(path.sep).join('/');
}
