import { Readable } from 'node:stream';
import { JsonValue } from '@backstage/types';
import {
  CoverageDecision,
  PermissionCoverageMatrix,
  POLICY_COVERAGE_CHECK_ID,
  POLICY_COVERAGE_MATRIX_KEY,
} from '@security-posture/plugin-security-posture-common';
import { CsvOptions, rowsCsv } from './csv';

type Row = Record<string, string>;

function decisionText(decision: CoverageDecision): { result: string; detail: string } {
  switch (decision.result) {
    case 'CONDITIONAL':
      return {
        result: decision.resolvedForResource
          ? `CONDITIONAL (${decision.resolvedForResource} for ${decision.resourceRef})`
          : 'CONDITIONAL',
        detail: decision.rules.join(' '),
      };
    case 'ERROR':
      return { result: 'ERROR', detail: decision.message };
    case 'NOT_EVALUATED':
      return { result: 'NOT_EVALUATED', detail: decision.reason ?? '' };
    default:
      return { result: decision.result, detail: '' };
  }
}

/** One row per permission × principal cell of the coverage matrix. */
function coverageRows(matrix: PermissionCoverageMatrix): { columns: string[]; rows: Row[] } {
  const permissions = new Map(matrix.permissions.map(p => [p.name, p]));
  const principals = new Map(matrix.principals.map(p => [p.id, p]));
  const rows = matrix.cells.map(cell => {
    const permission = permissions.get(cell.permission);
    const principal = principals.get(cell.principal);
    const { result, detail } = decisionText(cell.decision);
    return {
      permission: cell.permission,
      plugin: permission?.pluginId ?? '',
      sensitive: String(permission?.sensitive ?? false),
      resourceType: permission?.resourceType ?? '',
      principal: principal?.label ?? cell.principal,
      principalKind: principal?.kind ?? '',
      evaluatedBy: principal?.source ?? '',
      decision: result,
      detail,
    };
  });
  return {
    columns: ['permission', 'plugin', 'sensitive', 'resourceType', 'principal', 'principalKind', 'evaluatedBy', 'decision', 'detail'],
    rows,
  };
}

function cellText(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Tabular data: an array of flat objects, or an object holding one such array. */
function genericRows(data: JsonValue): { columns: string[]; rows: Row[] } | undefined {
  let items: JsonValue | undefined = data;
  if (items && typeof items === 'object' && !Array.isArray(items)) {
    const arrays = Object.values(items).filter(Array.isArray);
    items = arrays.length === 1 ? arrays[0] : undefined;
  }
  if (!Array.isArray(items) || !items.every(i => i && typeof i === 'object' && !Array.isArray(i))) {
    return undefined;
  }
  const columns = [...new Set(items.flatMap(i => Object.keys(i as object)))];
  const rows = items.map(item =>
    Object.fromEntries(
      columns.map(c => [c, cellText((item as Record<string, JsonValue>)[c])]),
    ),
  );
  return { columns, rows };
}

/**
 * CSV of data a check published: the permission coverage matrix cell by cell, or any tabular
 * data generically. Undefined when the data has no tabular form.
 */
export function publishedDataCsv(
  checkId: string,
  key: string,
  data: JsonValue,
  options: CsvOptions = {},
): Readable | undefined {
  const table =
    checkId === POLICY_COVERAGE_CHECK_ID && key === POLICY_COVERAGE_MATRIX_KEY
      ? coverageRows(data as unknown as PermissionCoverageMatrix)
      : genericRows(data);
  return table && rowsCsv(table.columns, table.rows, options);
}
