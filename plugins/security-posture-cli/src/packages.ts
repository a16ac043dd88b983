import path from 'node:path';
import { LineCounter } from 'yaml';
import { compareSeverity, Severity } from '@security-posture/plugin-security-posture-common';
import { CheckResult } from '@security-posture/plugin-security-posture-node';
import { isPluginName, pathText } from '@security-posture/checks';
import {
  AdvisoryIndex,
  AdvisoryMatch,
  DependencyPath,
  parseLockfile,
} from '@security-posture/static-analysis';

/** One copy of a package: from a lockfile, or an exact version pinned in a manifest. */
export interface PackageCopy {
  name: string;
  version: string;
  /** npm install location, e.g. `node_modules/a/node_modules/b`. */
  path?: string;
  dev: boolean;
  /** Where its entry is in the file. */
  offset: number;
}

// `1.2.3`, `1.2.3-next.1`: only exact versions say what gets installed.
const EXACT_VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,100})?$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Offset of a package's entry in a lockfile (npm: its install path; yarn: `name@…:`). */
export function lockfileEntryOffset(text: string, name: string, installPath?: string): number {
  if (installPath) {
    const at = text.indexOf(`"${installPath}": {`);
    if (at >= 0) return at;
  }
  for (const needle of [`\n${name}@`, `\n"${name}@`, `"node_modules/${name}"`]) {
    const at = text.indexOf(needle);
    if (at >= 0) return needle.startsWith('\n') ? at + 1 : at;
  }
  return 0;
}

/**
 * Every package copy of a lockfile, parsed by the plugins family's parser, and who pulls a copy
 * in (npm lockfiles v2/v3; nothing for others). Throws if invalid.
 */
export function lockfileCopies(
  file: string,
  text: string,
): { copies: PackageCopy[]; pathsTo(copy: PackageCopy): DependencyPath[] } {
  const lock = parseLockfile(path.basename(file), text);
  const copies = lock.packages.map(p => ({
    name: p.name,
    version: p.version,
    path: p.path,
    dev: p.dev ?? false,
    offset: lockfileEntryOffset(text, p.name, p.path),
  }));
  return {
    copies,
    pathsTo: copy => {
      const graph = lock.dependencyGraph?.();
      return graph && copy.path ? graph.pathsTo(copy.path, 20) : [];
    },
  };
}

/**
 * Exact versions pinned in a `package.json`. Ranges say nothing about what is installed and are
 * left out. Throws if the manifest is not a JSON object.
 */
export function manifestCopies(text: string): PackageCopy[] {
  const manifest: unknown = JSON.parse(text);
  if (!isObject(manifest)) throw new Error('not a JSON object');
  const pinned: PackageCopy[] = [];
  for (const [field, dev] of [
    ['dependencies', false],
    ['optionalDependencies', false],
    ['devDependencies', true],
  ] as const) {
    const deps = manifest[field];
    if (!isObject(deps)) continue;
    for (const [name, range] of Object.entries(deps)) {
      if (typeof range !== 'string' || !EXACT_VERSION.test(range)) continue;
      const at = text.indexOf(`${JSON.stringify(name)}: ${JSON.stringify(range)}`);
      pinned.push({
        name,
        version: range,
        dev,
        offset: at >= 0 ? at : Math.max(0, text.indexOf(JSON.stringify(name))),
      });
    }
  }
  return pinned;
}

/**
 * One `plugins/known-vulnerability` result per vulnerable package of a file, shaped like the
 * portal's check: worst advisory severity (development-only copies at most `low`), the advisories
 * with their fixed versions, and the upgrade the advisory index recommends.
 */
