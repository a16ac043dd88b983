import fs from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { Config, ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { ciValuesOfSkeleton, parseLockfile, SkeletonFile } from '@security-posture/static-analysis';
import { InputFile } from './files';

const SCAFFOLDER_BACKEND = '@backstage/plugin-scaffolder-backend';
/** CI files a skeleton may hold, relative to the skeleton folder. */
const CI_FILES = [
  '.gitlab-ci.yml',
  '.gitlab-ci.yaml',
  'Jenkinsfile',
  'azure-pipelines.yml',
  'azure-pipelines.yaml',
  '.circleci/config.yml',
  'bitbucket-pipelines.yml',
];
const WORKFLOWS_DIR = '.github/workflows';
const MAX_WORKFLOWS = 100;
const MAX_CI_FILE_BYTES = 256 * 1024;

export interface ScaffolderVersion {
  version: string;
  source: string;
}

/**
 * The lowest `@backstage/plugin-scaffolder-backend` version in the scanned lockfiles: the
 * deployment whose templates these are most likely runs it.
 */
export async function scaffolderVersionFromLockfiles(
  inputs: InputFile[],
  display: (absolute: string) => string,
): Promise<ScaffolderVersion | undefined> {
  let lowest: ScaffolderVersion | undefined;
  for (const input of inputs) {
    if (input.type !== 'lockfile') continue;
    let versions: string[];
    try {
      const text = await fs.readFile(input.absolute, 'utf8');
      versions = parseLockfile(path.basename(input.absolute), text)
        .packages.filter(p => p.name === SCAFFOLDER_BACKEND)
        .map(p => p.version);
    } catch {
      continue; // the lockfile scan reports unreadable lockfiles
    }
    for (const version of versions) {
      if (!semver.valid(version)) continue;
      if (!lowest || semver.lt(version, lowest.version)) {
        lowest = { version, source: `lockfile ${display(input.absolute)}` };
      }
    }
  }
  return lowest;
}

function inside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return (
    relative === '' ||
    (!relative.startsWith('..') && !path.isAbsolute(relative))
  );
}

async function readIfFile(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile() || stat.size > MAX_CI_FILE_BYTES) return undefined;
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The CI files of one skeleton folder (symbolic links are not followed). */
async function ciFilesOf(dir: string): Promise<SkeletonFile[]> {
  const files: SkeletonFile[] = [];
  for (const name of CI_FILES) {
    const text = await readIfFile(path.join(dir, name));
    if (text !== undefined) files.push({ path: name, text });
  }
  let workflows: string[] = [];
  try {
    workflows = (await fs.readdir(path.join(dir, WORKFLOWS_DIR))).sort();
  } catch {
    workflows = [];
  }
  for (const name of workflows.slice(0, MAX_WORKFLOWS)) {
    if (!/\.ya?ml$/.test(name)) continue;
    const text = await readIfFile(path.join(dir, WORKFLOWS_DIR, name));
    if (text !== undefined)
      files.push({ path: `${WORKFLOWS_DIR}/${name}`, text });
  }
  return files;
}

/**
 * For each `fetch:template` step with a relative `url`, the `values.<name>` its skeleton
 * renders into shell lines of CI files. Skeletons outside `root` are not read.
 */
export async function skeletonCiValues(
  templateFile: string,
  template: Record<string, unknown>,
  root: string,
): Promise<Record<string, Record<string, string>> | undefined> {
  const spec = template.spec as { steps?: unknown } | undefined;
  if (!spec || !Array.isArray(spec.steps)) return undefined;
  const found: Record<string, Record<string, string>> = {};
  for (const [index, step] of spec.steps.entries()) {
    if (!step || typeof step !== 'object') continue;
    const { id, action, input } = step as Record<string, unknown>;
    if (action !== 'fetch:template' || !input || typeof input !== 'object')
      continue;
    const url = (input as Record<string, unknown>).url;
    if (
      typeof url !== 'string' ||
      /^[a-z][a-z0-9+.-]*:/i.test(url) ||
      url.includes('${{')
    )
      continue;
    const dir = path.resolve(path.dirname(templateFile), url);
    if (!inside(root, dir)) continue;
    const values = ciValuesOfSkeleton(await ciFilesOf(dir));
    if (Object.keys(values).length > 0) {
      found[typeof id === 'string' && id ? id : `step-${index + 1}`] = values;
    }
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

/**
 * The template check's options with what the CLI learnt from the files around a template. A
 * `--scaffolder-backend-version` flag wins over the configured option, which wins over a
 * version read from a lockfile.
 */
export function templateCheckOptions(
  base: Config,
  found: {
    skeletonCiValues?: JsonObject;
    scaffolder?: ScaffolderVersion & { fromFlag: boolean };
  },
): Config {
  const own = (base.getOptional() ?? {}) as JsonObject;
  const merged: JsonObject = { ...own };
  if (found.skeletonCiValues) merged.skeletonCiValues = found.skeletonCiValues;
  const { scaffolder } = found;
  if (
    scaffolder &&
    (scaffolder.fromFlag || own.scaffolderBackendVersion === undefined)
  ) {
    merged.scaffolderBackendVersion = scaffolder.version;
    merged.scaffolderBackendVersionSource = scaffolder.source;
  } else if (!scaffolder && own.scaffolderBackendVersion === undefined) {
    merged.scaffolderBackendVersionSource =
      'not known to the CLI: give --scaffolder-backend-version or scan the lockfile';
  }
  return new ConfigReader(merged, 'cli');
}
