import type { AuditRecord, AuditStatus } from './types';

/**
 * The fields of a Backstage auditor event that detections read: the object the default auditor
 * hands its log function (`AuditorEvent` of @backstage/backend-defaults/auditor), or the JSON
 * line it logs (the same fields at the top level, the error's `name` beside them).
 */
export interface AuditorEventLike {
  plugin?: unknown;
  eventId?: unknown;
  severityLevel?: unknown;
  status?: unknown;
  actor?: unknown;
  meta?: unknown;
  error?: unknown;
}

const STATUSES: AuditStatus[] = ['initiated', 'succeeded', 'failed'];
const TIMESTAMP_FIELDS = ['timestamp', '@timestamp', 'time', 'ts'];

const str = (value: unknown) =>
  typeof value === 'string' && value ? value : undefined;
const obj = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** Only the fields rules read: meta's request parameters, queries and bodies are dropped here. */
export function toAuditRecord(
  event: AuditorEventLike,
  at: number,
  errorName?: string,
): AuditRecord | undefined {
  const plugin = str(event.plugin);
  const eventId = str(event.eventId);
  if (!plugin || !eventId) return undefined;
  const actor = obj(event.actor);
  const meta = obj(event.meta);
  const status = STATUSES.find(s => s === event.status);
  return {
    at,
    plugin,
    eventId,
    status,
    severityLevel: str(event.severityLevel),
    actorId: str(actor?.actorId),
    ip: str(actor?.ip),
    actionType: str(meta?.actionType),
    dryRun: meta?.isDryRun === true ? true : undefined,
    // A fixed token of the catalog's; anything longer or stranger is not kept.
    queryType: /^[a-z-]{1,16}$/.test(str(meta?.queryType) ?? '') ? str(meta?.queryType) : undefined,
    errorName:
      errorName ??
      str(obj(event.error)?.name) ??
      (event.error instanceof Error ? event.error.name : undefined),
  };
}

/** Epoch ms of a log line's timestamp (ISO, or epoch seconds/ms); undefined when there is none. */
export function timestampOf(line: Record<string, unknown>): number | undefined {
  for (const field of TIMESTAMP_FIELDS) {
    const value = line[field];
    if (typeof value === 'number' && Number.isFinite(value)) {
      return value < 1e11 ? value * 1000 : value;
    }
    if (typeof value === 'string' && value) {
      // Winston's timestamp format without a zone (YYYY-MM-DD HH:mm:ss) is read as UTC.
      const iso = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value)
        ? `${value.replace(' ', 'T')}Z`
        : value;
      const parsed = Date.parse(iso);
      if (!Number.isNaN(parsed)) return parsed;
    }
  }
  return undefined;
}

export type AuditLogLine =
  | { type: 'record'; record: AuditRecord }
  | { type: 'skipped'; reason: 'not-json' | 'not-audit' | 'no-timestamp' };

/**
 * One line of an exported log: a JSON object the default auditor logged (`isAuditEvent: true`),
 * with the timestamp the log pipeline added. Other lines are skipped with the reason.
 */
export function parseAuditLogLine(text: string): AuditLogLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: 'skipped', reason: 'not-json' };
  }
  const line = obj(parsed);
  if (!line || line.isAuditEvent !== true)
    return { type: 'skipped', reason: 'not-audit' };
  const at = timestampOf(line);
  if (at === undefined) return { type: 'skipped', reason: 'no-timestamp' };
  const record = toAuditRecord(
    line,
    at,
    line.status === 'failed' ? str(line.name) : undefined,
  );
  return record
    ? { type: 'record', record }
    : { type: 'skipped', reason: 'not-audit' };
}
