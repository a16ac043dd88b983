import {
  CheckOutcome,
  FindingEvidence,
  Severity,
  TemplateRiskBand,
} from '@security-posture/plugin-security-posture-common';

/** Version of the JSON report layout (docs/cli.md); raised on incompatible changes. */
export const REPORT_SCHEMA_VERSION = 1;

/** One finding, with where it is in the scanned files. Secrets appear only masked. */
export interface CliFinding {
  /**
   * Stable identity: the engine's fingerprint (check, target, location). For findings about
   * entities, templates and config keys it equals the portal's, so a suppression can name it.
   */
  fingerprint: string;
  /** The check, e.g. `catalog/leaked-secret`, `templates/template-risk`, `files/parse-error`. */
  checkId: string;
  /** The rule: the check id, or `templates/template-risk/<rule>` for the template analyser. */
  rule: string;
  category: string;
  severity: Severity;
  /** `error`: the check could not decide (never a silent pass). */
  outcome: 'fail' | 'error';
  title: string;
  message: string;
  /** Path relative to the report root, with `/` separators. */
  file: string;
  /** 0-based YAML document index; absent for lockfiles. */
  doc?: number;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine?: number;
  endColumn?: number;
  /** The field path or config key the finding is about, when it has one. */
  field?: string;
  /** The engine's location string (what the portal shows and fingerprints). */
  location?: string;
  entityRef?: string;
  entityKind?: string;
  /** Template findings: the step id and the parameter (`secrets.x` for secrets). */
  templateStepId?: string;
  parameter?: string;
  /** Catalog hits: the secret kind (`aws-access-key-id`) or sensitive reference class. */
  secretKind?: string;
  referenceClass?: string;
  evidence: FindingEvidence;
  remediation: string;
  docsUrl?: string;
}

export interface SuppressionRef {
  reason: string;
  expires: string;
  /** Where the suppression is written. */
  source: { file: string; line: number };
}

export interface SuppressedFinding extends CliFinding {
  suppression: SuppressionRef;
}

/** Risk score of one template document. */
export interface TemplateScore {
  file: string;
  doc: number;
  entityRef: string;
  title?: string;
  score: number;
  band: TemplateRiskBand;
  legacy: boolean;
  parseError: boolean;
  findingCount: number;
}

export interface CheckRun {
  checkId: string;
  /** `skipped`: not run in CLI mode (needs a running backend, or no input for it). */
  outcome: CheckOutcome | 'skipped';
  findings: number;
  reason?: string;
}

export interface ScannedFile {
  file: string;
  type: 'yaml' | 'config' | 'lockfile' | 'manifest';
  documents: number;
  entities: number;
  templates: number;
}

export interface ScanReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'security-posture'; version: string };
  generatedAt: string;
  /** Directory that file paths are relative to. Not shown in SARIF (absolute paths leak). */
  root: string;
  failOn: Severity | 'none';
  /** Findings at or above `failOn` that no suppression covers. */
  failing: number;
  files: ScannedFile[];
  configFiles: string[];
  findings: CliFinding[];
  suppressed: SuppressedFinding[];
  templates: TemplateScore[];
  checks: CheckRun[];
  suppressions: {
    file?: string;
    expired: Array<SuppressionRef & { rule?: string; fingerprint?: string }>;
    unused: Array<SuppressionRef & { rule?: string; fingerprint?: string }>;
  };
  summary: {
    findings: number;
    suppressed: number;
    bySeverity: Record<Severity, number>;
  };
}
