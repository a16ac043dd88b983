import type { FindingCategory, Severity } from './types';

/**
 * How a scan changed a finding, relative to what the scans before it left:
 * - `new`: reported for the first time;
 * - `reopened`: reported again after a scan had resolved it;
 * - `resolved`: no longer reported (fixed, its entity left the catalog, or its check was retired);
 * - `severity`: still reported, with another severity.
 */
export type ScanChangeType = 'new' | 'reopened' | 'resolved' | 'severity';

/** The change types, in the order the UI lists them. */
export const SCAN_CHANGE_TYPES: readonly ScanChangeType[] = [
  'new',
  'reopened',
  'resolved',
  'severity',
];

export type ScanChangeCounts = Record<ScanChangeType, number>;

/** One finding's change in one scan, as the finding was then. */
export interface ScanChange {
  change: ScanChangeType;
  fingerprint: string;
  checkId: string;
  category: FindingCategory;
  title: string;
  /** After the change; for `resolved`, the severity it had last. */
  severity: Severity;
  /** `severity` changes: the severity before. */
  previousSeverity?: Severity;
  entityRef?: string;
  recordedAt: string;
}

/** What a scan changed, in numbers. */
export interface ScanChangeSummary {
  /**
   * False for scans that ran before changes were recorded (or wrote nothing at all): what they
   * changed is unknown.
   */
  recorded: boolean;
  /**
   * The first scan of an empty store: its findings are the starting point, not changes, so it
   * has no `new` ones.
   */
  baseline: boolean;
  counts: ScanChangeCounts;
}

export interface ScanChangesQuery {
  change?: ScanChangeType[];
  limit?: number;
  offset?: number;
}

/** What one scan changed since the scan before it: most severe first. */
export interface ScanChangesPage extends ScanChangeSummary {
  scanId: string;
  /** The scan before it that ran (succeeded, partial or failed): what the changes are relative to. */
  previousScanId?: string;
  items: ScanChange[];
  /** Changes matching the query's `change` filter. */
  totalItems: number;
  limit: number;
  offset: number;
}

/** What changed since a date: `new` findings were first seen, `resolved` ones resolved, at or after it. */
export type ChangeSinceType = 'new' | 'resolved';

export const CHANGE_SINCE_TYPES: readonly ChangeSinceType[] = ['new', 'resolved'];

export interface ChangesSinceQuery {
  /** ISO 8601 date-time. */
  since: string;
  change?: ChangeSinceType[];
  limit?: number;
  offset?: number;
}

/**
 * The findings first seen (`new`) or resolved (`resolved`, still resolved) at or after `since`,
 * most severe first; `recordedAt` is when it was first seen or resolved. A finding first seen and
 * resolved since then is listed as both.
 */
export interface ChangesSincePage {
  since: string;
  counts: Record<ChangeSinceType, number>;
  items: ScanChange[];
  /** Changes matching the query's `change` filter. */
  totalItems: number;
  limit: number;
  offset: number;
}

export function emptyScanChangeCounts(): ScanChangeCounts {
  return { new: 0, reopened: 0, resolved: 0, severity: 0 };
}
