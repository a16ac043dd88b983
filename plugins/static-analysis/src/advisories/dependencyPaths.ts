/*
 * Who pulls a package in: the dependency graph of an npm lockfile (v2/v3 `packages`), walked
 * backwards from one installed copy to the workspaces whose manifests start the chain. A copy's
 * install path alone does not say it (hoisted copies sit at the top of node_modules whoever needs
 * them), the recorded `dependencies` of every entry, resolved the way Node does, do.
 */

/** Which dependency list of a manifest an edge comes from. */
export type DependencyKind =
  | 'dependencies'
  | 'optionalDependencies'
  | 'peerDependencies'
  | 'devDependencies';

const KINDS: DependencyKind[] = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'devDependencies',
];

/** One way an installed copy is pulled in. */
export interface DependencyPath {
  /** Folder of the workspace whose manifest starts the path, relative to the lockfile ('' = root). */
  workspace: string;
  /** The dependency list of that manifest the path starts in. */
  via: DependencyKind;
  /** Package names from the workspace's own dependency down to the package itself. */
  chain: string[];
}

export interface LockGraph {
  /**
   * Paths from workspaces to the copy installed at `installPath` (`node_modules/a/node_modules/b`),
   * shortest first, at most one per workspace and first package.
   */
  pathsTo(installPath: string, limit?: number): DependencyPath[];
}

/** The fields of a lockfile v2/v3 `packages` entry the graph needs. */
export interface LockEntry {
  name?: string;
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const NODE_MODULES = 'node_modules/';

function isWorkspace(path: string): boolean {
  // '' is the root project; workspace folders are the entries outside any node_modules.
  return !path.includes(NODE_MODULES);
}

/**
 * The folder Node looks in next: from an installed copy (`node_modules/a/node_modules/@s/b`) the
 * copy that holds it (`node_modules/a`); from a workspace folder (`plugins/x`) its parent folder.
 */
function lookupParent(dir: string): string | undefined {
  if (!dir) return undefined;
  const at = dir.lastIndexOf(NODE_MODULES);
  if (at >= 0) return at === 0 ? '' : dir.slice(0, at - 1);
  const slash = dir.lastIndexOf('/');
  return slash < 0 ? '' : dir.slice(0, slash);
}

/** Builds the graph; entries are the lockfile's `packages` object. */
export function buildLockGraph(entries: Record<string, LockEntry>): LockGraph {
  const nameOf = (path: string): string => {
    const entry = entries[path];
    if (entry?.name) return entry.name;
    const at = path.lastIndexOf(NODE_MODULES);
    return at < 0 ? path || '(root)' : path.slice(at + NODE_MODULES.length);
  };
  // Node's lookup: `<dir>/node_modules/<name>`, then each folder upwards; links lead to workspaces.
  const resolveFrom = (from: string, name: string): string | undefined => {
    for (let dir: string | undefined = from; dir !== undefined; dir = lookupParent(dir)) {
      const candidate = dir ? `${dir}/${NODE_MODULES}${name}` : `${NODE_MODULES}${name}`;
      const entry = entries[candidate];
      if (entry) return entry.link && entry.resolved !== undefined ? entry.resolved : candidate;
    }
    return undefined;
  };

  // Reverse edges: installed copy → who requires it, with which list.
  const requiredBy = new Map<string, Array<{ from: string; kind: DependencyKind }>>();
  for (const [path, entry] of Object.entries(entries)) {
    if (entry.link) continue;
    for (const kind of KINDS) {
      // Only a workspace's devDependencies are installed; others' are not in the lockfile.
      if (kind === 'devDependencies' && !isWorkspace(path)) continue;
      for (const name of Object.keys(entry[kind] ?? {})) {
        const target = resolveFrom(path, name);
        if (target === undefined || target === path) continue;
        const list = requiredBy.get(target) ?? [];
        list.push({ from: path, kind });
        requiredBy.set(target, list);
      }
    }
  }

  return {
    pathsTo(installPath, limit = 20) {
      if (!entries[installPath]) return [];
      // Breadth first from the copy upwards: `towards` points one step back to the copy.
      const towards = new Map<string, string>();
      const visited = new Set([installPath]);
      const queue = [installPath];
      const found: DependencyPath[] = [];
      const seen = new Set<string>();
      const chainFrom = (node: string): string[] => {
        const names: string[] = [];
        for (let at: string | undefined = node; at !== undefined; at = towards.get(at)) {
          names.push(nameOf(at));
        }
        return names;
      };
      for (let i = 0; i < queue.length && found.length < limit; i += 1) {
        const node = queue[i];
        for (const { from, kind } of requiredBy.get(node) ?? []) {
          if (isWorkspace(from)) {
            const chain = chainFrom(node);
            const key = `${from}\u0000${kind}\u0000${chain[0]}`;
            if (!seen.has(key)) {
              seen.add(key);
              found.push({ workspace: from, via: kind, chain });
            }
          }
          // Workspaces are walked through too: a plugin workspace is a dependency of the backend.
          if (!visited.has(from)) {
            visited.add(from);
            towards.set(from, node);
            queue.push(from);
          }
        }
      }
      return found.slice(0, limit);
    },
  };
}
