import { TemplateRuleId } from '@security-posture/plugin-security-posture-common';
import { ParsedValue } from './expressions';
import {
  allowedLiterals,
  isChoiceParameter,
  ParameterIndex,
  resolveParameter,
} from './parameters';
import { ActionTraits } from './sinks';
import { TaintSource } from './taint';
import { FindingInput, TemplateRuleFinding } from './analyzerTypes';

/** Rules whose finding on a step makes the step "sensitive" for conditional-step. */
const SENSITIVE_RULES = new Set<TemplateRuleId>([
  'path-traversal',
  'ssrf',
  'command-injection',
  'secret-exposure',
  'workflow-dispatch-injection',
  'insecure-repo-settings',
  'destructive-action',
  'catalog-fetch-user-ref',
]);

/** Whether a step destroys something or has a finding of a sensitive rule. */
export function isSensitiveStep(
  stepId: string,
  traits: ActionTraits,
  findings: TemplateRuleFinding[],
): boolean {
  return (
    traits.destructive !== undefined ||
    findings.some(f => SENSITIVE_RULES.has(f.rule) && f.stepId === stepId)
  );
}

/**
 * `conditional-step` findings of one `if:`: a comparison of a raw parameter with a literal the
 * form never offers (a hidden trigger), and free-form parameters deciding whether a sensitive
 * step runs.
 */
export function conditionFindings(args: {
  parsed: ParsedValue;
  /** What the condition reads, resolved. */
  sources: TaintSource[];
  params: ParameterIndex;
  step: { stepId: string; action: string; base: string };
  sensitive: boolean;
}): FindingInput[] {
  const { parsed, params, sensitive } = args;
  const { stepId, action, base } = args.step;
  const sources = args.sources.filter(
    s => s.untrusted && s.origin === 'parameter',
  );
  const findings: FindingInput[] = [];
  // A comparison with a literal the form never offers is a hidden trigger.
  const magic = parsed.comparisons.find(({ ref, literal }) => {
    // A comparison of a derived value (`(parameters.repoUrl | parseRepoUrl).host`) routes
    // between documented choices; only the raw parameter can hide a trigger.
    if (ref.root !== 'parameters' || ref.filters.length > 0) return false;
    const allowed = allowedLiterals(resolveParameter(params, ref.path));
    return !allowed || !allowed.has(literal);
  });
  const magicName = magic
    ? resolveParameter(params, magic.ref.path)?.name ?? magic.ref.path.join('.')
    : undefined;
  // Booleans and enums are documented choices; free text deciding a sensitive step is not.
  // Derived values (`parameters.repoUrl | parseRepoUrl`) route; they hide nothing.
  const free = [
    ...new Set(
      sources
        .filter(s => !isChoiceParameter(s.resolved) && s.filters.length === 0)
        .map(s => s.name),
    ),
  ];
  if (magic && magicName) {
    findings.push({
      location: `${base}.if`,
      stepId,
      action,
      parameter: magicName,
      severity: sensitive ? 'high' : 'medium',
      message: `Step '${stepId}' (${action}) runs only when parameter '${magicName}' equals '${magic.literal.slice(
        0,
        60,
      )}', a value the form does not offer: a hidden trigger`,
      evidence: { hiddenTrigger: true, sensitiveStep: sensitive },
    });
  }
  if (!sensitive) return findings;
  for (const name of free) {
    if (name === magicName) continue;
    findings.push({
      location: `${base}.if`,
      stepId,
      action,
      parameter: name,
      message: `Free-form parameter '${name}' decides whether sensitive step '${stepId}' (${action}) runs`,
      evidence: { hiddenTrigger: false, sensitiveStep: true },
    });
  }
  return findings;
}
