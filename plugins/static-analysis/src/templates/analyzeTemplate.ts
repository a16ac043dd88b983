import { scaffolderConfinement } from './scaffolderVersion';
import { SinkRegistry } from './sinks';
import { scoreTemplate } from './scoring';
import { entityRefOf, isObject } from './templateShapes';
import { TemplateAnalyzer } from './TemplateAnalyzer';
import { AnalyzeTemplateOptions, TemplateAnalysis } from './analyzerTypes';

export type {
  AnalyzeTemplateOptions,
  TemplateAnalysis,
  TemplateRuleFinding,
} from './analyzerTypes';

const DEFAULT_MAX_LOOP_ITEMS = 20;

/**
 * Analyses one template (a catalog entity or any parsed YAML object). Pure: no I/O, no clock.
 * Never throws on malformed input: problems become `parse-error` findings.
 */
export function analyzeTemplate(
  template: unknown,
  options: AnalyzeTemplateOptions = {},
): TemplateAnalysis {
  const entityRef = isObject(template)
    ? entityRefOf(template)
    : 'template:default/<unnamed>';
  const analyzer = new TemplateAnalyzer(
    entityRef,
    options.sinks ?? new SinkRegistry(),
    options.maxLoopItems ?? DEFAULT_MAX_LOOP_ITEMS,
    options.scaffolder ??
      scaffolderConfinement(undefined, 'not given to the analysis'),
    options.ciTemplateValues,
  );
  const result = analyzer.run(template);
  const scored = scoreTemplate(
    result.findings.map(f => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      location: f.location,
      stepId: f.stepId,
      action: f.action,
      inputPath: f.inputPath,
      parameter: f.parameter,
    })),
    options.gating,
  );
  return { ...result, ...scored };
}
