import type { RemediationSnippet } from './remediation';
import type { ScanChangeSummary } from './scanChanges';

/** How bad a failed check is. Ordered from worst to least in {@link SEVERITIES}. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** The built-in categories; modules may add more. */
export type BuiltInCategory =
  | 'auth'
  | 'permissions'
  | 'plugins'
  | 'templates'
  | 'catalog'
  | 'runtime'
  /** Raised between scans by detections over the backend's audit events. */
  | 'detections';

// `string & {}` keeps autocompletion for the built-ins while allowing new categories.
export type FindingCategory = BuiltInCategory | (string & {});

/**
 * The result of evaluating one check against one target. A crashed or inconclusive check is
 * `error`; a check that has nothing to look at is `notApplicable`. Neither is ever a pass.
 */
export type CheckOutcome = 'fail' | 'pass' | 'error' | 'notApplicable';

/**
 * `open` while the latest successful run of its check still reports it; `exempted` when it is open
 * but an active exemption covers it (decided when it is read, so an exemption that expires stops
 * applying at once); `resolved` once a scan no longer reports it.
 */
export type FindingStatus = 'open' | 'resolved' | 'exempted';

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
  /**
   * The exemption that covers the finding: `state: 'active'` when the finding is `exempted`,
   * `state: 'expired'` when the last exemption that covered it has expired (the finding counts
   * again). Revoked exemptions are not attached.
   */
  exemption?: Exemption;
}

/**
 * Why a finding does not count: the risk is accepted until a date, the finding is wrong, or the
 * risk is handled somewhere the check cannot see.
 */
export type ExemptionKind = 'accepted-risk' | 'false-positive' | 'mitigated-elsewhere';

/**
 * What an exemption covers:
 * - `finding`: one finding, by fingerprint (a finding whose check, target or location changes gets
 *   a new fingerprint and is not covered); `checkId` and `entityRef` describe the finding;
 * - `target`: every finding of a check on one entity, or on one config path;
 * - `entities`: every finding of a check on the entities of a kind and/or an owner.
 */
export type ExemptionScope =
  | { type: 'finding'; fingerprint: string; checkId?: string; entityRef?: string }
  | { type: 'target'; checkId: string; entityRef: string; configPath?: undefined }
  | { type: 'target'; checkId: string; configPath: string; entityRef?: undefined }
  | { type: 'entities'; checkId: string; entityKind?: string; owner?: string };

export type ExemptionScopeType = ExemptionScope['type'];

/** `active` until revoked or past `expiresAt`; decided when read. */
export type ExemptionState = 'active' | 'expired' | 'revoked';

export interface Exemption {
  id: string;
  scope: ExemptionScope;
  kind: ExemptionKind;
  reason: string;
  /** An http(s) link to the ticket that tracks the decision. */
  ticket?: string;
  /** The user (or `service:<subject>`) who created it. */
  createdBy: string;
  createdAt: string;
  /** Required for `accepted-risk`; the exemption stops applying at this instant. */
  expiresAt?: string;
  state: ExemptionState;
  revokedBy?: string;
  revokedAt?: string;
}

/** What a caller sends to create an exemption. */
export interface NewExemption {
  scope: ExemptionScope;
  kind: ExemptionKind;
  reason: string;
  ticket?: string;
  expiresAt?: string;
}

export interface ExemptionsQuery {
  state?: ExemptionState[];
  scopeType?: ExemptionScopeType[];
  checkId?: string;
  entityRef?: string;
  createdBy?: string;
  /** Active exemptions that expire within this many days (and not those without expiry). */
  expiringWithinDays?: number;
  limit?: number;
  offset?: number;
}

export interface ExemptionsPage {
  /** Active ones first, soonest expiry first; then expired and revoked, newest first. */
  items: Exemption[];
  totalItems: number;
  limit: number;
  offset: number;
  /** `all`: deployment-wide; `mine`: only exemptions of entities whose details the caller may read. */
  scope: 'all' | 'mine';
}

