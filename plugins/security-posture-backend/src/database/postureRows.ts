import * as cryptoModule from 'node:crypto';
import { createHash, randomUUID } from 'node:crypto';
import {
  Finding,
  Scan,
  severityRank,
} from '@security-posture/plugin-security-posture-common';
import { NewFinding, ScanPatch } from './PostureStore';
import { findingTextsKey } from './findingTexts';
import { ownersKey } from './ownerSets';

/**
 * The stored rows of scans and findings, their mapping to and from the API's types, and the small
 * helpers the store's modules share.
 */

// SQLite limits bound parameters per statement; keep batches well under it on every engine.
export const BATCH = 200;

export const SCAN_COLUMNS = [
  'id',
  'status',
  'trigger',
  'requested_by',
  'created_at',
  'started_at',
  'finished_at',
  'progress_done',
  'progress_total',
  'message',
  'check_runs',
  'check_ids',
];

export type ScanRow = {
  id: string;
  status: Scan['status'];
  trigger: Scan['trigger'];
  requested_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress_done: number;
  progress_total: number;
  message: string | null;
  check_runs?: string | null;
  /** JSON array: the checks of a check-limited scan; null for a scan of every check. */
  check_ids?: string | null;
};

export type FindingRow = {
  fingerprint: string;
  check_id: string;
  category: string;
  severity: Finding['severity'];
  severity_rank: number;
  outcome: Finding['outcome'];
  status: Finding['status'];
  title: string;
  message: string;
  target_type: string;
  target: string;
  location: string | null;
  entity_ref: string | null;
  entity_kind: string | null;
  owners: string;
  /** The key of the set of owners (ownerSets.ts); null for none. */
  owners_key?: string | null;
  evidence: string;
  /** Empty when the row points at its texts (`texts_key`, see findingTexts.ts). */
  remediation: string;
  docs_url: string | null;
  texts_key?: string | null;
  first_seen_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  last_scan_id: string;
  content_hash?: string | null;
  /** The path of a config target: what a "check on a config path" exemption matches. */
  config_path?: string | null;
};

export function chunk<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Code-unit order, as the databases sort the hex fingerprints. */
export function byFingerprint(a: { fingerprint: string }, b: { fingerprint: string }) {
  if (a.fingerprint === b.fingerprint) return 0;
  return a.fingerprint < b.fingerprint ? -1 : 1;
}

export function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, c => `\\${c}`);
}

export function toScan(row: ScanRow): Scan {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    requestedBy: row.requested_by ?? undefined,
    createdAt: row.created_at,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    progress: { done: Number(row.progress_done), total: Number(row.progress_total) },
    message: row.message ?? undefined,
    checkRuns: row.check_runs ? JSON.parse(row.check_runs) : undefined,
    checkIds: row.check_ids ? JSON.parse(row.check_ids) : undefined,
  };
}

export function newScanRow(scan: Pick<Scan, 'trigger' | 'requestedBy' | 'checkIds'>): ScanRow {
  return {
    id: randomUUID(),
    status: 'queued',
    trigger: scan.trigger,
    requested_by: scan.requestedBy ?? null,
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    progress_done: 0,
    progress_total: 0,
    message: null,
    check_runs: null,
    check_ids: scan.checkIds ? JSON.stringify(scan.checkIds) : null,
  };
}

export function toScanUpdate(patch: ScanPatch): Partial<ScanRow> {
  const update: Partial<ScanRow> = {};
  if (patch.status) update.status = patch.status;
  if (patch.startedAt) update.started_at = patch.startedAt;
  if (patch.finishedAt) update.finished_at = patch.finishedAt;
  if (patch.progress) {
    update.progress_done = patch.progress.done;
    update.progress_total = patch.progress.total;
  }
  if (patch.message !== undefined) update.message = patch.message;
  if (patch.checkRuns) update.check_runs = JSON.stringify(patch.checkRuns);
  return update;
}

export function toFinding(row: FindingRow): Finding {
  return {
    fingerprint: row.fingerprint,
    checkId: row.check_id,
    category: row.category,
    severity: row.severity,
    outcome: row.outcome,
    status: row.status,
    title: row.title,
    message: row.message,
    target: JSON.parse(row.target),
    location: row.location ?? undefined,
    entityRef: row.entity_ref ?? undefined,
    entityKind: row.entity_kind ?? undefined,
    owners: JSON.parse(row.owners),
    evidence: JSON.parse(row.evidence),
    remediation: row.remediation,
    docsUrl: row.docs_url ?? undefined,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    resolvedAt: row.resolved_at ?? undefined,
  };
}

/** The stored columns of a finding as a scan reports it (open, seen now). */
export function toFindingRow(f: NewFinding, scanId: string, seenAt: string): FindingRow {
  // A first scan builds hundreds of thousands of these on the event loop: one object literal,
  // each value computed once, and one string to hash (no intermediate object or array).
  const severityRankOf = severityRank(f.severity);
  const target = JSON.stringify(f.target);
  const location = f.location ?? null;
  const entityRef = f.entityRef ?? null;
  const entityKind = f.entityKind ?? null;
  const owners = JSON.stringify(f.owners);
  const evidence = JSON.stringify(f.evidence);
  const docsUrl = f.docsUrl ?? null;
  // Change detection only (not a security boundary): every stored column of the finding's
  // content in this order, NUL-separated, null as \u0001. Stored hashes depend on it.
  const hashed =
    `${f.checkId}\u0000${f.category}\u0000${f.severity}\u0000${severityRankOf}\u0000${f.outcome}` +
    `\u0000${f.title}\u0000${f.message}\u0000${f.target.type}\u0000${target}\u0000${nullable(location)}` +
    `\u0000${nullable(entityRef)}\u0000${nullable(entityKind)}\u0000${owners}\u0000${evidence}` +
    `\u0000${f.remediation}\u0000${nullable(docsUrl)}`;
  return {
    fingerprint: f.fingerprint,
    check_id: f.checkId,
    category: f.category,
    severity: f.severity,
    severity_rank: severityRankOf,
    outcome: f.outcome,
    title: f.title,
    message: f.message,
    target_type: f.target.type,
    target,
    location,
    entity_ref: entityRef,
    entity_kind: entityKind,
    owners,
    evidence,
    // Stored once per distinct pair; the content hash still covers the texts themselves.
    remediation: '',
    docs_url: null,
    texts_key: findingTextsKey(f.remediation, docsUrl),
    // Derived from the owners (which the hash covers).
    owners_key: ownersKey(f.owners),
    status: 'open',
    first_seen_at: seenAt,
    last_seen_at: seenAt,
    resolved_at: null,
    last_scan_id: scanId,
    // Derived from the target (which the hash covers).
    config_path: f.target.type === 'config' ? f.target.path : null,
    content_hash: sha1Hex(hashed),
  };
}

function nullable(value: string | null): string {
  return value === null ? '\u0001' : value;
}

// One call instead of a Hash object per row where Node has it (20.12+, 21.7+).
const oneShotHash = (cryptoModule as { hash?: (algorithm: string, data: string) => string }).hash;

function sha1Hex(text: string): string {
  return oneShotHash
    ? oneShotHash('sha1', text)
    : createHash('sha1').update(text).digest('hex');
}
