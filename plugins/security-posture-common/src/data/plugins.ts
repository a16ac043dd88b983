// Shapes of the data the plugins checks publish (context.publish) for the UI.

import { Severity } from '../types';

/** How a package takes part in the deployment. */
export type PluginPackageKind = 'backend-plugin' | 'backend-module' | 'frontend-plugin' | 'library';

/**
 * Where registry metadata (versions, publish dates, deprecation) came from: the registry now,
 * the in-memory cache of an earlier answer, the snapshot bundled with security-posture, or
 * nowhere (unpublished or unknown package).
 */
export type PackageDataSource = 'registry' | 'cache' | 'bundled' | 'none';

/** How far the installed version is behind the latest release. */
export interface VersionsBehind {
  /** Difference of the major number (0 when the majors are equal). */
  major: number;
  /** Difference of the minor number within the same major. */
  minor: number;
  /** Difference of the patch number within the same major.minor. */
  patch: number;
  /** Stable releases published between the installed version and latest. */
  releases: number;
  /**
   * The first differing part is a breaking change: a major bump, or a minor bump of a 0.x
   * package (semver treats 0.x minors as breaking; most `@backstage/*` packages are 0.x).
   */
  breaking: boolean;
}

/** One advisory that matches an installed version of a package. */
export interface InventoryAdvisory {
  /** GHSA id when known, else the source's id. */
  id: string;
  /** Other ids of the same advisory (CVE, OSV, npm). */
  aliases: string[];
  severity: Severity;
  summary: string;
  url?: string;
  publishedAt?: string;
  /** The advisory's vulnerable ranges for this package, `||`-joined npm semver ranges. */
  vulnerableRange: string;
  /** Installed versions the advisory applies to. */
  affectedVersions: string[];
  /** The first patched version of the range that matched (per affected version, highest). */
  firstPatchedVersion?: string;
  /**
   * The lowest published version above the installed one that no known advisory of this
   * package affects; falls back to the first patched version when the releases are unknown.
   */
  recommendedVersion?: string;
  /** Which advisory sources reported it: `bundled`, `npm`, `osv`, `github`. */
  sources: string[];
}

/** One way an installed copy is pulled in. */
export interface PackageDependencyPath {
  version: string;
  /** The lockfile, relative to the repository root when inside it. */
  lockfile: string;
  /** Workspace folder relative to the lockfile whose manifest starts the path ('' = its root). */
  workspace: string;
  via: 'dependencies' | 'optionalDependencies' | 'peerDependencies' | 'devDependencies';
  /** Package names from the workspace's dependency down to this package. */
  chain: string[];
  /** Starts in the backend's or app's own (non-dev) dependencies. */
  runtime: boolean;
}

/** One package of the deployment with its versions, staleness and advisories. */
export interface InventoryPackage {
  name: string;
  kind: PluginPackageKind;
  /** For plugins, modules and plugin libraries: the plugin they belong to. */
  pluginId?: string;
  /** For backend modules: the module id the backend reports. */
  moduleId?: string;
  /** `@backstage/*`: maintained by the Backstage core team. */
  core: boolean;
  /** Loaded into the running backend as a plugin or module (root instance metadata). */
  loaded: boolean;
  /** Where the package was found: `backend` (runtime), `app` manifest, `lockfile`. */
  foundIn: Array<'backend' | 'app' | 'lockfile'>;
  /** Installed versions, highest first; several for duplicated packages. */
  installedVersions: string[];
  latest?: string;
  /** Relative to the highest installed version. */
  behind?: VersionsBehind;
  /** Publish date of the highest installed version. */
  installedPublishedAt?: string;
  /** Latest publish of any version of the package. */
  lastPublishedAt?: string;
  /** Deprecation message of the highest installed version, or of the package's latest. */
  deprecated?: string;
  advisories: InventoryAdvisory[];
  /**
   * For packages with advisories: how the affected copies are pulled in, read from the npm
   * lockfile's dependency graph (v2/v3), runtime paths first, at most five.
   */
  dependencyPaths?: PackageDependencyPath[];
  /**
   * For packages with advisories: `runtime` when a copy is reached through `dependencies` from the
   * backend or app (or is a loaded plugin), `development` when only through devDependencies (or
   * workspaces neither loads); absent when the lockfile does not tell (yarn, lockfile v1).
   */
  scope?: 'runtime' | 'development';
  /** The plugins (else top-level dependencies) whose dependency paths lead to the package. */
  pulledInBy?: string[];
  dataSource: PackageDataSource;
  /** When the registry metadata was fetched (or the bundled snapshot was generated). */
  dataAsOf?: string;
}

/** One advisory source and how it answered in this scan. */
export interface AdvisorySourceStatus {
  /** `bundled`, `npm`, `osv` or `github`. */
  name: string;
  /**
   * `ok`: answered for every installed version; `partial`: some requests failed (the bundled
   * dataset covers the rest); `failed`: unreachable or unusable; `disabled`: switched off.
   */
  status: 'ok' | 'partial' | 'failed' | 'disabled';
  /** For the bundled dataset: the date it was compiled. */
  asOf?: string;
  /** For live sources: when this scan asked it. */
  checkedAt?: string;
  /** For live sources: where it was asked (origin and path, no credentials). */
  url?: string;
  /** For live sources: distinct package versions asked about, and how many were answered. */
  queried?: number;
  answered?: number;
  /** Answers served from the cache instead of asking again. */
  cacheHits?: number;
  advisories: number;
  error?: string;
}

/** Published by `plugins/inventory` under the key `inventory`. */
export interface PluginInventory {
  generatedAt: string;
  /** The release in `backstage.json`, when found. */
  backstageRelease?: string;
  /** Files the inventory was read from, relative to the repository root when inside it. */
  sources: {
    backendPackage?: string;
    appPackage?: string;
    lockfile?: string;
    lockfileFormat?: 'npm' | 'yarn-classic' | 'yarn-berry';
    backstageJson?: string;
  };
  registry: {
    url: string;
    /** `live` when every lookup reached the registry (or its fresh cache). */
    status: 'live' | 'partial' | 'offline';
    error?: string;
    /** Date of the bundled snapshot used for lookups the registry did not answer. */
    snapshotAsOf?: string;
  };
  advisorySources: AdvisorySourceStatus[];
  packages: InventoryPackage[];
  /** Installed plugins/modules the backend reports that map to no npm package (local modules). */
  unmappedFeatures: Array<{ pluginId: string; moduleId?: string }>;
  /** Problems that made the inventory incomplete. */
  warnings: string[];
}
