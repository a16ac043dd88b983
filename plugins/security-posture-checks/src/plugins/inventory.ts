import fs from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { ParsedFileCache } from './parsedFileCache';
import {
  PluginInventory,
  PluginPackageKind,
} from '@security-posture/plugin-security-posture-common';
import {
  LockedPackage,
  MAX_LOCKFILE_BYTES,
  ParsedLockfile,
  parseLockfile,
} from '@security-posture/static-analysis';
import {
  exists,
  moduleIdsInPackage,
  PackageManifest,
  readManifest,
  readTextFile,
  resolveInstalledManifest,
} from './manifests';

type FoundIn = 'backend' | 'app' | 'lockfile';

/** One package of the inventory while it is being assembled. */
export interface InventoryEntry {
  name: string;
  kind: PluginPackageKind;
  pluginId?: string;
  moduleId?: string;
  loaded: boolean;
  /** A direct dependency of the backend or app package. */
  direct: boolean;
  /** The versions that are direct dependencies (others are only transitive copies). */
  directVersions: Set<string>;
  foundIn: Set<FoundIn>;
  /** Installed version → where it is installed (lockfile paths, `backend runtime`, …). */
  versions: Map<string, Set<string>>;
  /** Lockfile copies, and how many of them are development-only. */
  lockedCopies: number;
  devCopies: number;
}

export interface InventoryInput {
  rootDir: string;
  backendDir?: string;
  appManifest?: string;
  backendLockfile?: string;
  appLockfile?: string;
  backstageJson?: string;
  installedPlugins: ReadonlyArray<{
    pluginId: string;
    modules: ReadonlyArray<{ moduleId: string }>;
  }>;
}

export interface RawInventory {
  backstageRelease?: string;
  sources: PluginInventory['sources'];
  entries: Map<string, InventoryEntry>;
  /** Every installed package copy the lockfiles list (for advisory matching). */
  locked: LockedPackage[];
  /** The parsed lockfiles by file, for dependency paths. */
  lockfiles: Map<string, ParsedLockfile>;
  /** Per lockfile: the folders (relative to it) of the backend and app it installs. */
  runtimeWorkspaces: Map<string, Set<string>>;
  unmappedFeatures: PluginInventory['unmappedFeatures'];
  warnings: string[];
}

const KIND_RANK: Record<PluginPackageKind, number> = {
  library: 0,
  'frontend-plugin': 1,
  'backend-module': 2,
  'backend-plugin': 3,
};

function unscoped(name: string): string {
  const slash = name.indexOf('/');
  return name.startsWith('@') && slash > 0 ? name.slice(slash + 1) : name;
}

/** `@backstage/plugin-catalog-backend` → `catalog`; `@roadiehq/backstage-plugin-x` → `x`. */
export function pluginIdFromName(name: string): string | undefined {
  let base = unscoped(name);
  const moduleAt = base.indexOf('-backend-module-');
  if (moduleAt > 0) base = base.slice(0, moduleAt);
  if (base.startsWith('backstage-plugin-')) base = base.slice('backstage-plugin-'.length);
  else if (base.startsWith('plugin-')) base = base.slice('plugin-'.length);
  else return undefined;
  for (const suffix of ['-backend', '-react', '-common', '-node']) {
    if (base.endsWith(suffix)) return base.slice(0, -suffix.length) || undefined;
  }
  return base || undefined;
}

/** A frontend plugin by naming convention, for packages whose manifest cannot be read. */
export function looksLikeFrontendPlugin(name: string): boolean {
  const base = unscoped(name);
  if (!base.startsWith('plugin-') && !base.startsWith('backstage-plugin-')) return false;
  if (base.includes('-backend-module-')) return false;
  return !['-backend', '-node', '-common', '-react'].some(s => base.endsWith(s));
}

