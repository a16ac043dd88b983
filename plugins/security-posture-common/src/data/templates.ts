// Shapes of the data the templates checks publish (context.publish) for the UI: a risk score per
// scaffolder template, explainable finding by finding. Declared as type aliases (not interfaces)
// so they are assignable to JSON values.

import { Severity } from '../types';

/** Check that analyses every `kind: Template` entity and publishes {@link TemplateScoresData}. */
export const TEMPLATE_RISK_CHECK_ID = 'templates/template-risk';
/** Key under which {@link TEMPLATE_RISK_CHECK_ID} publishes {@link TemplateScoresData}. */
export const TEMPLATE_SCORES_KEY = 'scores';

/** Rule ids of the template analyser. */
export const TEMPLATE_RULE_IDS = [
  'path-traversal',
  'ssrf',
  'command-injection',
  'secret-exposure',
  'hardcoded-secret',
  'workflow-dispatch-injection',
  'insecure-repo-settings',
  'destructive-action',
  'catalog-fetch-user-ref',
  'unvalidated-param',
  'user-controlled-loop',
  'missing-owner',
  'conditional-step',
  'legacy-template-syntax',
  'cluster-write',
  'privileged-request',
  'force-push',
  'phishing-notification',
  'ci-workflow-injection',
  /** No longer emitted as a finding (parse problems are diagnostics); kept for stored findings. */
  'parse-error',
] as const;

export type TemplateRuleId = (typeof TEMPLATE_RULE_IDS)[number];

export type TemplateRiskBand = 'none' | 'low' | 'medium' | 'high' | 'critical';

/** Lowest score of each band; a score belongs to the highest band whose minimum it reaches. */
export const TEMPLATE_RISK_BAND_MINIMUMS: ReadonlyArray<{
  band: TemplateRiskBand;
  min: number;
}> = [
  { band: 'critical', min: 70 },
  { band: 'high', min: 45 },
  { band: 'medium', min: 20 },
  { band: 'low', min: 1 },
  { band: 'none', min: 0 },
];

export function templateRiskBand(score: number): TemplateRiskBand {
  for (const { band, min } of TEMPLATE_RISK_BAND_MINIMUMS) {
    if (score >= min) return band;
  }
  return 'none';
}

/**
 * One line of a score's explanation. The points of all contributions of a template add up to
 * its score: findings add points, `score-cap` and `permission-gating` take some away.
 */
export type TemplateRiskContribution = {
  /** `severity-floor` raises the score to the band of the worst finding. */
  kind: 'finding' | 'score-cap' | 'permission-gating' | 'severity-floor';
  /** For findings. */
  rule?: TemplateRuleId;
  severity?: Severity;
  /** Signed: positive for findings, negative for adjustments. */
  points: number;
  /** Where in the template, e.g. `steps[fetch].input.targetPath`. */
  location?: string;
  stepId?: string;
  action?: string;
  inputPath?: string;
  parameter?: string;
  /** One sentence a platform engineer understands. */
  explanation: string;
};

/** Something the analyser could not read in a template, with where it is. */
export type TemplateDiagnostic = {
  /** e.g. `steps[fetch].input.url`, `spec.parameters[0]`, `(document)` */
  location: string;
  message: string;
  stepId?: string;
};

export type TemplateRiskScore = {
  /** e.g. `template:default/safe-service` */
  entityRef: string;
  title?: string;
  /** `spec.owner` as written, when present. */
  owner?: string;
  score: number;
  band: TemplateRiskBand;
  /** apiVersion `backstage.io/v1beta2` or handlebars syntax. */
  legacy: boolean;
  /** The analyser could not read the template as a whole (it still has a score). */
  parseError?: boolean;
  findingCount: number;
  /**
   * Problems reading the template (unsupported shapes, expressions that do not parse, limits
   * reached). Diagnostics, not findings: they say what the analyser could not vouch for and
   * never count toward the score.
   */
  diagnostics?: TemplateDiagnostic[];
  /** Highest first. */
  contributions: TemplateRiskContribution[];
};

export type TemplateScoresData = {
  generatedAt: string;
  /** Highest score first. */
  templates: TemplateRiskScore[];
  /** Templates per band, in band order none → critical. */
  bands: Array<{ band: TemplateRiskBand; count: number }>;
  /** Templates per score decile: `histogram[i]` counts scores in [10·i, 10·i + 10), the last bin includes 100. */
  histogram: number[];
  /** Whether the scaffolder's installed actions list (`GET /v2/actions`) informed the analysis. */
  actionsList: { available: boolean; actionCount?: number; message?: string };
  /** Whether the deployment's scaffolder keeps user-chosen paths in the workspace (severity of path sinks). */
  scaffolder?: {
    status: 'patched' | 'vulnerable' | 'unknown';
    version?: string;
    reason: string;
  };
  /** Whether a restrictive permission policy lowered the scores, and why (or why not). */
  permissionGating: { applied: boolean; factor?: number; reason: string };
  /** Templates whose analysis crashed (reported as `error` results). */
  errors: Array<{ entityRef: string; message: string }>;
};
