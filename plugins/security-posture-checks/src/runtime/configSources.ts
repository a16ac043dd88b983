import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { findRepositoryRoot, exists } from '../plugins/manifests';
import { displayPath } from '../plugins/inventory';
import { ParsedFileCache } from '../plugins/parsedFileCache';

/** Where a config value comes from, as far as the loaded config files tell. */
export type CredentialSource = 'env' | 'file' | 'literal' | 'unknown';

export interface SourceAnswer {
  source: CredentialSource;
  /**
   * Never the value: the environment variable names (`env`), the referenced file (`file`), or
   * the config file holding the literal (`literal`); why it is unknown otherwise.
   */
  detail: string;
}

export interface LoadedConfigFile {
  /** Shown to users: relative to the repository root when inside it. */
  file: string;
  data?: unknown;
  error?: string;
}

export type PathSegment = string | number;

const MAX_CONFIG_BYTES = 2 * 1024 * 1024;
/** `${NAME}` substitutions; `$${` escapes one. Linear: a bounded class between fixed delimiters. */
const SUBSTITUTION = /\$\{([A-Za-z_][A-Za-z0-9_]{0,200})\}/g;

/**
 * The config files the backend loaded, in load order: `options.configFiles` when set, else the
 * `--config` arguments of the process, else `app-config.yaml` and `app-config.local.yaml` of
 * the repository root (what the Backstage CLI loads without arguments).
 */
export async function configFilePaths(options: {
  configured?: string[];
  argv: string[];
  cwd: string;
  rootDir?: string;
}): Promise<{ rootDir: string; files: string[]; how: string }> {
  const rootDir = options.rootDir
    ? path.resolve(options.cwd, options.rootDir)
    : (await findRepositoryRoot(options.cwd)) ?? options.cwd;
  if (options.configured?.length) {
    return {
      rootDir,
      files: options.configured.map(f => path.resolve(rootDir, f)),
      how: 'securityPosture.checks.runtime.credential-inventory.options.configFiles',
    };
  }
  const fromArgs: string[] = [];
  for (let i = 0; i < options.argv.length; i++) {
    const arg = options.argv[i];
    if (arg === '--config' && options.argv[i + 1]) {
      fromArgs.push(options.argv[i + 1]);
      i++;
    } else if (arg.startsWith('--config=')) {
      fromArgs.push(arg.slice('--config='.length));
    }
  }
  const local = fromArgs.filter(f => !/^https?:\/\//.test(f));
  if (local.length) {
    return { rootDir, files: local.map(f => path.resolve(options.cwd, f)), how: '--config arguments' };
  }
  const defaults: string[] = [];
  for (const name of ['app-config.yaml', 'app-config.local.yaml']) {
    const file = path.join(rootDir, name);
    if (await exists(file)) defaults.push(file);
  }
  return { rootDir, files: defaults, how: 'default app-config files of the repository root' };
}

/**
 * Both runtime checks read the config files at the start of every scan; parsing YAML is slow (~7 ms
 * for the demo's 3 kB app-config.yaml) and they change only with a deployment.
 */
const parsedConfigFiles = new ParsedFileCache<unknown>(16);

export async function loadConfigFiles(rootDir: string, files: string[]): Promise<LoadedConfigFile[]> {
  const loaded: LoadedConfigFile[] = [];
  for (const file of files) {
    const shown = displayPath(rootDir, file);
    try {
      const stat = await fs.stat(file);
      if (stat.size > MAX_CONFIG_BYTES) {
        loaded.push({ file: shown, error: `larger than ${MAX_CONFIG_BYTES} bytes` });
        continue;
      }
      const data = await parsedConfigFiles.read(file, stat, async () =>
        parse(await fs.readFile(file, 'utf8')),
      );
      loaded.push({ file: shown, data });
    } catch (e) {
      // The message of a YAML error quotes the offending line: keep only its class.
      loaded.push({ file: shown, error: e instanceof Error ? e.name : 'unreadable' });
    }
  }
  return loaded;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The env variable names a string substitutes. */
export function substitutedNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.replace(/\$\$\{/g, '').matchAll(SUBSTITUTION)) names.push(match[1]);
  return names;
}

/** Every env variable name any loaded file references (`${NAME}` or `$env`). */
export function referencedEnvNames(files: LoadedConfigFile[]): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown, depth: number) => {
    if (depth > 64) return;
    if (typeof node === 'string') {
      for (const n of substitutedNames(node)) names.add(n);
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
    } else if (isObject(node)) {
      if (typeof node.$env === 'string') names.add(node.$env);
      for (const value of Object.values(node)) visit(value, depth + 1);
    }
  };
  for (const f of files) visit(f.data, 0);
  return names;
}

function classifyNode(node: unknown, file: string): SourceAnswer | undefined {
  if (typeof node === 'string') {
    const names = substitutedNames(node);
    if (names.length) return { source: 'env', detail: names.map(n => `\${${n}}`).join(' ') };
    return { source: 'literal', detail: file };
  }
  if (typeof node === 'number' || typeof node === 'boolean') return { source: 'literal', detail: file };
  if (isObject(node)) {
    if (typeof node.$env === 'string') return { source: 'env', detail: `$env: ${node.$env}` };
    if (typeof node.$file === 'string') return { source: 'file', detail: `$file: ${node.$file} (in ${file})` };
    if (typeof node.$include === 'string') {
      return { source: 'file', detail: `$include: ${node.$include} (in ${file})` };
    }
  }
  return undefined;
}

/**
 * Where the value at `segments` comes from: the last loaded file that defines it decides (later
 * files override earlier ones; arrays are replaced as a whole). An `$include` on the way down
 * means the value comes from that file.
 */
export function sourceOf(
  files: LoadedConfigFile[],
  segments: PathSegment[],
  env: Record<string, string | undefined>,
): SourceAnswer {
  const appConfigVar = `APP_CONFIG_${segments.join('_')}`;
  if (segments.every(s => typeof s === 'string') && env[appConfigVar] !== undefined) {
    return { source: 'env', detail: appConfigVar };
  }
  for (let i = files.length - 1; i >= 0; i--) {
    let node: unknown = files[i].data;
    let answer: SourceAnswer | undefined;
    for (const segment of segments) {
      if (isObject(node) && typeof node.$include === 'string') {
        answer = { source: 'file', detail: `$include: ${node.$include} (in ${files[i].file})` };
        break;
      }
      if (typeof segment === 'number' ? !Array.isArray(node) : !isObject(node)) {
        node = undefined;
        break;
      }
      node = (node as any)[segment];
    }
    if (answer) return answer;
    if (node === undefined || node === null) continue;
    const found = classifyNode(node, files[i].file);
    if (found) return found;
  }
  const read = files.filter(f => !f.error).map(f => f.file);
  return {
    source: 'unknown',
    detail: read.length
      ? `not found in ${read.join(', ')}`
      : 'no config file could be read; set options.configFiles',
  };
}
