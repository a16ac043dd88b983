import semver from 'semver';
import {
  Advisory,
  AdvisoryRange,
  canonicalGhsaId,
  normalizeSeverity,
} from '@security-posture/static-analysis';
import { chunk, fetchJson, LiveSourceContext } from './liveHttp';

/** Installed versions to ask the live sources about. */
export interface AdvisoryQuery {
  name: string;
  versions: string[];
}

export type { LiveSourceContext } from './liveHttp';
export { advisoryFromOsv, osvEventsToRanges } from './osvRecords';
export { OsvCache, osvAdvisorySource, OSV_BATCH_LIMIT } from './osvSource';

/** What a live source answered. */
export interface LiveAnswer {
  advisories: Advisory[];
  /** Requests that failed while others answered: the answer is partial. */
  problems: string[];
  /** Distinct package versions asked about, and how many of them got a complete answer. */
  asked: number;
  answered: number;
  /** Answers taken from the source's cache instead of asking again. */
  cacheHits?: number;
}

/** A live advisory source: asks about installed versions, answers in the common shape. */
export interface LiveAdvisorySource {
  name: 'npm' | 'osv' | 'github';
  /** Where it is asked (no credentials in it). */
  url: string;
  query(packages: AdvisoryQuery[], context: LiveSourceContext): Promise<LiveAnswer>;
}

function countVersions(packages: AdvisoryQuery[]): number {
  return packages.reduce((n, p) => n + p.versions.length, 0);
}

const GHSA_IN_URL = /GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}/i;

/**
 * Where an npm-style range ends: for each `||` part with a `<X` bound, X is the first version
 * outside it. Used when a source gives vulnerable ranges but no patched versions.
 */
export function rangesWithPatched(range: string): AdvisoryRange[] {
  let parsed: semver.Range;
  try {
    parsed = new semver.Range(range, { includePrerelease: true });
  } catch {
    return [{ vulnerable: range }];
  }
  return parsed.set.map(comparators => {
    const vulnerable = comparators.map(c => c.value || '*').join(' ');
    const upper = comparators.find(c => c.operator === '<');
    return upper ? { vulnerable, patched: upper.semver.version } : { vulnerable };
  });
}

/**
 * The npm registry's bulk advisory endpoint, the one `npm audit` uses:
 * `POST <registry>/-/npm/v1/security/advisories/bulk` with `{ name: [versions] }`.
 */
export function npmBulkAdvisorySource(registry: string): LiveAdvisorySource {
  const base = registry.endsWith('/') ? registry.slice(0, -1) : registry;
  return {
    name: 'npm',
    url: base,
    async query(packages, context) {
      const advisories: Advisory[] = [];
      for (const part of chunk(packages, 1000)) {
        const { body } = await fetchJson(context, `${base}/-/npm/v1/security/advisories/bulk`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: JSON.stringify(Object.fromEntries(part.map(p => [p.name, p.versions]))),
        });
        for (const [name, list] of Object.entries((body ?? {}) as Record<string, unknown>)) {
          if (!Array.isArray(list)) continue;
          for (const item of list as Array<Record<string, unknown>>) {
            const url = typeof item.url === 'string' ? item.url : undefined;
            const found = url?.match(GHSA_IN_URL)?.[0];
            const ghsa = found ? canonicalGhsaId(found) : undefined;
            const range =
              typeof item.vulnerable_versions === 'string' ? item.vulnerable_versions : undefined;
            if (!range) continue;
            advisories.push({
              id: ghsa ?? `npm:${String(item.id)}`,
              aliases: ghsa && item.id !== undefined ? [`npm:${String(item.id)}`] : [],
              severity: normalizeSeverity(item.severity),
              summary: typeof item.title === 'string' ? item.title : '',
              url,
              affected: [{ package: name, ranges: rangesWithPatched(range) }],
              sources: ['npm'],
            });
          }
        }
      }
      const asked = countVersions(packages);
      return { advisories, problems: [], asked, answered: asked };
    },
  };
}

