import {
  Advisory,
  AdvisoryRange,
  canonicalGhsaId,
  isGhsaId,
  normalizeSeverity,
} from '@security-posture/static-analysis';

/** One event of an OSV range: where vulnerable versions start or end. */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
}

/** The parts of an OSV record (`GET /v1/vulns/{id}`, OSV schema 1.x) this check reads. */
export interface OsvVulnerability {
  id: string;
  modified?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  published?: string;
  withdrawn?: string;
  affected?: Array<{
    package?: { ecosystem?: string; name?: string };
    ranges?: Array<{ type?: string; events?: OsvEvent[] }>;
    versions?: string[];
    database_specific?: { severity?: string; [key: string]: unknown };
  }>;
  database_specific?: { severity?: string; [key: string]: unknown };
}

/** OSV's introduced/fixed events as npm ranges with their fixes. */
export function osvEventsToRanges(events: OsvEvent[]): AdvisoryRange[] {
  const ranges: AdvisoryRange[] = [];
  let introduced: string | undefined;
  const lower = (v: string) => (v === '0' || v === '0.0.0' ? '>=0.0.0-0' : `>=${v}`);
  for (const event of events) {
    if (event.introduced !== undefined) {
      introduced = event.introduced;
    } else if (event.fixed !== undefined && introduced !== undefined) {
      ranges.push({
        vulnerable: `${lower(introduced)} <${event.fixed}`,
        patched: event.fixed,
      });
      introduced = undefined;
    } else if (event.last_affected !== undefined && introduced !== undefined) {
      ranges.push({
        vulnerable: `${lower(introduced)} <=${event.last_affected}`,
      });
      introduced = undefined;
    }
  }
  if (introduced !== undefined) ranges.push({ vulnerable: lower(introduced) });
  return ranges;
}

// OSV's malicious-package records (MAL-…) carry no severity: installing one is a compromise.
const MALICIOUS_PREFIX = 'MAL-';

export function advisoryFromOsv(vuln: OsvVulnerability, source = 'osv'): Advisory {
  const ids = [vuln.id, ...(vuln.aliases ?? [])];
  const found = ids.find(isGhsaId);
  const ghsa = found ? canonicalGhsaId(found) : undefined;
  const affected = (vuln.affected ?? [])
    .filter(a => a.package?.ecosystem === 'npm' && a.package.name)
    .map(a => {
      const ranges = (a.ranges ?? [])
        .filter(r => r.type === 'SEMVER' || r.type === 'ECOSYSTEM')
        .flatMap(r => osvEventsToRanges(r.events ?? []));
      // Records that list versions instead of ranges.
      const listed = ranges.length ? [] : (a.versions ?? []).map(v => ({ vulnerable: `=${v}` }));
      return { package: a.package!.name!, ranges: [...ranges, ...listed] };
    })
    .filter(a => a.ranges.length);
  const severityWord =
    vuln.database_specific?.severity ??
    vuln.affected?.find(a => a.database_specific?.severity)?.database_specific?.severity;
  const malicious = vuln.id.startsWith(MALICIOUS_PREFIX);
  return {
    id: ghsa ?? vuln.id,
    aliases: ids.filter(id => !(found ? id === found : id === vuln.id)),
    severity: malicious && !severityWord ? 'critical' : normalizeSeverity(severityWord),
    summary: vuln.summary ?? vuln.details?.slice(0, 200) ?? '',
    url: ghsa
      ? `https://github.com/advisories/${ghsa}`
      : `https://osv.dev/vulnerability/${vuln.id}`,
    publishedAt: vuln.published,
    // A withdrawn record no longer applies to anything.
    affected: vuln.withdrawn ? [] : affected,
    sources: [source],
  };
}
