import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import { Finding, SeverityCounts } from '@security-posture/plugin-security-posture-common';

// Cells a spreadsheet would evaluate as a formula (or DDE) when they start with these.
const FORMULA_PREFIX = /^[=+\-@\t\r]/;

/** Neutralises spreadsheet formula injection by prefixing a quote to risky cells. */
export function neutralizeCell(value: string): string {
  return FORMULA_PREFIX.test(value) ? `'${value}` : value;
}

export const FINDING_CSV_COLUMNS = [
  'severity',
  'category',
  'checkId',
  'status',
  'outcome',
  'title',
  'message',
  'entityRef',
  'entityKind',
  'owners',
  'target',
  'location',
  'evidence',
  'remediation',
  'docsUrl',
  'firstSeenAt',
  'lastSeenAt',
  'resolvedAt',
  'fingerprint',
] as const;

function evidenceText(finding: Finding): string {
  return Object.entries(finding.evidence)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('; ');
}

function targetText(finding: Finding): string {
  const { target } = finding;
  switch (target.type) {
    case 'entity':
    case 'template':
      return target.entityRef;
    case 'config':
      return `config:${target.path}`;
    case 'package':
      return `package:${target.name}${target.version ? `@${target.version}` : ''}`;
    default:
      return 'deployment';
  }
}

function findingRow(finding: Finding): Record<string, string> {
  return {
    severity: finding.severity,
    category: finding.category,
    checkId: finding.checkId,
    status: finding.status,
    outcome: finding.outcome,
    title: finding.title,
    message: finding.message,
    entityRef: finding.entityRef ?? '',
    entityKind: finding.entityKind ?? '',
    owners: finding.owners.join(' '),
    target: targetText(finding),
    location: finding.location ?? '',
    evidence: evidenceText(finding),
    remediation: finding.remediation,
    docsUrl: finding.docsUrl ?? '',
    firstSeenAt: finding.firstSeenAt,
    lastSeenAt: finding.lastSeenAt,
    resolvedAt: finding.resolvedAt ?? '',
    fingerprint: finding.fingerprint,
  };
}

function csvStringifier(columns: readonly string[]) {
  return stringify({
    header: true,
    columns: [...columns],
    quoted_match: /[\s,"]/,
    cast: { string: neutralizeCell },
  });
}

/** Streams findings as CSV, one page at a time, with back-pressure. */
export function findingsCsv(pages: AsyncIterable<Finding[]>): Readable {
  const stringifier = csvStringifier(FINDING_CSV_COLUMNS);
  // Resolves on 'drain', or on 'close' when the consumer went away (a drain never comes then).
  const writable = () =>
    new Promise<void>(resolve => {
      if (stringifier.destroyed) {
        resolve();
        return;
      }
      const done = () => {
        stringifier.off('drain', done);
        stringifier.off('close', done);
        resolve();
      };
      stringifier.on('drain', done);
      stringifier.on('close', done);
    });
  (async () => {
    try {
      for await (const page of pages) {
        for (const finding of page) {
          // Leaving the loop closes the page source (e.g. a disconnected download).
          if (stringifier.destroyed) return;
          if (!stringifier.write(findingRow(finding))) await writable();
        }
      }
      if (!stringifier.destroyed) stringifier.end();
    } catch (e) {
      stringifier.destroy(e as Error);
    }
  })();
  return stringifier;
}

/** CSV for callers who may see only counts of an entity's findings. */
export function countsCsv(entityRef: string, counts: SeverityCounts): Readable {
  const stringifier = csvStringifier(['entityRef', 'severity', 'openFindings']);
  for (const [severity, count] of Object.entries(counts)) {
    stringifier.write({ entityRef, severity, openFindings: String(count) });
  }
  stringifier.end();
  return stringifier;
}

/** Any table as CSV, with the same cell neutralisation as the findings export. */
export function rowsCsv(columns: readonly string[], rows: Array<Record<string, string>>): Readable {
  const stringifier = csvStringifier(columns);
  (async () => {
    for (const row of rows) {
      if (!stringifier.write(row)) {
        await new Promise(resolve => stringifier.once('drain', resolve));
      }
    }
    stringifier.end();
  })().catch(e => stringifier.destroy(e));
  return stringifier;
}
