import semver from 'semver';
import { Severity } from '@security-posture/plugin-security-posture-common';

/** One vulnerable range of a package, with the release that ends it. */
export interface AdvisoryRange {
  /** npm semver range of vulnerable versions, e.g. `>=0.13.0 <0.13.2`. */
  vulnerable: string;
  /** First version after the range that carries the fix. */
  patched?: string;
}

export interface AffectedPackage {
  package: string;
  ranges: AdvisoryRange[];
}

/** A security advisory in the shape every source is converted to. */
export interface Advisory {
  /** GHSA id when the source knows it. */
  id: string;
  aliases: string[];
  severity: Severity;
  summary: string;
  url?: string;
  publishedAt?: string;
  affected: AffectedPackage[];
  /** `bundled`, `npm`, `osv`, `github`. */
  sources: string[];
}

const SEVERITY_RANK: Record<Severity, number> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  info: 0,
};

/** Maps the words advisory sources use (`moderate`, `HIGH`, …) to ours; unknown → medium. */
export function normalizeSeverity(value: unknown): Severity {
  const word = typeof value === 'string' ? value.toLowerCase() : '';
  if (word === 'moderate') return 'medium';
  if (word === 'critical' || word === 'high' || word === 'medium' || word === 'low') return word;
  return 'medium';
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

const GHSA_ID = /^GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}$/i;

export function isGhsaId(id: string): boolean {
  return GHSA_ID.test(id);
}

/**
 * Matching includes prereleases: `1.0.0-next.1` comes before `1.0.0` and so is inside
 * `<1.0.0`. Plain semver matching would skip it and miss a vulnerable prerelease.
 */
const MATCH_OPTIONS = { includePrerelease: true } as const;

interface CompiledRange {
  raw: string;
  range: semver.Range;
  patched?: string;
}

/** What one installed version matched. */
export interface AdvisoryMatch {
  advisory: Advisory;
  /** The ranges of this package in the advisory, `||`-joined. */
  vulnerableRange: string;
  /** The first patched version of the range that contains the installed version. */
  firstPatchedVersion?: string;
}

/** The exclusive upper bound (`<X`) of a comparator set: where its fix starts. */
function upperBound(comparators: readonly semver.Comparator[]): string | undefined {
  const upper = comparators.find(c => c.operator === '<');
  return upper ? upper.semver.version : undefined;
}

/**
 * Advisories indexed by package name, ranges compiled once, so matching a lockfile of a few
 * thousand packages costs one map lookup per package plus the ranges of that package only.
 */
export class AdvisoryIndex {
  private readonly byPackage = new Map<
    string,
    Array<{ advisory: Advisory; ranges: CompiledRange[] }>
  >();
  /** Ranges that are not valid npm semver; they are reported, not silently dropped. */
  readonly invalidRanges: Array<{ id: string; package: string; range: string }> = [];
  readonly advisoryCount: number;

  constructor(advisories: Iterable<Advisory>) {
    let count = 0;
    for (const advisory of advisories) {
      count += 1;
      for (const affected of advisory.affected) {
        const ranges: CompiledRange[] = [];
        for (const r of affected.ranges) {
          try {
            ranges.push({
              raw: r.vulnerable,
              range: new semver.Range(r.vulnerable, MATCH_OPTIONS),
              patched: r.patched && semver.valid(r.patched) ? r.patched : undefined,
            });
          } catch {
            this.invalidRanges.push({
              id: advisory.id,
              package: affected.package,
              range: r.vulnerable,
            });
          }
        }
        if (!ranges.length) continue;
        const list = this.byPackage.get(affected.package) ?? [];
        list.push({ advisory, ranges });
        this.byPackage.set(affected.package, list);
      }
    }
    this.advisoryCount = count;
  }

  get packageCount(): number {
    return this.byPackage.size;
  }

  has(name: string): boolean {
    return this.byPackage.has(name);
  }

  /** Advisories that affect `name@version`. */
  match(name: string, version: string): AdvisoryMatch[] {
    const entries = this.byPackage.get(name);
    const parsed = entries && semver.parse(version);
    if (!entries || !parsed) return [];
    const matches: AdvisoryMatch[] = [];
    for (const { advisory, ranges } of entries) {
      for (const compiled of ranges) {
        const set = compiled.range.set.find(comparators => comparators.every(c => c.test(parsed)));
        if (!set) continue;
        matches.push({
          advisory,
          vulnerableRange: ranges.map(r => r.raw).join(' || '),
          firstPatchedVersion: compiled.patched ?? upperBound(set),
        });
        break;
      }
    }
    return matches;
  }

  /** Whether any advisory of the package affects `version`. */
  isVulnerable(name: string, version: string): boolean {
    return this.match(name, version).length > 0;
  }

  /**
   * The upgrade to make: the lowest stable published version above `installed` that no advisory
   * of the package affects. Without the list of published versions, the highest first patched
   * version of the matches, stepped past any other advisory's range it falls into.
   */
  recommendUpgrade(
    name: string,
    installed: string,
    publishedVersions?: Iterable<string>,
  ): string | undefined {
    if (publishedVersions) {
      const candidates = [...publishedVersions]
        .filter(v => semver.valid(v) && !semver.prerelease(v) && semver.gt(v, installed))
        .sort(semver.compare);
      const safe = candidates.find(v => !this.isVulnerable(name, v));
      if (safe) return safe;
    }
    let candidate: string | undefined;
    for (const match of this.match(name, installed)) {
      const patched = match.firstPatchedVersion;
      if (patched && (!candidate || semver.gt(patched, candidate))) candidate = patched;
    }
    // Each step moves strictly upwards, so this ends.
    for (let step = 0; candidate && step < 50; step += 1) {
      let next: string | undefined;
      for (const match of this.match(name, candidate)) {
        const patched = match.firstPatchedVersion;
        if (patched && semver.gt(patched, candidate) && (!next || semver.gt(patched, next))) {
          next = patched;
        }
      }
      if (!next) break;
      candidate = next;
    }
    return candidate;
  }
}