/** `>= 0.13.0, < 0.13.2` (GitHub) → `>=0.13.0 <0.13.2` (npm). */
export function githubRangeToNpm(range: string): string {
  return range
    .split(',')
    .map(part => {
      const trimmed = part.trim();
      const op = /^[<>=]{1,2}/.exec(trimmed)?.[0] ?? '';
      return `${op}${trimmed.slice(op.length).trim()}`;
    })
    .filter(Boolean)
    .join(' ');
}

interface GithubAdvisory {
  ghsa_id?: string;
  cve_id?: string | null;
  summary?: string;
  severity?: string;
  html_url?: string;
  published_at?: string;
  vulnerabilities?: Array<{
    package?: { ecosystem?: string; name?: string };
    vulnerable_version_range?: string | null;
    first_patched_version?: string | { identifier?: string } | null;
  }>;
}

export function advisoryFromGithub(item: GithubAdvisory): Advisory | undefined {
  if (!item.ghsa_id) return undefined;
  const affected = new Map<string, AdvisoryRange[]>();
  for (const vuln of item.vulnerabilities ?? []) {
    const name = vuln.package?.name;
    if (vuln.package?.ecosystem !== 'npm' || !name || !vuln.vulnerable_version_range) continue;
    const patchedRaw = vuln.first_patched_version;
    const patched =
      typeof patchedRaw === 'string' ? patchedRaw : patchedRaw?.identifier ?? undefined;
    const list = affected.get(name) ?? [];
    list.push({
      vulnerable: githubRangeToNpm(vuln.vulnerable_version_range),
      patched,
    });
    affected.set(name, list);
  }
  return {
    id: canonicalGhsaId(item.ghsa_id),
    aliases: item.cve_id ? [item.cve_id] : [],
    severity: normalizeSeverity(item.severity),
    summary: item.summary ?? '',
    url: item.html_url,
    publishedAt: item.published_at,
    affected: [...affected].map(([pkg, ranges]) => ({ package: pkg, ranges })),
    sources: ['github'],
  };
}

/** The `rel="next"` URL of a GitHub Link header. */
function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const [target, ...params] = part.split(';').map(s => s.trim());
    if (params.some(p => p === 'rel="next"') && target.startsWith('<') && target.endsWith('>')) {
      return target.slice(1, -1);
    }
  }
  return undefined;
}

/**
 * GitHub's global advisory API: `GET /advisories?ecosystem=npm&affects=name@version,…`,
 * following pagination. A token raises the rate limit; it is sent only as a header.
 */
export function githubAdvisorySource(
  baseUrl: string,
  token?: string,
  maxPages = 20,
): LiveAdvisorySource {
  const base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  return {
    name: 'github',
    url: base,
    async query(packages, context) {
      const headers: Record<string, string> = {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'security-posture-backstage-plugin',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      };
      const affects = packages.flatMap(p => p.versions.map(v => `${p.name}@${v}`));
      const advisories: Advisory[] = [];
      let pages = 0;
      // Small groups keep the query string well under URL length limits.
      for (const part of chunk(affects, 40)) {
        let url:
          | string
          | undefined = `${base}/advisories?ecosystem=npm&per_page=100&affects=${encodeURIComponent(
          part.join(','),
        )}`;
        while (url) {
          if (++pages > maxPages)
            throw new Error(`more than ${maxPages} pages of GitHub advisories`);
          const { body, response }: { body: unknown; response: Response } = await fetchJson(
            context,
            url,
            { headers },
          );
          for (const item of (Array.isArray(body) ? body : []) as GithubAdvisory[]) {
            const advisory = advisoryFromGithub(item);
            if (advisory) advisories.push(advisory);
          }
          const next = nextLink(response.headers.get('link'));
          // Only follow pagination on the same origin (the token must not leave it).
          url = next && new URL(next).origin === new URL(base).origin ? next : undefined;
        }
      }
      const asked = countVersions(packages);
      return { advisories, problems: [], asked, answered: asked };
    },
  };
}
