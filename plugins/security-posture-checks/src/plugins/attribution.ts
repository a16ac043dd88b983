import {
  InventoryPackage,
  PackageDependencyPath,
} from '@security-posture/plugin-security-posture-common';
import { ParsedLockfile } from '@security-posture/static-analysis';
import { looksLikeFrontendPlugin, pluginIdFromName } from './inventory';

// Enough paths per copy to reach the backend through workspace libraries; few are shown.
const PATHS_PER_COPY = 50;
const PATHS_SHOWN = 5;

export interface AttributionInput {
  lockfiles: Map<string, ParsedLockfile>;
  runtimeWorkspaces: Map<string, Set<string>>;
  /** Lockfile path as shown to users. */
  show(file: string): string;
  /** Whether a package is a Backstage plugin or module (the owner of a fix). */
  isPlugin(name: string): boolean;
}

export interface Attribution {
  dependencyPaths: PackageDependencyPath[];
  scope?: 'runtime' | 'development';
  pulledInBy: string[];
}

/** A Backstage plugin or module by name: `…plugin-x`, `…plugin-x-backend`, `…-backend-module-y`. */
export function isPluginName(name: string): boolean {
  return (
    looksLikeFrontendPlugin(name) ||
    (pluginIdFromName(name) !== undefined && !/-(common|node|react)$/.test(name))
  );
}

/**
 * Who pulls the given versions of a package in, from the lockfiles' dependency graphs: the paths,
 * whether any copy is part of the backend's or app's runtime tree, and the plugins (else the
 * top-level dependencies) whose paths lead to it. Without a graph (yarn, lockfile v1) only what
 * the package itself says (loaded) is known.
 */
export function attribute(
  pkg: Pick<InventoryPackage, 'name' | 'loaded'>,
  versions: string[],
  input: AttributionInput,
): Attribution {
  const paths: PackageDependencyPath[] = [];
  for (const [file, lock] of input.lockfiles) {
    const graph = lock.dependencyGraph?.();
    if (!graph) continue;
    const runtimeRoots = input.runtimeWorkspaces.get(file);
    for (const copy of lock.packages) {
      if (copy.name !== pkg.name || !copy.path || !versions.includes(copy.version)) continue;
      for (const found of graph.pathsTo(copy.path, PATHS_PER_COPY)) {
        // Without a known backend or app in this lockfile, every workspace counts as deployed.
        const deployed = runtimeRoots ? runtimeRoots.has(found.workspace) : true;
        paths.push({
          version: copy.version,
          lockfile: input.show(file),
          ...found,
          runtime: deployed && found.via !== 'devDependencies',
        });
      }
    }
  }
  paths.sort((a, b) => Number(b.runtime) - Number(a.runtime) || a.chain.length - b.chain.length);

  const owners = new Set<string>();
  const considered = paths.some(p => p.runtime) ? paths.filter(p => p.runtime) : paths;
  for (const p of considered) {
    // The fix belongs to the plugin nearest the workspace; without one, the top-level dependency.
    if (p.chain.length === 1) owners.add(p.workspace || `${p.lockfile} root`);
    else owners.add(p.chain.slice(0, -1).find(input.isPlugin) ?? p.chain[0]);
  }
  let scope: Attribution['scope'];
  if (pkg.loaded || paths.some(p => p.runtime)) scope = 'runtime';
  else if (paths.length) scope = 'development';
  return { dependencyPaths: paths.slice(0, PATHS_SHOWN), scope, pulledInBy: [...owners] };
}

/** `packages/app › @roadiehq/backstage-plugin-x › @octokit/request › lib@1.0.0 (dependencies)` */
export function pathText(p: PackageDependencyPath): string {
  const start = p.workspace || `${p.lockfile} root`;
  const chain = [...p.chain];
  chain[chain.length - 1] = `${chain[chain.length - 1]}@${p.version}`;
  return `${start} › ${chain.join(' › ')} (${p.via})`;
}
