import {
  compareSeverity,
  Severity,
  TEMPLATE_RISK_BAND_MINIMUMS,
  TemplateRiskBand,
  templateRiskBand,
  TemplateRiskContribution,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';

/** Points a finding adds to its template's risk score, by severity. */
export const SEVERITY_POINTS: Record<Severity, number> = {
  critical: 70,
  high: 30,
  medium: 12,
  low: 4,
  info: 0,
};

/**
 * Further findings of a rule the template already has add this share of their points: ten
 * unvalidated parameters are worse than one, but not ten times worse.
 */
export const REPEAT_FACTOR = 0.25;

export interface ScoredFinding {
  rule: TemplateRuleId;
  severity: Severity;
  message: string;
  location?: string;
  stepId?: string;
  action?: string;
  inputPath?: string;
  parameter?: string;
}

export interface PermissionGating {
  /** Multiplier in (0, 1]: 0.5 halves the score. */
  factor: number;
  reason: string;
}

export interface TemplateScore {
  score: number;
  band: TemplateRiskBand;
  /** Add up to `score`. Findings first (highest first), then adjustments. */
  contributions: TemplateRiskContribution[];
}

const bandMinimum = (band: TemplateRiskBand) =>
  TEMPLATE_RISK_BAND_MINIMUMS.find(b => b.band === band)?.min ?? 0;

/** The lowest score of the band that matches each severity. */
const BAND_FLOOR: Record<Severity, number> = {
  critical: bandMinimum('critical'),
  high: bandMinimum('high'),
  medium: bandMinimum('medium'),
  low: bandMinimum('low'),
  info: 0,
};

/**
 * Scores a template from its findings: each finding adds points by severity (repeats of a rule
 * at {@link REPEAT_FACTOR}), the sum is capped at 100, a restrictive permission policy scales
 * the result, and the result is raised to the band of the worst finding. Every step of that arithmetic is a contribution, so the UI can explain it.
 */
export function scoreTemplate(
  findings: ScoredFinding[],
  gating?: PermissionGating,
): TemplateScore {
  const ordered = [...findings].sort((a, b) =>
    compareSeverity(a.severity, b.severity),
  );
  const seenRules = new Set<TemplateRuleId>();
  const contributions: TemplateRiskContribution[] = [];
  for (const finding of ordered) {
    const base = SEVERITY_POINTS[finding.severity];
    const points = Math.round(
      seenRules.has(finding.rule) ? base * REPEAT_FACTOR : base,
    );
    seenRules.add(finding.rule);
    contributions.push({
      kind: 'finding',
      rule: finding.rule,
      severity: finding.severity,
      points,
      location: finding.location,
      stepId: finding.stepId,
      action: finding.action,
      inputPath: finding.inputPath,
      parameter: finding.parameter,
      explanation: finding.message,
    });
  }
  contributions.sort((a, b) => b.points - a.points);
  const sum = contributions.reduce((total, c) => total + c.points, 0);
  let score = sum;
  if (sum > 100) {
    contributions.push({
      kind: 'score-cap',
      points: 100 - sum,
      explanation: `Findings add up to ${sum} points; the score is capped at 100`,
    });
    score = 100;
  }
  if (gating && score > 0 && gating.factor < 1) {
    const reduction = Math.round(score * (1 - gating.factor));
    if (reduction > 0) {
      contributions.push({
        kind: 'permission-gating',
        points: -reduction,
        explanation: gating.reason,
      });
      score -= reduction;
    }
  }
  // A template is never ranked below its worst finding: additive points alone could put a
  // template with a high finding in the medium band.
  const worst = ordered[0]?.severity;
  const floor = worst ? BAND_FLOOR[worst] : 0;
  if (score < floor) {
    contributions.push({
      kind: 'severity-floor',
      points: floor - score,
      explanation: `Its worst finding is ${worst}: the score is raised to ${floor}, the lowest score of the ${templateRiskBand(
        floor,
      )} band`,
    });
    score = floor;
  }
  return { score, band: templateRiskBand(score), contributions };
}