function moduleIdFromName(name: string): string | undefined {
  const base = unscoped(name);
  const at = base.indexOf('-backend-module-');
  return at > 0 ? base.slice(at + '-backend-module-'.length) || undefined : undefined;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Paths shown to users: relative to the repository root when inside it. */
export function displayPath(rootDir: string, file: string): string {
  const relative = path.relative(rootDir, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? toPosix(relative)
    : toPosix(file);
}

class EntryMap {
  readonly entries = new Map<string, InventoryEntry>();

  upsert(
    name: string,
    update: {
      kind: PluginPackageKind;
      pluginId?: string;
      moduleId?: string;
      loaded?: boolean;
      direct?: boolean;
      foundIn: FoundIn;
      version?: string;
      location?: string;
    },
  ): InventoryEntry {
    let entry = this.entries.get(name);
    if (!entry) {
      entry = {
        name,
        kind: update.kind,
        loaded: false,
        direct: false,
        directVersions: new Set(),
        foundIn: new Set(),
        versions: new Map(),
        lockedCopies: 0,
        devCopies: 0,
      };
      this.entries.set(name, entry);
    }
    if (KIND_RANK[update.kind] > KIND_RANK[entry.kind]) entry.kind = update.kind;
    entry.pluginId ??= update.pluginId;
    entry.moduleId ??= update.moduleId;
    entry.loaded ||= update.loaded ?? false;
    entry.direct ||= update.direct ?? false;
    if (update.direct && update.version) entry.directVersions.add(update.version);
    entry.foundIn.add(update.foundIn);
    if (update.version) {
      const locations = entry.versions.get(update.version) ?? new Set<string>();
      if (update.location) locations.add(update.location);
      entry.versions.set(update.version, locations);
    }
    return entry;
  }
}

/**
 * Parsing a real lockfile, a few MB, held the event loop for ~0.1 s at the start of every scan;
 * it changes only with a deployment.
 */
const parsedLockfiles = new ParsedFileCache<ParsedLockfile>(4);

async function readLockfile(file: string): Promise<ParsedLockfile> {
  return parsedLockfiles.read(file, await fs.stat(file), () =>
    readTextFile(file, MAX_LOCKFILE_BYTES).then(text =>
      parseLockfile(path.basename(file), text),
    ),
  );
}

interface BackendPackage {
  name: string;
  version?: string;
  dir: string;
  manifest: PackageManifest;
  moduleIds: string[];
}

/**
 * Assembles the inventory from what is installed: the backend's dependencies as Node resolves
 * them from the backend package (the code that actually runs), the plugins and modules the
 * backend reports as installed, the app's dependencies at their locked versions, every
 * package copy in the lockfiles, and the release in `backstage.json`.
 */
export async function buildInventory(input: InventoryInput): Promise<RawInventory> {
  const warnings: string[] = [];
  const entries = new EntryMap();
  const unmappedFeatures: RawInventory['unmappedFeatures'] = [];
  const sources: PluginInventory['sources'] = {};
  const show = (file: string) => displayPath(input.rootDir, file);

  // Backend: runtime resolution from the backend package.
  if (input.backendDir) {
    const manifestFile = path.join(input.backendDir, 'package.json');
    sources.backendPackage = show(manifestFile);
    try {
      const manifest = await readManifest(manifestFile);
      const resolved: BackendPackage[] = [];
      for (const name of Object.keys(manifest.dependencies ?? {})) {
        const found = await resolveInstalledManifest(name, input.backendDir);
        if (!found) {
          warnings.push(`${name} is a backend dependency but is not installed`);
          continue;
        }
        const role = found.manifest.backstage?.role;
        const moduleIds =
          role === 'backend-plugin-module'
            ? [
                ...new Set(
                  [moduleIdFromName(name)]
                    .concat(await moduleIdsInPackage(found.dir, found.manifest))
                    .filter((id): id is string => !!id),
                ),
              ]
            : [];
        resolved.push({
          name,
          version: found.manifest.version,
          dir: found.dir,
          manifest: found.manifest,
          moduleIds,
        });
      }

      const pluginPackages = resolved.filter(p => p.manifest.backstage?.role === 'backend-plugin');
      const modulePackages = resolved.filter(
        p => p.manifest.backstage?.role === 'backend-plugin-module',
      );
      const pluginIdOf = (p: BackendPackage) =>
        p.manifest.backstage?.pluginId ?? pluginIdFromName(p.name);

      const loadedNames = new Set<string>();
      for (const plugin of input.installedPlugins) {
        const candidates = pluginPackages.filter(p => pluginIdOf(p) === plugin.pluginId);
        // A plugin id shared by several packages is rare; the `-backend` package is the plugin.
        const pkg = candidates.find(p => p.name.endsWith('-backend')) ?? candidates[0];
        if (pkg) {
          loadedNames.add(pkg.name);
          entries.upsert(pkg.name, {
            kind: 'backend-plugin',
            pluginId: plugin.pluginId,
            loaded: true,
            direct: true,
            foundIn: 'backend',
            version: pkg.version,
            location: `backend runtime: ${show(pkg.dir)}`,
          });
        } else {
          unmappedFeatures.push({ pluginId: plugin.pluginId });
        }
        for (const { moduleId } of plugin.modules) {
          const mod = modulePackages.find(
            p => pluginIdOf(p) === plugin.pluginId && p.moduleIds.includes(moduleId),
          );
          if (!mod) {
            unmappedFeatures.push({ pluginId: plugin.pluginId, moduleId });
            continue;
          }
          loadedNames.add(mod.name);
          entries.upsert(mod.name, {
            kind: 'backend-module',
            pluginId: plugin.pluginId,
            moduleId,
            loaded: true,
            direct: true,
            foundIn: 'backend',
            version: mod.version,
            location: `backend runtime: ${show(mod.dir)}`,
          });
        }
      }

      for (const pkg of resolved) {
        if (loadedNames.has(pkg.name)) continue;
        const role = pkg.manifest.backstage?.role;
        let kind: PluginPackageKind | undefined;
        if (role === 'backend-plugin') kind = 'backend-plugin';
        else if (role === 'backend-plugin-module') kind = 'backend-module';
        else if (role || pkg.name.startsWith('@backstage/')) kind = 'library';
        if (!kind) continue;
        // Installed but not reported by the backend: present in the bundle, not running.
        entries.upsert(pkg.name, {
          kind,
          pluginId: kind === 'library' ? pkg.manifest.backstage?.pluginId : pluginIdOf(pkg),
          moduleId: kind === 'backend-module' ? pkg.moduleIds[0] : undefined,
          direct: true,
          foundIn: 'backend',
          version: pkg.version,
          location: `backend runtime: ${show(pkg.dir)}`,
        });
      }
    } catch (e) {
      warnings.push(
        `backend package ${show(manifestFile)} could not be read: ${(e as Error).message}`,
      );
    }
  } else {
    warnings.push('no backend package found: backend plugins are reported by id only');
    for (const plugin of input.installedPlugins) {
      unmappedFeatures.push({ pluginId: plugin.pluginId });
      for (const { moduleId } of plugin.modules) {
        unmappedFeatures.push({ pluginId: plugin.pluginId, moduleId });
      }
    }
  }

  // Lockfiles: the backend's and the app's (often the same file).
  const lockfiles = new Map<string, ParsedLockfile>();
  for (const file of [input.backendLockfile, input.appLockfile]) {
    if (!file || lockfiles.has(file)) continue;
    try {
      lockfiles.set(file, await readLockfile(file));
    } catch (e) {
      warnings.push(`lockfile ${show(file)} could not be read: ${(e as Error).message}`);
    }
  }
  const appLock = input.appLockfile ? lockfiles.get(input.appLockfile) : undefined;
  const firstLockfile = input.appLockfile ?? input.backendLockfile;
  if (firstLockfile && lockfiles.has(firstLockfile)) {
    sources.lockfile = [...lockfiles.keys()].map(show).join(', ');
    sources.lockfileFormat = lockfiles.get(firstLockfile)!.format;
  }

  // App: its dependencies at the versions the lockfile pins.
  if (input.appManifest) {
    sources.appPackage = show(input.appManifest);
    try {
      const manifest = await readManifest(input.appManifest);
      const appDir = path.dirname(input.appManifest);
      const workspacePath = input.appLockfile
        ? toPosix(path.relative(path.dirname(input.appLockfile), appDir))
        : '';
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        const installed = await resolveInstalledManifest(name, appDir);
        const version =
          appLock?.resolve(name, range, workspacePath) ??
          installed?.manifest.version ??
          (semver.valid(range) ? range : undefined);
        // The installed manifest tells the role, if it is the same version.
        const role =
          installed && installed.manifest.version === version
            ? installed.manifest.backstage?.role
            : undefined;
        const isPlugin = role ? role === 'frontend-plugin' : looksLikeFrontendPlugin(name);
        if (!isPlugin && !name.startsWith('@backstage/') && !role) continue;
        if (!version) {
          warnings.push(`version of app dependency ${name} is unknown (not locked, not installed)`);
        }
        entries.upsert(name, {
          kind: isPlugin ? 'frontend-plugin' : 'library',
          pluginId: installed?.manifest.backstage?.pluginId ?? pluginIdFromName(name),
          direct: true,
          foundIn: 'app',
          version,
          location: `app: ${show(input.appManifest)}`,
        });
      }
    } catch (e) {
      warnings.push(
        `app package ${show(input.appManifest)} could not be read: ${(e as Error).message}`,
      );
    }
  } else {
    warnings.push('no app package found: frontend plugins are not inventoried');
  }

  // Every copy in the lockfiles: @backstage/* joins the inventory, everything is matched.
  const locked: LockedPackage[] = [];
  const seenCopies = new Set<string>();
  for (const [file, lock] of lockfiles) {
    for (const pkg of lock.packages) {
      const copyKey = `${pkg.name}@${pkg.version}@${pkg.path ?? file}`;
      if (seenCopies.has(copyKey)) continue;
      seenCopies.add(copyKey);
      locked.push(pkg);
      const existing = entries.entries.get(pkg.name);
      if (!existing && !pkg.name.startsWith('@backstage/')) continue;
      const entry = entries.upsert(pkg.name, {
        kind: 'library',
        foundIn: 'lockfile',
        version: pkg.version,
        location: `${show(file)}${pkg.path ? `: ${pkg.path}` : ''}`,
      });
      entry.lockedCopies += 1;
      if (pkg.dev) entry.devCopies += 1;
    }
  }

  let backstageRelease: string | undefined;
  if (input.backstageJson && (await exists(input.backstageJson))) {
    sources.backstageJson = show(input.backstageJson);
    try {
      const json = JSON.parse(await readTextFile(input.backstageJson, 64 * 1024));
      if (typeof json?.version === 'string') backstageRelease = json.version;
    } catch (e) {
      warnings.push(`${show(input.backstageJson)} could not be read: ${(e as Error).message}`);
    }
  }

  const runtimeWorkspaces = new Map<string, Set<string>>();
  const addRuntime = (lockfile: string | undefined, dir: string | undefined) => {
    if (!lockfile || !dir || !lockfiles.has(lockfile)) return;
    const relative = toPosix(path.relative(path.dirname(lockfile), dir));
    if (relative.startsWith('..') || path.isAbsolute(relative)) return;
    const set = runtimeWorkspaces.get(lockfile) ?? new Set<string>();
    set.add(relative);
    runtimeWorkspaces.set(lockfile, set);
  };
  addRuntime(input.backendLockfile, input.backendDir);
  addRuntime(input.appLockfile, input.appManifest ? path.dirname(input.appManifest) : undefined);

  return {
    backstageRelease,
    sources,
    entries: entries.entries,
    locked,
    lockfiles,
    runtimeWorkspaces,
    unmappedFeatures,
    warnings,
  };
}
