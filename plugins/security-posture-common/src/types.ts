/** How bad a failed check is. Ordered from worst to least in {@link SEVERITIES}. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** The built-in categories; modules may add more. */
export type BuiltInCategory =
  | 'auth'
  | 'permissions'
  | 'plugins'
  | 'templates'
  | 'catalog';

// `string & {}` keeps autocompletion for the built-ins while allowing new categories.
export type FindingCategory = BuiltInCategory | (string & {});

/**
 * The result of evaluating one check against one target. A crashed or inconclusive check is
 * `error`; a check that has nothing to look at is `notApplicable`. Neither is ever a pass.
 */
export type CheckOutcome = 'fail' | 'pass' | 'error' | 'notApplicable';

/** `open` while the latest successful run of its check still reports it. */
export type FindingStatus = 'open' | 'resolved';

/** What a finding is about. */
export type FindingTarget =
  | { type: 'entity'; entityRef: string }
  | { type: 'template'; entityRef: string }
  | { type: 'config'; path: string }
  | { type: 'package'; name: string; version?: string }
  | { type: 'deployment' };

/** Evidence is redacted before it is stored: secrets appear only as mask + fingerprint. */
export type EvidenceValue = string | number | boolean | null | string[];
export type FindingEvidence = Record<string, EvidenceValue>;

export interface Finding {
  /** Stable across scans: hash of check id, target and location. */
  fingerprint: string;
  checkId: string;
  category: FindingCategory;
  severity: Severity;
  outcome: Exclude<CheckOutcome, 'pass'>;
  status: FindingStatus;
  title: string;
  message: string;
  target: FindingTarget;
  /** Where inside the target, e.g. `metadata.annotations.vault.io/path`. */
  location?: string;
  /** Set when the finding belongs to a catalog entity (entities and templates). */
  entityRef?: string;
  entityKind?: string;
  /** Owners of the entity (refs of its ownedBy relations). */
  owners: string[];
  evidence: FindingEvidence;
  remediation: string;
  docsUrl?: string;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt?: string;
}

export interface CheckMetadata {
  /** `<category>/<kebab-name>` */
  id: string;
  title: string;
  category: FindingCategory;
  defaultSeverity: Severity;
  /** Severity after config overrides. */
  severity: Severity;
  description: string;
  remediation: string;
  docsUrl?: string;
  enabled: boolean;
  /** `deployment` checks run once per scan; `entity` checks run for every catalog entity. */
  scope: 'deployment' | 'entity';
}

export type ScanStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed';

export interface CheckRunSummary {
  checkId: string;
  outcome: CheckOutcome;
  durationMs: number;
  findingCount: number;
  errorCount: number;
  message?: string;
}

export interface Scan {
  id: string;
  status: ScanStatus;
  trigger: 'schedule' | 'manual';
  requestedBy?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress: { done: number; total: number };
  message?: string;
  checkRuns?: CheckRunSummary[];
}

export type Grade = 'A' | 'B' | 'C' | 'D' | 'F';

export interface CategoryScore {
  category: FindingCategory;
  score: number;
  grade: Grade;
  counts: SeverityCounts;
  /** Checks of this category that errored: their part of the posture is unknown. */
  errors: number;
}

export type SeverityCounts = Record<Severity, number>;

/** One open finding that lowers the grade, with what fixing it would bring. */
export interface GradeDrag {
  fingerprint: string;
  checkId: string;
  title: string;
  category: FindingCategory;
  severity: Severity;
  /** Overall score points gained if this finding alone were fixed. */
  overallGain: number;
  categoryGain: number;
}

export interface PostureSummary {
  score: number;
  grade: Grade;
  /** Why the grade is what it is, e.g. capped by an open critical finding. */
  gradeCap?: string;
  categories: CategoryScore[];
  counts: SeverityCounts;
  openFindings: number;
  heldDownBy: GradeDrag[];
  lastScan?: Scan;
  lastCompletedScan?: Scan;
}

export interface HistoryPoint {
  scanId: string;
  finishedAt: string;
  status: ScanStatus;
  score: number;
  grade: Grade;
  categories: Array<{ category: FindingCategory; score: number }>;
  counts: SeverityCounts;
}

export type FindingSortField =
  | 'severity'
  | 'category'
  | 'checkId'
  | 'entityRef'
  | 'firstSeenAt'
  | 'lastSeenAt';

export interface FindingsQuery {
  category?: string[];
  severity?: Severity[];
  status?: FindingStatus[];
  checkId?: string[];
  owner?: string[];
  entityKind?: string[];
  entityRef?: string;
  text?: string;
  orderBy?: FindingSortField;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface FindingsPage {
  items: Finding[];
  totalItems: number;
  limit: number;
  offset: number;
  /** `all`: deployment-wide; `mine`: only entities whose details the caller may read. */
  scope: 'all' | 'mine';
}

/** What the caller may see of one entity's findings. */
export type EntityFindingsResponse =
  | {
      entityRef: string;
      visibility: 'details';
      counts: SeverityCounts;
      findings: Finding[];
      lastScan?: Scan;
    }
  | {
      entityRef: string;
      visibility: 'counts';
      counts: SeverityCounts;
    };