/** GHSA ids are written `GHSA-xxxx-xxxx-xxxx`: upper-case prefix, lower-case rest. */
export function canonicalGhsaId(id: string): string {
  return `GHSA-${id.slice(5).toLowerCase()}`;
}

/**
 * The key each advisory is merged under: its GHSA id; else the GHSA id of another advisory that
 * shares one of its ids (a source that only knows the CVE); else its CVE; else its own id.
 */
function mergeKeys(advisories: Advisory[]): string[] {
  const ghsaByAlias = new Map<string, string>();
  const ghsaOf = (a: Advisory) => [a.id, ...a.aliases].find(isGhsaId);
  for (const a of advisories) {
    const ghsa = ghsaOf(a);
    if (!ghsa) continue;
    for (const id of a.aliases) ghsaByAlias.set(id.toUpperCase(), canonicalGhsaId(ghsa));
  }
  return advisories.map(a => {
    const ghsa = ghsaOf(a);
    if (ghsa) return canonicalGhsaId(ghsa);
    const ids = [a.id, ...a.aliases];
    for (const id of ids) {
      const viaAlias = ghsaByAlias.get(id.toUpperCase());
      if (viaAlias) return viaAlias;
    }
    return ids.find(id => /^CVE-\d{4}-\d+$/i.test(id))?.toUpperCase() ?? a.id;
  });
}

function normalizedRange(range: string): string {
  try {
    return new semver.Range(range, MATCH_OPTIONS).range;
  } catch {
    return range;
  }
}

/**
 * Merges advisories from several sources into one per GHSA id. For each package, live sources'
 * ranges replace the bundled dataset's (they are newer); ranges of several live sources are
 * united. Severity is the highest any source gives; aliases and sources are united.
 */
export function mergeAdvisories(lists: Advisory[][]): Advisory[] {
  const merged = new Map<string, Advisory>();
  const liveRangesSeen = new Map<string, Set<string>>();
  const all = lists.flat();
  const keys = mergeKeys(all);
  for (const [i, advisory] of all.entries()) {
    const key = keys[i];
    const isLive = !advisory.sources.includes('bundled');
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, {
        ...advisory,
        id: isGhsaId(key) ? key : advisory.id,
        aliases: [...new Set(advisory.aliases)].filter(a => a !== key),
        affected: advisory.affected.map(a => ({ package: a.package, ranges: [...a.ranges] })),
        sources: [...advisory.sources],
      });
      if (isLive) {
        liveRangesSeen.set(key, new Set(advisory.affected.map(a => a.package)));
      }
      continue;
    }
    const livePackages = liveRangesSeen.get(key) ?? new Set<string>();
    for (const affected of advisory.affected) {
      const target = existing.affected.find(a => a.package === affected.package);
      if (!target) {
        existing.affected.push({ package: affected.package, ranges: [...affected.ranges] });
      } else if (isLive && !livePackages.has(affected.package)) {
        // First live answer for this package: it replaces the bundled ranges.
        target.ranges = [...affected.ranges];
      } else {
        const known = new Set(target.ranges.map(r => normalizedRange(r.vulnerable)));
        for (const range of affected.ranges) {
          if (!known.has(normalizedRange(range.vulnerable))) target.ranges.push(range);
        }
      }
      if (isLive) livePackages.add(affected.package);
    }
    if (isLive) liveRangesSeen.set(key, livePackages);
    existing.severity = maxSeverity(existing.severity, advisory.severity);
    existing.aliases = [...new Set([...existing.aliases, advisory.id, ...advisory.aliases])].filter(
      a => a !== existing.id,
    );
    existing.sources = [...new Set([...existing.sources, ...advisory.sources])];
    if (isLive && advisory.summary) existing.summary = advisory.summary;
    existing.url ??= advisory.url;
    existing.publishedAt ??= advisory.publishedAt;
  }
  return [...merged.values()];
}

/** The bundled dataset as shipped in `data/backstage-advisories.json`. */
export interface BundledAdvisoryDataset {
  /** `YYYY-MM-DD`; the checks warn when it is more than 30 days old. */
  compiledAt: string;
  /** Which sources the compile asked and how each answered (compile-advisories.js). */
  compiledFrom?: Array<{ source: string; status: string; records?: number; error?: string }>;
  /** The newest `modified` time of the records the rows were compiled from. */
  recordsModifiedUpTo?: string;
  /** What the compile covered: lockfiles, packages and installed versions. */
  coverage?: { lockfiles: string[]; packages: number; installedVersions: number };
  advisories: Array<{
    id: string;
    aliases?: string[];
    severity: string;
    summary: string;
    url?: string;
    publishedAt?: string;
    affected: AffectedPackage[];
    /** For compiled rows: the record they were read from and its `modified` time. */
    origin?: { source: string; record: string; modified?: string };
  }>;
}

export function advisoriesFromBundledDataset(dataset: BundledAdvisoryDataset): Advisory[] {
  return dataset.advisories.map(a => ({
    id: a.id,
    aliases: a.aliases ?? [],
    severity: normalizeSeverity(a.severity),
    summary: a.summary,
    url: a.url,
    publishedAt: a.publishedAt,
    affected: a.affected,
    sources: ['bundled'],
  }));
}
