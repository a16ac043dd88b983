import {
  FindingEvidence,
  Severity,
  TemplateDiagnostic,
  TemplateRiskBand,
  TemplateRiskContribution,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import { PermissionGating } from './scoring';
import { ScaffolderConfinement } from './scaffolderVersion';
import { ActionTraits, SinkRegistry } from './sinks';
import { CiTemplateValues } from './skeletonWorkflows';
import { StepCredentials } from './stepCredentials';

/** One rule violation in one template. */
export interface TemplateRuleFinding {
  rule: TemplateRuleId;
  severity: Severity;
  title: string;
  message: string;
  /** `steps[<id>].input.<path>`, `steps[<id>].if`, `spec.parameters…`, `spec.output…` */
  location: string;
  stepId?: string;
  action?: string;
  inputPath?: string;
  /** `targetPath`, `service.name`, or `secrets.backstageToken` for secrets: the first one seen. */
  parameter?: string;
  /** Every parameter that reaches this input (one finding per rule and input). */
  parameters?: string[];
  evidence: FindingEvidence;
  /** A literal credential; the engine masks it. */
  secret?: { value: string; kind: string };
}

export interface TemplateAnalysis {
  entityRef: string;
  title?: string;
  owner?: string;
  /** `backstage.io/v1beta2` or handlebars syntax. */
  legacy: boolean;
  /** The template as a whole could not be read (not an object, no spec, …). */
  parseError: boolean;
  findings: TemplateRuleFinding[];
  /** What could not be read; not findings, never scored. */
  diagnostics: TemplateDiagnostic[];
  score: number;
  band: TemplateRiskBand;
  contributions: TemplateRiskContribution[];
}

export interface AnalyzeTemplateOptions {
  /** Sink table; defaults to the built-in one. */
  sinks?: SinkRegistry;
  /** Lowers the score when a permission policy restricts who may run templates. */
  gating?: PermissionGating;
  /** `each:` arrays with at most this many elements (server-validated `maxItems`) are fine. */
  maxLoopItems?: number;
  /** Whether the deployment's scaffolder confines paths; decides the severity of path sinks. */
  scaffolder?: ScaffolderConfinement;
  /**
   * Per `fetch:template` step id: the `values.<name>` its skeleton interpolates into shell
   * lines of CI files, and which file (see `ciValuesOfSkeleton`; the CLI reads skeletons).
   */
  ciTemplateValues?: CiTemplateValues;
}

/** The step being analysed: whose credentials it uses, what it writes. */
export interface StepState {
  credentials: StepCredentials;
  traits: ActionTraits;
  /** The CI file the step writes (`.github/workflows/x.yml`), when literal. */
  ciFile?: string;
  /** Skeleton values this step renders into CI shell lines, with the file. */
  ciValues?: Record<string, string>;
}

/** What a rule finding is recorded with; title and reference come from the rule. */
export type FindingInput = Omit<
  TemplateRuleFinding,
  'rule' | 'title' | 'evidence' | 'severity'
> & {
  severity?: Severity;
  evidence?: FindingEvidence;
};

/** `catalog:fetch` steps whose loaded entity the user chose, and whether later steps use it. */
export type CatalogFetchSteps = Map<
  string,
  { used: boolean; findingIndex?: number }
>;
