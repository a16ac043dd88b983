import {
  InventoryPackage,
  PluginInventory,
} from '@security-posture/plugin-security-posture-common';
import { PluginAnalysis } from './analysis';
import { daysSince } from './staleness';

/** The package a nested lockfile copy belongs to: `node_modules/a/node_modules/b` → `a`. */
export function pulledInBy(location: string): string | undefined {
  const marker = '/node_modules/';
  const last = location.lastIndexOf(marker);
  if (last < 0) return undefined;
  const parentPath = location.slice(0, last);
  const start = parentPath.lastIndexOf('node_modules/');
  return start < 0 ? undefined : parentPath.slice(start + 'node_modules/'.length);
}

/**
 * How the package takes part in the deployment, in words. With `versions`, for those versions
 * only: a package can be a direct dependency in one version and a transitive copy in another.
 */
export function relationOf(
  pkg: InventoryPackage,
  analysis: PluginAnalysis,
  versions?: string[],
): string {
  if (pkg.kind === 'backend-plugin') {
    return pkg.loaded
      ? `loaded backend plugin '${pkg.pluginId}'`
      : 'backend plugin installed but not loaded';
  }
  if (pkg.kind === 'backend-module') {
    return pkg.loaded
      ? `loaded backend module '${pkg.pluginId}.${pkg.moduleId}'`
      : 'backend module installed but not loaded';
  }
  const direct = analysis.directVersions.get(pkg.name) ?? new Set<string>();
  const considered = versions ?? pkg.installedVersions;
  if (considered.some(v => direct.has(v))) {
    return pkg.kind === 'frontend-plugin'
      ? 'frontend plugin of the app'
      : 'direct dependency of the backend or app';
  }
  const devNote = analysis.devOnly.has(pkg.name) || pkg.scope === 'development';
  if (pkg.pulledInBy?.length) {
    // From the lockfile's dependency graph: the plugins (or top-level dependencies) behind it.
    const by = `transitive dependency pulled in by ${pkg.pulledInBy.slice(0, 3).join(', ')}`;
    return pkg.scope === 'development' ? `${by}, development only` : by;
  }
  const parents = new Set<string>();
  for (const version of considered) {
    for (const location of analysis.locations.get(pkg.name)?.get(version) ?? []) {
      const parent = pulledInBy(location);
      if (parent) parents.add(parent);
    }
  }
  const via = parents.size ? ` via ${[...parents].slice(0, 3).join(', ')}` : '';
  return devNote ? `transitive dependency${via}, development only` : `transitive dependency${via}`;
}

/**
 * Where the registry data behind a statement came from, and how old it is, when the registry
 * did not answer for it. Empty for live (or freshly cached) data.
 */
export function dataAgeNote(pkg: InventoryPackage, analysis: PluginAnalysis): string {
  const error = analysis.lookups.get(pkg.name)?.error;
  if (!error) return '';
  const age = daysSince(pkg.dataAsOf, analysis.now);
  const ageText = age === undefined ? '' : ` (${age} day${age === 1 ? '' : 's'} old)`;
  if (pkg.dataSource === 'bundled') {
    return `registry unreachable: data from the bundled snapshot of ${pkg.dataAsOf?.slice(
      0,
      10,
    )}${ageText}`;
  }
  if (pkg.dataSource === 'cache') {
    return `registry unreachable: data cached on ${pkg.dataAsOf?.slice(0, 10)}${ageText}`;
  }
  return 'registry unreachable: no data';
}

/** `1.2.3` or `1.2.3, 1.1.0` */
export function versionsText(pkg: InventoryPackage): string {
  return pkg.installedVersions.join(', ') || 'unknown version';
}

export function withNote(message: string, note: string): string {
  return note ? `${message} (${note})` : message;
}

export function dataEvidence(pkg: InventoryPackage) {
  return {
    dataSource: pkg.dataSource,
    ...(pkg.dataAsOf ? { dataAsOf: pkg.dataAsOf } : {}),
  };
}

/**
 * Which advisory sources stand behind a statement and when each answered, e.g.
 * `osv (https://api.osv.dev, asked 2026-12-06T02:50:00.000Z)`, `bundled dataset of 2026-12-06`.
 */
export function sourcesText(names: string[], inventory: PluginInventory): string[] {
  return names.map(name => {
    const status = inventory.advisorySources.find(s => s.name === name);
    if (name === 'bundled') return `bundled dataset of ${status?.asOf ?? 'unknown date'}`;
    if (!status?.checkedAt) return name;
    return `${name} (${status.url ? `${status.url}, ` : ''}asked ${status.checkedAt})`;
  });
}

/** Live sources that were on but did not (fully) answer, for messages: `osv: <error>`. */
export function unavailableSources(inventory: PluginInventory): string[] {
  return inventory.advisorySources
    .filter(s => s.status === 'failed' || s.status === 'partial')
    .map(
      s =>
        `${s.name} ${s.status === 'failed' ? 'unavailable' : 'partial'} (${
          s.error ?? 'no reason given'
        })`,
    );
}
