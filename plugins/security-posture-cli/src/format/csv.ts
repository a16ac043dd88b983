import { stringify } from 'csv-stringify/sync';
import { neutralizeCell } from '@security-posture/plugin-security-posture-common';
import { CliFinding, ScanReport } from '../report';

export const CLI_CSV_COLUMNS = [
  'severity',
  'rule',
  'checkId',
  'category',
  'outcome',
  'file',
  'doc',
  'line',
  'column',
  'entityRef',
  'entityKind',
  'templateStepId',
  'parameter',
  'secretKind',
  'referenceClass',
  'title',
  'message',
  'field',
  'location',
  'evidence',
  'remediation',
  'docsUrl',
  'fingerprint',
] as const;

function evidenceText(finding: CliFinding): string {
  return Object.entries(finding.evidence)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('; ');
}

function row(finding: CliFinding): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const column of CLI_CSV_COLUMNS) {
    const value =
      column === 'evidence' ? evidenceText(finding) : finding[column as keyof CliFinding];
    cells[column] = value === undefined || value === null ? '' : String(value);
  }
  return cells;
}

/**
 * The open findings as CSV, with the server export's safety: every cell that a spreadsheet
 * would evaluate as a formula is neutralised by the server's own function.
 */
export function toCsv(report: ScanReport): string {
  return stringify(report.findings.map(row), {
    header: true,
    columns: [...CLI_CSV_COLUMNS],
    quoted_match: /[\s,"]/,
    cast: { string: neutralizeCell },
  });
}
