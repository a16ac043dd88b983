import { Advisory } from '@security-posture/static-analysis';
import type { AdvisoryQuery, LiveAdvisorySource, LiveAnswer } from './advisorySources';
import { chunk, fetchJson, forEachLimited, LiveSourceContext } from './liveHttp';
import { advisoryFromOsv, OsvVulnerability } from './osvRecords';

/** OSV answers at most this many queries per `POST /v1/querybatch`. */
export const OSV_BATCH_LIMIT = 1000;

/** A vulnerability id as querybatch lists it, with the time its record last changed. */
interface OsvVulnRef {
  id: string;
  modified?: string;
}

/**
 * What OSV told us, so nothing is asked twice: the vulnerabilities per `name@version` (for the
 * lifetime of the cache, which the owner keeps to one scan: new advisories must show up in the
 * next one), and full records by id, which may be kept longer because querybatch reports each
 * record's `modified` time and a changed record is fetched again.
 */
export class OsvCache {
  readonly versions = new Map<string, OsvVulnRef[]>();
  readonly hits = { versions: 0, records: 0 };

  constructor(
    readonly records: Map<string, { modified?: string; advisory: Advisory }> = new Map(),
  ) {}
}

export interface OsvSourceOptions {
  baseUrl: string;
  /** Requests under way at once (batches, then records). */
  concurrency?: number;
  /** Queries per batch; OSV's limit is 1000. */
  batchSize?: number;
  /** More distinct vulnerabilities than this and only the first are read (the answer is partial). */
  maxVulnerabilities?: number;
  /** Pages (`next_page_token`) followed per package version. */
  maxPagesPerQuery?: number;
  cache?: OsvCache;
}

interface PendingQuery {
  key: string;
  name: string;
  version: string;
  pageToken?: string;
  pages: number;
  refs: OsvVulnRef[];
}

interface BatchResult {
  vulns?: unknown;
  next_page_token?: unknown;
}

/** The `results` of a querybatch answer: one per query, in order; anything else is malformed. */
function batchResults(body: unknown, expected: number): BatchResult[] {
  const results = (body as { results?: unknown })?.results;
  if (!Array.isArray(results)) throw new Error('OSV answered without a results list');
  if (results.length !== expected) {
    throw new Error(`OSV answered ${results.length} results for ${expected} queries`);
  }
  return results.map(r => (r && typeof r === 'object' ? (r as BatchResult) : {}));
}

