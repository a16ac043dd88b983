import type { NoteReason } from './classify';
import {
  CheckOutcome,
  ExemptionKind,
  FindingEvidence,
  Severity,
  TemplateRiskBand,
} from '@security-posture/plugin-security-posture-common';

/** Version of the JSON report layout (docs/cli.md); raised on incompatible changes. */
export const REPORT_SCHEMA_VERSION = 2;

/** One finding, with where it is in the scanned files. Secrets appear only masked. */
export interface CliFinding {
  /**
   * Stable identity: the engine's fingerprint (check, target, location). For findings about
   * entities, templates and config keys it equals the portal's, so a suppression can name it.
   */
  fingerprint: string;
  /** The check, e.g. `catalog/leaked-secret`, `templates/template-risk`, `files/secret-in-text`. */
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
  /**
   * The finding is about content of a file included with `$yaml`/`$json`/`$text`; `line` and
   * `column` point at the placeholder in `file`, this names the included file.
   */
  includedFile?: string;
  evidence: FindingEvidence;
  remediation: string;
  docsUrl?: string;
}

/**
 * Something that could not be read as written (a Backstage file that is not valid YAML, an
 * entity without a name, an include that cannot be resolved, a template the analyser cannot
 * fully read). Diagnostics are not findings: they never count toward `--fail-on`, only toward
 * `--fail-on-diagnostics`.
 */
export interface CliDiagnostic {
  /** Who says so: `files` (the CLI) or a check id (`templates/template-risk`). */
  source: string;
  /** e.g. `yaml-syntax`, `entity-list`, `entity-without-name`, `include-missing`, `template-parse`. */
  code: string;
  level: 'warning' | 'note';
  message: string;
  file: string;
  doc?: number;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  field?: string;
  entityRef?: string;
  templateStepId?: string;
  includedFile?: string;
}

/** A file or document that was not analysed as an entity, and why (never a finding). */
export interface ScanNote {
  reason: NoteReason;
  message: string;
  file: string;
  doc?: number;
  line?: number;
  column?: number;
}

export interface SuppressionRef {
  /** accepted-risk, false-positive or mitigated-elsewhere (the portal's exemption kinds). */
  kind: ExemptionKind;
  reason: string;
  /** Absent: the suppression does not expire (not allowed for accepted risks). */
  expires?: string;
  ticket?: string;
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

/** An advisory source of the lockfile scan and how it answered in this run. */
export interface AdvisorySourceReport {
  /** `bundled` or `osv`. */
  name: string;
  /** `ok`, `partial` (some requests failed), `failed` (unreachable), `disabled`, or `unused` (no lockfile scanned). */
  status: 'ok' | 'partial' | 'failed' | 'disabled' | 'unused';
  /** bundled: the date the dataset was compiled. */
  asOf?: string;
  /** osv: where and when it was asked, how many package versions it was asked about and answered. */
  url?: string;
  checkedAt?: string;
  queried?: number;
  answered?: number;
  error?: string;
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
  /** Whether diagnostics fail the run too (`--fail-on-diagnostics`). */
  failOnDiagnostics: boolean;
  files: ScannedFile[];
  configFiles: string[];
  findings: CliFinding[];
  suppressed: SuppressedFinding[];
  templates: TemplateScore[];
  /** Parse and include problems: not findings, see {@link CliDiagnostic}. */
  diagnostics: CliDiagnostic[];
  /** Files and documents skipped as not Backstage entities, and remote includes. */
  notes: ScanNote[];
  checks: CheckRun[];
  /** The advisory sources of `plugins/known-vulnerability`: which answered, and when. */
  advisorySources: AdvisorySourceReport[];
  suppressions: {
    file?: string;
    expired: Array<SuppressionRef & { rule?: string; fingerprint?: string }>;
    unused: Array<SuppressionRef & { rule?: string; fingerprint?: string }>;
  };
  summary: {
    findings: number;
    suppressed: number;
    bySeverity: Record<Severity, number>;
    diagnostics: number;
    notes: number;
    /** Notes per reason. */
    notesByReason: Partial<Record<NoteReason, number>>;
  };
}
