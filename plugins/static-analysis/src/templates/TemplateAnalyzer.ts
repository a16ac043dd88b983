import {
  compareSeverity,
  FindingEvidence,
  TemplateDiagnostic,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import { detectSecrets } from '../secrets/secretDetectors';
import { parseTemplateValue, ParsedValue, SourceRef } from './expressions';
import { indexParameters, maxItemsOf, ParameterIndex } from './parameters';
import { TEMPLATE_RULES } from './rules';
import { ScaffolderConfinement } from './scaffolderVersion';
import { SinkRegistry } from './sinks';
import { SinkFindings } from './sinkFindings';
import { stepCredentials, userCredentialSecrets } from './stepCredentials';
import { ciFileWritten } from './stepEffects';
import { stepEffectFindings } from './stepFindings';
import { CiTemplateValues } from './skeletonWorkflows';
import {
  collectLeaves,
  describeValue,
  isObject,
  joinDisplay,
  Leaf,
  MAX_INPUT_DEPTH,
} from './templateShapes';
import { conditionFindings } from './conditionFindings';
import { resolveSources } from './resolveSources';
import { describeSource, TaintSource, verdictFor } from './taint';
import {
  CatalogFetchSteps,
  FindingInput,
  StepState,
  TemplateAnalysis,
  TemplateRuleFinding,
} from './analyzerTypes';

const V1BETA3 = 'scaffolder.backstage.io/v1beta3';
const V1BETA2 = 'backstage.io/v1beta2';
const MAX_STEPS = 500;
const MAX_DIAGNOSTICS = 50;
/** Catalog placeholders: `$yaml: ./steps.yaml` is replaced by the file's content on ingestion. */
const INCLUDE_KEYS = new Set(['$yaml', '$json', '$text']);
const MAX_SECRET_SCAN = 256 * 1024;

/** Rules whose severity stands in a legacy template. */
const LEGACY_KEEPS_SEVERITY = new Set<TemplateRuleId>([
  'hardcoded-secret',
  'legacy-template-syntax',
]);
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

/** One analysis of one template; see analyzeTemplate. */
export class TemplateAnalyzer {
  private readonly findings: TemplateRuleFinding[] = [];
  private readonly seen = new Map<string, number>();
  private readonly diagnostics: TemplateDiagnostic[] = [];
  private readonly stepTaint = new Map<string, TaintSource[]>();
  private readonly catalogFetchSteps: CatalogFetchSteps = new Map();
  /** Judges values that reach sinks (rules, severities, explanations). */
  private readonly judge: SinkFindings;
  private params: ParameterIndex = { byName: new Map(), problems: [] };
  private userSecrets = new Set<string>();
  /** The step being analysed: whose credentials it uses, what it writes. */
  private current: StepState = {
    credentials: { kind: 'none', reason: '' },
    traits: { action: '' },
  };
  private syntax: 'v1beta3' | 'handlebars' = 'v1beta3';
  private legacy = false;
  private parseError = false;

  constructor(
    private readonly entityRef: string,
    private readonly sinks: SinkRegistry,
    private readonly maxLoopItems: number,
    scaffolder: ScaffolderConfinement,
    private readonly ciTemplateValues: CiTemplateValues = {},
  ) {
    this.judge = new SinkFindings({
      add: (rule, finding) => this.add(rule, finding),
      step: () => this.current,
      sinks,
      scaffolder,
      catalogFetchSteps: this.catalogFetchSteps,
    });
  }

  /**
   * Records a finding. One finding per (rule, location): further parameters reaching the same
   * input are listed on it (`evidence.parameters`), and it keeps the highest severity.
   */
  private add(rule: TemplateRuleId, input: FindingInput): number {
    const key = `${rule}|${input.location}`;
    const existing = this.seen.get(key);
    let severity = input.severity ?? TEMPLATE_RULES[rule].severity;
    let finding = input;
    // A backstage.io/v1beta2 template is no longer accepted by the catalog nor run by the
    // scaffolder: its flows matter only on an obsolete deployment. Literal secrets still leak.
    if (
      this.syntax === 'handlebars' &&
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
  private diagnose(location: string, message: string, stepId?: string) {
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

  run(
    doc: unknown,
  ): Omit<TemplateAnalysis, 'score' | 'band' | 'contributions'> {
    if (!isObject(doc)) {
      this.parseError = true;
      this.diagnose(
        '(document)',
        `The template is ${describeValue(doc)}, not an object`,
      );
      return this.result(undefined, undefined);
    }
    const metadata = isObject(doc.metadata) ? doc.metadata : {};
    const title =
      typeof metadata.title === 'string' ? metadata.title : undefined;
    const spec = doc.spec;
    const owner =
      isObject(spec) && typeof spec.owner === 'string' && spec.owner.trim()
        ? spec.owner
        : undefined;

    if (doc.apiVersion === V1BETA2) {
      this.legacy = true;
      this.syntax = 'handlebars';
      this.add('legacy-template-syntax', {
        location: 'apiVersion',
        message: `apiVersion ${V1BETA2} is no longer accepted by the catalog or run by the scaffolder; analysed best-effort`,
        evidence: { apiVersion: V1BETA2 },
      });
    } else if (doc.apiVersion !== V1BETA3) {
      this.diagnose(
        'apiVersion',
        `Unsupported apiVersion ${JSON.stringify(
          doc.apiVersion ?? null,
        )}; analysed as ${V1BETA3}`,
      );
    }
    if (doc.kind !== 'Template') {
      this.diagnose(
        'kind',
        `kind is ${JSON.stringify(doc.kind ?? null)}, not Template`,
      );
    }
    if (!isObject(spec)) {
      this.parseError = true;
      this.diagnose(
        'spec',
        'spec is missing or not an object: nothing to analyse',
      );
      return this.result(title, owner);
    }
    if (!owner) {
      this.add('missing-owner', {
        location: 'spec.owner',
        message: 'spec.owner is missing or empty',
      });
    }

    this.params = indexParameters(spec.parameters);
    this.userSecrets = userCredentialSecrets(spec.parameters);
    for (const problem of this.params.problems.slice(0, 5)) {
      this.diagnose(problem.location, `Parameter schema: ${problem.message}`);
    }
    this.scanLiterals(spec.parameters, 'spec.parameters');

    const steps = spec.steps;
    if (steps !== undefined && !Array.isArray(steps)) {
      this.parseError = true;
      this.diagnose('spec.steps', 'spec.steps is not a list');
    } else if (Array.isArray(steps)) {
      if (steps.length > MAX_STEPS) {
        this.diagnose(
          'spec.steps',
          `${steps.length} steps; only the first ${MAX_STEPS} were analysed`,
        );
      }
      const ids = new Set<string>();
      steps
        .slice(0, MAX_STEPS)
        .forEach((step, index) => this.step(step, index, ids));
    }

    if (spec.output !== undefined) this.output(spec.output);
    this.finishCatalogFetch();
    return this.result(title, owner);
  }

  private result(title: string | undefined, owner: string | undefined) {
    return {
      entityRef: this.entityRef,
      title,
      owner,
      legacy: this.legacy,
      parseError: this.parseError,
      findings: this.findings,
      diagnostics: this.diagnostics,
    };
  }

  private resolveAll(
    refs: SourceRef[],
    eachTaint: TaintSource[] | undefined,
  ): TaintSource[] {
    return refs.flatMap(ref =>
      resolveSources(ref, eachTaint, {
        params: this.params,
        stepTaint: this.stepTaint,
        catalogFetchSteps: this.catalogFetchSteps,
      }),
    );
  }

  private parse(
    value: string,
    location: string,
    context: { stepId?: string; action?: string; inputPath?: string },
  ): ParsedValue {
    const parsed = parseTemplateValue(value, this.syntax);
    if (parsed.error && this.syntax === 'v1beta3') {
      this.diagnose(
        location,
        `Expression is not valid Nunjucks (${parsed.error}), so the scaffolder cannot render it either; references were read by a fallback scan`,
        context.stepId,
      );
    }
    return parsed;
  }

  /** Literal credentials anywhere in a subtree (parameter defaults, inputs, output). */
  private scanLiterals(
    root: unknown,
    base: string,
    context: { stepId?: string; action?: string } = {},
  ) {
    const visit = (
      value: unknown,
      display: string,
      key: string,
      depth: number,
    ) => {
      if (depth > MAX_INPUT_DEPTH) return;
      if (Array.isArray(value))
        value.forEach((v, i) =>
          visit(v, joinDisplay(display, i), key, depth + 1),
        );
      else if (isObject(value))
        for (const [k, v] of Object.entries(value))
          visit(v, joinDisplay(display, k), k, depth + 1);
      else if (typeof value === 'string')
        this.literalSecret(value, display, key, context);
    };
    visit(root, base, '', 0);
  }

  private literalSecret(
    value: string,
    location: string,
    key: string,
    context: { stepId?: string; action?: string; inputPath?: string },
  ) {
    // Expressions are not secrets; the catalog's detectors judge the literal text around them.
    if (value.length > MAX_SECRET_SCAN) return;
    for (const match of detectSecrets(value, { key, path: location })) {
      if (match.example) continue;
      this.add('hardcoded-secret', {
        location: `${location}#${match.kind}`,
        ...context,
        severity: match.severity === 'critical' ? 'critical' : 'high',
        message: `${location} contains a literal ${match.kind}`,
        evidence: { field: location, kind: match.kind },
        secret: { value: match.value, kind: match.kind },
      });
    }
  }

  private step(raw: unknown, index: number, ids: Set<string>) {
    if (!isObject(raw)) {
      this.diagnose(`spec.steps[${index}]`, 'step is not an object');
      return;
    }
    const stepId =
      typeof raw.id === 'string' && raw.id ? raw.id : `step-${index + 1}`;
    const base = `steps[${stepId}]`;
    if (ids.has(stepId)) {
      this.diagnose(
        `spec.steps[${index}].id`,
        `Duplicate step id '${stepId}': later outputs overwrite earlier ones`,
        stepId,
      );
    }
    ids.add(stepId);
    if (typeof raw.action !== 'string' || !raw.action) {
      const include = Object.keys(raw).find(k => INCLUDE_KEYS.has(k));
      this.diagnose(
        `${base}.action`,
        include
          ? `step is a ${include} include that was not resolved (the catalog resolves it on ingestion; the CLI resolves relative ones)`
          : 'step has no action',
        stepId,
      );
      return;
    }
    const action = raw.action;
    if (raw.if === false || raw.if === 'false') return;

    // each: which values the step iterates over.
    let eachTaint: TaintSource[] | undefined;
    if (raw.each !== undefined) {
      eachTaint = this.loop(raw.each, stepId, action, base);
    }

    // Inputs.
    const problems: string[] = [];
    if (raw.input !== undefined && !isObject(raw.input)) {
      this.diagnose(`${base}.input`, 'step input is not an object', stepId);
    }
    const leaves = isObject(raw.input)
      ? collectLeaves(raw.input, problems)
      : [];
    for (const problem of problems) {
      this.diagnose(`${base}.input`, `Step input ${problem}`, stepId);
    }
    const traits = this.sinks.traitsOf(action);
    this.current = {
      traits,
      credentials: stepCredentials(action, raw.input, traits, this.userSecrets),
      ciFile: ciFileWritten(leaves),
      ciValues: Object.prototype.hasOwnProperty.call(
        this.ciTemplateValues,
        stepId,
      )
        ? this.ciTemplateValues[stepId]
        : undefined,
    };
    const analysed = leaves.map(leaf =>
      this.leaf(leaf, stepId, action, base, eachTaint),
    );
    for (const effect of stepEffectFindings({
      action,
      stepId,
      base,
      analysed,
      credentials: this.current.credentials,
      isFree: source => this.judge.isFree(source),
    })) {
      this.add(effect.rule, {
        ...effect,
        stepId,
        action,
        evidence: {
          ...effect.evidence,
          credentials: this.current.credentials.reason,
        },
      });
    }

    // A credential is only safe if its destination is fixed.
    const openDestination = analysed.find(a => a.openDestination);
    let legacyReported = false;
    const outputTaint: TaintSource[] = [];
    for (const a of analysed) {
      const context = { stepId, action, inputPath: a.leaf.display };
      const location = `${base}.input.${a.leaf.display}`;
      if (a.parsed?.legacyHandlebars && !legacyReported) {
        legacyReported = true;
        this.legacy = true;
        this.add('legacy-template-syntax', {
          location,
          ...context,
          message: `Input '${a.leaf.display}' uses handlebars {{ }} syntax, which v1beta3 renders literally`,
        });
      }
      for (const source of a.sources) {
        if (source.sensitive)
          this.judge.exposure(source, a, location, context, openDestination);
        if (!a.sink || a.sink.kind !== 'credential') outputTaint.push(source);
      }
    }
    if (traits.destructive === 'remote')
      this.judge.remoteDestructive(analysed, stepId, action, base);

    // Outputs carry what went in, unless the action builds them from integration data.
    if (action === 'catalog:fetch') {
      const refs = analysed
        .filter(a => a.sink?.kind === 'entity-ref')
        .flatMap(a => a.sources);
      const chosen = refs.filter(s => s.untrusted);
      this.stepTaint.set(
        stepId,
        chosen.length > 0
          ? [
              {
                origin: 'catalog-entity',
                name: chosen[0].name,
                untrusted: true,
                sensitive: false,
                filters: [],
                via: [stepId],
              },
            ]
          : [],
      );
    } else if (traits.echoOutput) {
      this.stepTaint.set(stepId, outputTaint);
    } else {
      // Clean or unknown outputs: without evidence that an action echoes its inputs (a
      // serialiser, a transform), its `output.url` is not the user's text.
      this.stepTaint.set(stepId, []);
    }

    if (raw.if !== undefined && raw.if !== true && raw.if !== 'true') {
      const sensitive =
        traits.destructive !== undefined ||
        this.findings.some(
          f => SENSITIVE_RULES.has(f.rule) && f.stepId === stepId,
        );
      this.condition(raw.if, stepId, action, base, sensitive, eachTaint);
    }
  }

  private loop(
    each: unknown,
    stepId: string,
    action: string,
    base: string,
  ): TaintSource[] {
    if (typeof each !== 'string') return [];
    const parsed = this.parse(each, `${base}.each`, { stepId, action });
    const sources = this.resolveAll([...parsed.refs], undefined);
    for (const source of sources) {
      if (!source.untrusted || source.origin !== 'parameter') continue;
      const maxItems = maxItemsOf(source.resolved);
      if (maxItems !== undefined && maxItems <= this.maxLoopItems) continue;
      this.add('user-controlled-loop', {
        location: `${base}.each`,
        stepId,
        action,
        parameter: source.name,
        message: `Step '${stepId}' (${action}) runs once per element of ${describeSource(
          source,
        )}, ${
          maxItems === undefined
            ? 'which has no maxItems'
            : `which allows ${maxItems} elements`
        }`,
        evidence: { maxItems: maxItems ?? null, limit: this.maxLoopItems },
      });
    }
    return sources;
  }

  private leaf(
    leaf: Leaf,
    stepId: string,
    action: string,
    base: string,
    eachTaint: TaintSource[] | undefined,
  ) {
    const location = `${base}.input.${leaf.display}`;
    const context = { stepId, action, inputPath: leaf.display };
    const match = this.sinks.lookup(action, leaf.segments);
    const sink = match.sink;
    const key = [...leaf.segments].reverse().find(s => s !== '*') ?? '';
    let parsed: ParsedValue | undefined;
    let sources: TaintSource[] = [];
    if (typeof leaf.value === 'string') {
      parsed = this.parse(leaf.value, location, context);
      sources = this.resolveAll(parsed.refs, eachTaint);
      this.literalSecret(leaf.value, location, key, context);
    }
    const result = { leaf, parsed, sources, sink, openDestination: false };
    if (!sink) {
      if (match.unknownAction)
        this.judge.unknownActionInput(
          result,
          location,
          context,
          match.notInstalled,
        );
      return result;
    }
    // Literal values the template author chose.
    if (!parsed?.hasExpression)
      this.judge.literal(leaf, sink, location, context);
    for (const source of sources) {
      if (!source.untrusted) continue;
      const verdict = verdictFor(source, sink.kind);
      if (verdict.sanitised) continue;
      if (
        this.judge.untrusted(source, verdict, sink, parsed, location, context)
      ) {
        if (sink.kind === 'url' || sink.kind === 'repo')
          result.openDestination = true;
      }
    }
    return result;
  }

  private condition(
    condition: unknown,
    stepId: string,
    action: string,
    base: string,
    sensitive: boolean,
    eachTaint: TaintSource[] | undefined,
  ) {
    if (typeof condition !== 'string') return;
    const parsed = this.parse(condition, `${base}.if`, { stepId, action });
    const sources = this.resolveAll(
      [...parsed.refs, ...parsed.conditionRefs],
      eachTaint,
    );
    for (const finding of conditionFindings({
      parsed,
      sources,
      params: this.params,
      step: { stepId, action, base },
      sensitive,
    })) {
      this.add('conditional-step', finding);
    }
  }

  private output(output: unknown) {
    const leaves = collectLeaves(output, []);
    for (const leaf of leaves) {
      if (typeof leaf.value !== 'string') continue;
      const location = `spec.output.${leaf.display}`;
      this.literalSecret(
        leaf.value,
        location,
        leaf.segments[leaf.segments.length - 1] ?? '',
        {},
      );
      const parsed = this.parse(leaf.value, location, {});
      if (parsed.legacyHandlebars) this.legacy = true;
      // The scaffolder renders spec.output without secrets in context; step outputs and secret
      // parameters still carry them.
      for (const source of this.resolveAll(parsed.refs, undefined)) {
        if (
          !source.sensitive ||
          source.name.startsWith('secrets.') ||
          source.name.startsWith('environment.secrets.')
        )
          continue;
        this.add('secret-exposure', {
          location,
          parameter: source.name,
          severity: 'high',
          message: `${describeSource(source)} is shown in the task output (${
            leaf.display
          }), visible to everyone who can read the task`,
          evidence: { sink: 'output' },
        });
      }
    }
  }

  /** A user-chosen entity matters most when later steps act on its data. */
  private finishCatalogFetch() {
    for (const [stepId, state] of this.catalogFetchSteps) {
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