export function advisoryResults(
  index: AdvisoryIndex,
  file: string,
  copies: PackageCopy[],
  options: {
    how: 'installed' | 'pinned';
    /** `osv` → `osv (https://api.osv.dev, asked …)`: which source answered, and when. */
    describeSource(name: string): string;
    /** Who pulls a copy in, from the lockfile (empty for manifests and yarn lockfiles). */
    pathsTo?(copy: PackageCopy): DependencyPath[];
  },
): Array<{ result: CheckResult; offset: number }> {
  const vulnerable = new Map<string, Array<PackageCopy & { matches: AdvisoryMatch[] }>>();
  for (const copy of copies) {
    const matches = index.match(copy.name, copy.version);
    if (!matches.length) continue;
    vulnerable.set(copy.name, [...(vulnerable.get(copy.name) ?? []), { ...copy, matches }]);
  }
  const results: Array<{ result: CheckResult; offset: number }> = [];
  for (const [name, found] of vulnerable) {
    const versions = [...new Set(found.map(c => c.version))];
    const advisories = new Map<string, AdvisoryMatch>();
    for (const copy of found) for (const m of copy.matches) advisories.set(m.advisory.id, m);
    const matches = [...advisories.values()];
    const worst = matches
      .map(m => m.advisory.severity)
      .reduce<Severity>((a, b) => (compareSeverity(a, b) <= 0 ? a : b), 'info');
    // As the portal's check: development-only copies are reported, not at the advisory's severity.
    const devOnly = found.every(c => c.dev);
    const severity: Severity = devOnly && compareSeverity(worst, 'low') < 0 ? 'low' : worst;
    const recommended = index.recommendUpgrade(name, versions[0]);
    const attribution = attributionOf(found, file, options.pathsTo);
    const reportedBy = [...new Set(matches.flatMap(m => m.advisory.sources))].map(
      options.describeSource,
    );
    const ids = [...advisories.keys()];
    const described = matches.map(m => {
      const fix = m.firstPatchedVersion
        ? `, fixed in ${m.firstPatchedVersion}`
        : ', no fixed version';
      return `${m.advisory.id} (${m.advisory.severity}, ${
        m.advisory.summary || 'no summary'
      }; vulnerable ${m.vulnerableRange}${fix})`;
    });
    results.push({
      offset: found[0].offset,
      result: {
        outcome: 'fail',
        target: { type: 'package', name, version: versions[0] },
        location: `${file}#${name}`,
        title: `${name}@${versions.join(', ')}: ${
          ids.length === 1 ? ids[0] : `${ids.length} advisories`
        }`,
        severity,
        message: [
          `${name} ${versions.join(', ')} (${
            options.how
          } in ${file}) is affected by ${described.join('; ')}.`,
          recommended
            ? `Upgrade to ${name}@${recommended} or later.`
            : 'No fixed release is known: apply the advisory workarounds or remove the package.',
          attribution.text,
          `Reported by ${reportedBy.join(' and ')}.`,
        ]
          .filter(Boolean)
          .join(' '),
        evidence: {
          package: name,
          installedVersions: versions,
          paths: found.flatMap(c => (c.path ? [c.path] : [])),
          advisories: matches.map(
            m =>
              `${m.advisory.id} ${m.advisory.severity}: ${m.vulnerableRange} → ${
                m.firstPatchedVersion ?? 'no fix'
              }`,
          ),
          recommendedVersion: recommended ?? null,
          advisorySources: reportedBy,
          pulledInBy: attribution.pulledInBy,
          dependencyPaths: attribution.paths,
          devOnly,
          versionSource: options.how === 'pinned' ? 'package.json exact version' : 'lockfile',
        },
      },
    });
  }
  return results;
}

/** A line index for offsets of a text that is not YAML (a lockfile, a manifest). */
export function lineIndex(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter;
}

/** Who pulls the vulnerable copies in: plugins (else top-level dependencies) and paths, as text. */
function attributionOf(
  found: PackageCopy[],
  file: string,
  pathsTo?: (copy: PackageCopy) => DependencyPath[],
): { pulledInBy: string[]; paths: string[]; text: string } {
  if (!pathsTo) return { pulledInBy: [], paths: [], text: '' };
  const all = found
    .flatMap(copy =>
      pathsTo(copy).map(p => ({
        version: copy.version,
        lockfile: file,
        ...p,
        runtime: p.via !== 'devDependencies',
      })),
    )
    .sort((a, b) => Number(b.runtime) - Number(a.runtime) || a.chain.length - b.chain.length);
  const owners = new Set<string>();
  for (const p of all.some(x => x.runtime) ? all.filter(x => x.runtime) : all) {
    if (p.chain.length === 1) owners.add(p.workspace || `${file} root`);
    else owners.add(p.chain.slice(0, -1).find(isPluginName) ?? p.chain[0]);
  }
  const pulledInBy = [...owners];
  const paths = all.slice(0, 5).map(pathText);
  if (!paths.length || all.every(p => p.chain.length === 1)) return { pulledInBy, paths, text: '' };
  const shown = pulledInBy.slice(0, 5).join(', ');
  const more = pulledInBy.length > 5 ? ` and ${pulledInBy.length - 5} more` : '';
  return { pulledInBy, paths, text: `Pulled in by ${shown}${more}: ${paths[0]}.` };
}
