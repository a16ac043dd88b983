/*
 * A local stand-in for the OSV API (tests only): `POST /v1/querybatch` and `GET /v1/vulns/{id}`
 * with the response shapes of api.osv.dev (OSV schema 1.6), answering from a small database of
 * records written for the tests. It matches versions itself, from each record's events, so a
 * test's expectations come from the records, not from the code under test.
 */
import semver from 'semver';
import { StandInAnswer, StandInServer, startStandIn } from './testHelpers';

export interface OsvTestRecord {
  schema_version: string;
  id: string;
  modified: string;
  published: string;
  aliases: string[];
  summary: string;
  details: string;
  affected: Array<{
    package: { ecosystem: string; name: string; purl: string };
    ranges: Array<{
      type: 'SEMVER';
      events: Array<{ introduced?: string; fixed?: string }>;
    }>;
    database_specific: { source: string };
  }>;
  references: Array<{ type: string; url: string }>;
  database_specific: {
    cwe_ids: string[];
    severity: string;
    github_reviewed: boolean;
    github_reviewed_at: string;
    nvd_published_at: string | null;
  };
}

/** A record shaped like the GitHub-reviewed advisories OSV serves for npm. */
export function osvRecord(spec: {
  id: string;
  cve?: string;
  pkg: string;
  /** `[introduced, fixed]` pairs; `fixed` undefined for an open range. */
  ranges: Array<[string, string | undefined]>;
  severity?: 'LOW' | 'MODERATE' | 'HIGH' | 'CRITICAL';
  summary?: string;
  modified?: string;
}): OsvTestRecord {
  const events = spec.ranges.flatMap(([introduced, fixed]) =>
    fixed ? [{ introduced }, { fixed }] : [{ introduced }],
  ) as Array<{ introduced?: string; fixed?: string }>;
  return {
    schema_version: '1.6.0',
    id: spec.id,
    modified: spec.modified ?? '2026-10-01T10:00:00Z',
    published: '2026-09-15T18:30:00Z',
    aliases: spec.cve ? [spec.cve] : [],
    summary: spec.summary ?? `Test advisory for ${spec.pkg}`,
    details: `### Impact\nA flaw in ${spec.pkg} (written for the tests).`,
    affected: [
      {
        package: {
          ecosystem: 'npm',
          name: spec.pkg,
          purl: `pkg:npm/${spec.pkg}`,
        },
        ranges: [{ type: 'SEMVER', events }],
        database_specific: {
          source: `https://github.com/github/advisory-database/blob/main/advisories/github-reviewed/2026/09/${spec.id}/${spec.id}.json`,
        },
      },
    ],
    references: [{ type: 'ADVISORY', url: `https://nvd.nist.gov/vuln/detail/${spec.cve}` }],
    database_specific: {
      cwe_ids: ['CWE-1333'],
      severity: spec.severity ?? 'HIGH',
      github_reviewed: true,
      github_reviewed_at: '2026-09-15T18:30:00Z',
      nvd_published_at: null,
    },
  };
}

function affects(record: OsvTestRecord, name: string, version: string): boolean {
  return record.affected.some(
    a =>
      a.package.name === name &&
      a.ranges.some(r => {
        let introduced: string | undefined;
        for (const event of r.events) {
          if (event.introduced !== undefined) introduced = event.introduced;
          else if (event.fixed !== undefined && introduced !== undefined) {
            const from = introduced === '0' ? '0.0.0-0' : introduced;
            if (semver.gte(version, from) && semver.lt(version, event.fixed)) return true;
            introduced = undefined;
          }
        }
        return (
          introduced !== undefined &&
          semver.gte(version, introduced === '0' ? '0.0.0-0' : introduced)
        );
      }),
  );
}

export interface OsvStandInOptions {
  /** Vulnerabilities per page of one query's result; more → `next_page_token`. */
  pageSize?: number;
  /** OSV's own limit: a batch with more queries is refused with 400. */
  batchLimit?: number;
  /** Override the answer to the n-th querybatch request (0-based), e.g. a 503. */
  batchAnswer?(n: number): StandInAnswer | undefined;
  /** Override the answer for one record, e.g. a timeout. */
  recordAnswer?(id: string): StandInAnswer | undefined;
}

export interface OsvStandIn extends StandInServer {
  batches(): Array<Array<{ package: { name: string }; version: string; page_token?: string }>>;
  recordReads(): string[];
}

export async function startOsvStandIn(
  records: OsvTestRecord[],
  options: OsvStandInOptions = {},
): Promise<OsvStandIn> {
  const pageSize = options.pageSize ?? 1000;
  const batchLimit = options.batchLimit ?? 1000;
  let batchCount = 0;
  const server = await startStandIn(({ method, url, body }) => {
    if (method === 'POST' && url === '/v1/querybatch') {
      const override = options.batchAnswer?.(batchCount);
      batchCount += 1;
      if (override) return override;
      const { queries } = JSON.parse(body) as {
        queries: Array<{
          package: { name: string };
          version: string;
          page_token?: string;
        }>;
      };
      if (queries.length > batchLimit) {
        return { status: 400, body: { code: 3, message: 'Too many queries.' } };
      }
      return {
        status: 200,
        body: {
          results: queries.map(q => {
            const hits = records
              .filter(r => affects(r, q.package.name, q.version))
              .map(r => ({ id: r.id, modified: r.modified }));
            const start = q.page_token ? Number(q.page_token.split(':')[1]) : 0;
            const page = hits.slice(start, start + pageSize);
            const more = start + pageSize < hits.length;
            // OSV answers `{}` for a version without vulnerabilities.
            return {
              ...(page.length ? { vulns: page } : {}),
              ...(more ? { next_page_token: `page:${start + pageSize}` } : {}),
            };
          }),
        },
      };
    }
    const match = /^\/v1\/vulns\/(.+)$/.exec(url);
    if (method === 'GET' && match) {
      const id = decodeURIComponent(match[1]);
      const override = options.recordAnswer?.(id);
      if (override) return override;
      const record = records.find(r => r.id === id);
      return record
        ? { status: 200, body: record }
        : { status: 404, body: { code: 5, message: 'Bug not found.' } };
    }
    return { status: 404, body: { code: 5, message: 'Not Found' } };
  });
  return {
    ...server,
    batches: () =>
      server.requests.filter(r => r.url === '/v1/querybatch').map(r => JSON.parse(r.body).queries),
    recordReads: () =>
      server.requests
        .filter(r => r.url.startsWith('/v1/vulns/'))
        .map(r => decodeURIComponent(r.url.slice('/v1/vulns/'.length))),
  };
}
