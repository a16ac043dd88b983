import {
  compareSeverity,
  FindingEvidence,
  TemplateDiagnostic,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import { TEMPLATE_RULES } from './rules';
import {
  CatalogFetchSteps,
  FindingInput,
  TemplateRuleFinding,
} from './analyzerTypes';

export const V1BETA2 = 'backstage.io/v1beta2';
const MAX_DIAGNOSTICS = 50;

/** Rules whose severity stands in a legacy template. */
const LEGACY_KEEPS_SEVERITY = new Set<TemplateRuleId>([
  'hardcoded-secret',
  'legacy-template-syntax',
]);

/** The findings and diagnostics of one template analysis, as the analyser records them. */
export class FindingRecorder {
  readonly findings: TemplateRuleFinding[] = [];
  readonly diagnostics: TemplateDiagnostic[] = [];
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly entityRef: string,
    /** The template's expression syntax; handlebars means a legacy template. */
    private readonly syntax: () => 'v1beta3' | 'handlebars',
  ) {}

  /**
   * Records a finding. One finding per (rule, location): further parameters reaching the same
   * input are listed on it (`evidence.parameters`), and it keeps the highest severity.
   */
  add(rule: TemplateRuleId, input: FindingInput): number {
    const key = `${rule}|${input.location}`;
    const existing = this.seen.get(key);
    let severity = input.severity ?? TEMPLATE_RULES[rule].severity;
    let finding = input;
    // A backstage.io/v1beta2 template is no longer accepted by the catalog nor run by the
    // scaffolder: its flows matter only on an obsolete deployment. Literal secrets still leak.
    if (
      this.syntax() === 'handlebars' &&
      !LEGACY_KEEPS_SEVERITY.has(rule) &&
      compareSeverity(severity, 'low') < 0
    ) {
      severity = 'low';
      finding = {
        ...input,
        message: `${input.message} (rated low: ${V1BETA2} templates are not run by current scaffolders)`,
      };
    }
    if (existing !== undefined) {
      const known = this.findings[existing];
      const parameter = finding.parameter;
      if (parameter && !known.parameters?.includes(parameter)) {
        known.parameters = [...(known.parameters ?? []), parameter];
        known.evidence.parameters = known.parameters.join(', ');
      }
      if (compareSeverity(severity, known.severity) < 0) {
        known.severity = severity;
        known.message = finding.message;
      }
      return existing;
    }
    const meta = TEMPLATE_RULES[rule];
    const evidence: FindingEvidence = { template: this.entityRef, rule };
    if (finding.stepId !== undefined) evidence.step = finding.stepId;
    if (finding.action !== undefined) evidence.action = finding.action;
    if (finding.inputPath !== undefined) evidence.input = finding.inputPath;
    if (finding.parameter !== undefined) evidence.parameter = finding.parameter;
    Object.assign(evidence, finding.evidence ?? {});
    evidence.reference = meta.reference;
    this.findings.push({
      ...finding,
      ...(finding.parameter ? { parameters: [finding.parameter] } : {}),
      rule,
      title: meta.title,
      severity,
      evidence,
    });
    this.seen.set(key, this.findings.length - 1);
    return this.findings.length - 1;
  }

  /** Something the analyser could not read: a diagnostic, never a finding. */
  diagnose(location: string, message: string, stepId?: string) {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) return;
    if (
      this.diagnostics.some(
        d => d.location === location && d.message === message,
      )
    )
      return;
    this.diagnostics.push({
      location,
      message,
      ...(stepId !== undefined ? { stepId } : {}),
    });
  }

  /** A user-chosen entity matters most when later steps act on its data. */
  finishCatalogFetch(catalogFetchSteps: CatalogFetchSteps) {
    for (const [stepId, state] of catalogFetchSteps) {
      if (state.findingIndex === undefined) continue;
      const finding = this.findings[state.findingIndex];
      finding.evidence.outputUsedLater = state.used;
      if (!state.used) {
        finding.severity = 'low';
        finding.message += `; no later step reads steps.${stepId}.output`;
      }
    }
  }
}