/** The exemption kinds, for forms and validation. */
export const EXEMPTION_KINDS: readonly ExemptionKind[] = [
  'accepted-risk',
  'false-positive',
  'mitigated-elsewhere',
];

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
  /** Copyable fixes (config keys, code), shown with the findings they fit. */
  remediationSnippets?: RemediationSnippet[];
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
  /**
   * The checks a check-limited scan ran ("rescan this check"): findings of other checks were left
   * as they were. Absent for a scan of every enabled check.
   */
  checkIds?: string[];
  /** What the scan changed (`GET /scans` only): new, reopened, resolved, severity changes. */
  changes?: ScanChangeSummary;
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

/**
 * Who can reach what a finding is about, widest first: `anyone` (no sign-in at all), `guests`
 * (guest sign-in), `signed-in` (every signed-in user, e.g. one who owns nothing), `owners` (only
 * the owners and the platform team).
 */
export type ExposureLevel = 'anyone' | 'guests' | 'signed-in' | 'owners';

/** The exposure of one finding and where it comes from. */
export interface FindingExposure {
  level: ExposureLevel;
  /**
   * The permission that decides it: `catalog.entity.read` for catalog entities, the wider of
   * `catalog.entity.read` and `scaffolder.task.create` for templates, the finding's own
   * permission for policy findings.
   */
  permission: string;
  /** One sentence, e.g. `catalog.entity.read is allowed for Guest (user:development/guest)`. */
  basis: string;
}

/** One open finding that lowers the grade, with what fixing it would bring. */
export interface GradeDrag {
  fingerprint: string;
  checkId: string;
  title: string;
  category: FindingCategory;
  severity: Severity;
  /** `error`: a check that errored; fixing means making it run. */
  outcome?: Exclude<CheckOutcome, 'pass'>;
  entityRef?: string;
  /** Who can reach what the finding is about; absent when not assessed (deployment settings). */
  exposure?: FindingExposure;
  /** Overall score points gained if this finding alone were fixed. */
  overallGain: number;
  categoryGain: number;
}

/** One fix on the path to the next grade: what it gains at that point and the score after it. */
export interface GradePathStep extends GradeDrag {
  scoreAfter: number;
}

/**
 * The fixes that raise the grade to the next letter: the open criticals when the grade is
 * capped, then each time the fix that gains the most points.
 */
export interface GradePath {
  /** The next better grade. */
  grade: Grade;
  /** The score that grade needs. */
  minimumScore: number;
  /** Fixes on the path (a lower bound when `incomplete`). */
  fixCount: number;
  /** How many of them are open criticals, all of which must go for any grade above D. */
  criticalFixes: number;
  /** Score and grade once every fix of the path is done. */
  scoreAfter: number;
  gradeAfter: Grade;
  /** The path was not followed to its end (it needs more fixes than are computed). */
  incomplete?: boolean;
  /** The first fixes of the path, in order. */
  steps: GradePathStep[];
}

export interface PostureSummary {
  score: number;
  grade: Grade;
  /** Why the grade is what it is, e.g. capped by an open critical finding. */
  gradeCap?: string;
  categories: CategoryScore[];
  counts: SeverityCounts;
  openFindings: number;
  /**
   * Open findings that active exemptions cover: they are not in `counts`, `openFindings`, the
   * scores or the grade. `score` and `grade` are what they would be without any exemption.
   */
  exempted?: { findings: number; counts: SeverityCounts; score: number; grade: Grade };
  /**
   * Risk first: open findings by severity, then by exposure (anyone, guests, signed-in users,
   * not assessed, owners only), then by the points their fix gains.
   */
  heldDownBy: GradeDrag[];
  /** How to reach the next grade; absent at A. */
  nextGrade?: GradePath;
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

/**
 * Findings with the same check and title, counted together (GET /findings/groups): one row
 * per (checkId, title) over the findings a `FindingsQuery` selects.
 */
export interface FindingGroup {
  checkId: string;
  title: string;
  category: FindingCategory;
  /** The worst severity among the group's findings. */
  severity: Severity;
  /** How many findings (one per target: entity and location) the group has. */
  targets: number;
}

/** Groups worst severity first, then the most targets first. */
export interface FindingGroupsPage {
  items: FindingGroup[];
  totalItems: number;
  limit: number;
  offset: number;
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