function vulnRefs(value: unknown): OsvVulnRef[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((v): v is { id: string; modified?: unknown } => typeof v?.id === 'string')
    .map(v => ({
      id: v.id,
      ...(typeof v.modified === 'string' ? { modified: v.modified } : {}),
    }));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * OSV (`https://api.osv.dev`, no credentials): `POST /v1/querybatch` with one query per
 * installed package version, up to 1000 per batch, following `next_page_token` for versions with
 * many vulnerabilities; then `GET /v1/vulns/{id}` once per distinct id for ranges and severity.
 * A failed batch or record leaves the others standing: the answer is then partial and says so.
 * Nothing answered at all is an error.
 */
export function osvAdvisorySource(options: OsvSourceOptions): LiveAdvisorySource {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl.slice(0, -1) : options.baseUrl;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const batchSize = Math.max(1, Math.min(OSV_BATCH_LIMIT, options.batchSize ?? OSV_BATCH_LIMIT));
  const maxVulns = options.maxVulnerabilities ?? 2000;
  const maxPages = options.maxPagesPerQuery ?? 10;

  return {
    name: 'osv',
    url: base,
    async query(packages: AdvisoryQuery[], context: LiveSourceContext): Promise<LiveAnswer> {
      const cache = options.cache ?? new OsvCache();
      const hitsBefore = cache.hits.versions + cache.hits.records;
      const problems: string[] = [];
      const wanted = new Map<string, { name: string; version: string }>();
      for (const p of packages) {
        for (const version of p.versions)
          wanted.set(`${p.name}@${version}`, { name: p.name, version });
      }

      let pending: PendingQuery[] = [];
      for (const [key, { name, version }] of wanted) {
        if (cache.versions.has(key)) cache.hits.versions += 1;
        else pending.push({ key, name, version, pages: 0, refs: [] });
      }
      const asked = pending.length;
      let batchesAnswered = 0;
      let firstBatchError: string | undefined;
      // Versions whose pages broke off: what arrived still counts, but is not cached.
      const incomplete = new Map<string, OsvVulnRef[]>();

      const askBatch = async (batch: PendingQuery[], nextPages: PendingQuery[]) => {
        let results: BatchResult[];
        try {
          const { body } = await fetchJson(context, `${base}/v1/querybatch`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json',
            },
            body: JSON.stringify({
              queries: batch.map(q => ({
                package: { name: q.name, ecosystem: 'npm' },
                version: q.version,
                ...(q.pageToken ? { page_token: q.pageToken } : {}),
              })),
            }),
          });
          results = batchResults(body, batch.length);
        } catch (e) {
          if (context.signal.aborted) throw e;
          firstBatchError ??= errorText(e);
          problems.push(`querybatch of ${batch.length} package versions: ${errorText(e)}`);
          for (const q of batch) if (q.refs.length) incomplete.set(q.key, q.refs);
          return;
        }
        batchesAnswered += 1;
        results.forEach((result, i) => {
          const query = batch[i];
          query.refs.push(...vulnRefs(result.vulns));
          const token = result.next_page_token;
          if (typeof token === 'string' && token) {
            if (query.pages + 1 < maxPages) {
              nextPages.push({
                ...query,
                pageToken: token,
                pages: query.pages + 1,
              });
              return;
            }
            problems.push(`${query.key}: more than ${maxPages} pages of vulnerabilities`);
            incomplete.set(query.key, query.refs);
            return;
          }
          cache.versions.set(query.key, query.refs);
        });
      };
      while (pending.length) {
        const nextPages: PendingQuery[] = [];
        await forEachLimited(chunk(pending, batchSize), concurrency, batch =>
          askBatch(batch, nextPages),
        );
        pending = nextPages;
      }
      if (asked > 0 && batchesAnswered === 0) {
        throw new Error(firstBatchError ?? 'OSV did not answer');
      }

      // Distinct vulnerabilities of every installed version, with the newest `modified` seen.
      const refs = new Map<string, OsvVulnRef>();
      for (const key of wanted.keys()) {
        for (const ref of cache.versions.get(key) ?? incomplete.get(key) ?? []) {
          const seen = refs.get(ref.id);
          if (!seen || (ref.modified && (!seen.modified || ref.modified > seen.modified))) {
            refs.set(ref.id, ref);
          }
        }
      }
      let toRead = [...refs.values()].sort((a, b) => a.id.localeCompare(b.id));
      if (toRead.length > maxVulns) {
        problems.push(
          `OSV lists ${toRead.length} vulnerabilities, more than the ${maxVulns} read per scan`,
        );
        toRead = toRead.slice(0, maxVulns);
      }

      const advisories: Advisory[] = [];
      const toFetch: OsvVulnRef[] = [];
      for (const ref of toRead) {
        const cached = cache.records.get(ref.id);
        // Reuse a record only when OSV vouches it is unchanged (same `modified`).
        if (cached && ref.modified && cached.modified === ref.modified) {
          cache.hits.records += 1;
          advisories.push(cached.advisory);
        } else {
          toFetch.push(ref);
        }
      }
      let recordsFailed = 0;
      await forEachLimited(toFetch, concurrency, async ref => {
        try {
          const { body } = await fetchJson(
            context,
            `${base}/v1/vulns/${encodeURIComponent(ref.id)}`,
            { headers: { accept: 'application/json' } },
          );
          const record = body as OsvVulnerability;
          if (typeof record?.id !== 'string') throw new Error('OSV answered a record without id');
          const advisory = advisoryFromOsv(record);
          cache.records.set(ref.id, {
            modified: record.modified ?? ref.modified,
            advisory,
          });
          advisories.push(advisory);
        } catch (e) {
          if (context.signal.aborted) throw e;
          recordsFailed += 1;
          if (recordsFailed <= 3) problems.push(`vulnerability ${ref.id}: ${errorText(e)}`);
        }
      });
      if (recordsFailed > 3)
        problems.push(`${recordsFailed - 3} more vulnerability records failed`);

      const answered = [...wanted.keys()].filter(key => cache.versions.has(key)).length;
      return {
        advisories: advisories.sort((a, b) => a.id.localeCompare(b.id)),
        problems,
        asked: wanted.size,
        answered,
        cacheHits: cache.hits.versions + cache.hits.records - hitsBefore,
      };
    },
  };
}
