import path from 'node:path';
import { LineCounter } from 'yaml';
import { compareSeverity, Severity } from '@security-posture/plugin-security-posture-common';
import { CheckResult } from '@security-posture/plugin-security-posture-node';
import { AdvisoryIndex, AdvisoryMatch, parseLockfile } from '@security-posture/static-analysis';

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

/** Every package copy of a lockfile, parsed by the plugins family's parser. Throws if invalid. */
export function lockfileCopies(file: string, text: string): PackageCopy[] {
  return parseLockfile(path.basename(file), text).packages.map(p => ({
    name: p.name,
    version: p.version,
    path: p.path,
    dev: p.dev ?? false,
    offset: lockfileEntryOffset(text, p.name, p.path),
  }));
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
  options: { how: 'installed' | 'pinned'; dataset: string },
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
        ].join(' '),
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
          advisorySources: [options.dataset],
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
