import { parseTemplateValue, ParsedValue, SourceRef } from './expressions';
import { indexParameters, ParameterIndex } from './parameters';
import { ScaffolderConfinement } from './scaffolderVersion';
import { SinkRegistry } from './sinks';
import { SinkFindings } from './sinkFindings';
import { stepCredentials, userCredentialSecrets } from './stepCredentials';
import { ciFileWritten } from './stepEffects';
import { stepEffectFindings } from './stepFindings';
import { CiTemplateValues } from './skeletonWorkflows';
import { collectLeaves, describeValue, isObject, Leaf } from './templateShapes';
import { conditionFindings, isSensitiveStep } from './conditionFindings';
import { resolveSources } from './resolveSources';
import { TaintSource, verdictFor } from './taint';
import {
  CatalogFetchSteps,
  StepState,
  TemplateAnalysis,
} from './analyzerTypes';
import { FindingRecorder, V1BETA2 } from './findingRecorder';
import { forEachString, literalSecretFindings } from './literalSecrets';
import { loopFindings } from './loopFindings';
import { outputExposureFindings } from './outputFindings';
import { stepOutputTaint } from './stepOutputs';

const V1BETA3 = 'scaffolder.backstage.io/v1beta3';
const MAX_STEPS = 500;
/** Catalog placeholders: `$yaml: ./steps.yaml` is replaced by the file's content on ingestion. */
const INCLUDE_KEYS = new Set(['$yaml', '$json', '$text']);

/** One analysis of one template; see analyzeTemplate. */
export class TemplateAnalyzer {
  /** Findings and diagnostics; a legacy template's findings are rated low. */
  private readonly record: FindingRecorder;
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
    this.record = new FindingRecorder(entityRef, () => this.syntax);
    this.judge = new SinkFindings({
      add: (rule, finding) => this.record.add(rule, finding),
      step: () => this.current,
      sinks,
      scaffolder,
      catalogFetchSteps: this.catalogFetchSteps,
    });
  }

  run(
    doc: unknown,
  ): Omit<TemplateAnalysis, 'score' | 'band' | 'contributions'> {
    if (!isObject(doc)) {
      this.parseError = true;
      this.record.diagnose(
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
      this.record.add('legacy-template-syntax', {
        location: 'apiVersion',
        message: `apiVersion ${V1BETA2} is no longer accepted by the catalog or run by the scaffolder; analysed best-effort`,
        evidence: { apiVersion: V1BETA2 },
      });
    } else if (doc.apiVersion !== V1BETA3) {
      this.record.diagnose(
        'apiVersion',
        `Unsupported apiVersion ${JSON.stringify(
          doc.apiVersion ?? null,
        )}; analysed as ${V1BETA3}`,
      );
    }
    if (doc.kind !== 'Template') {
      this.record.diagnose(
        'kind',
        `kind is ${JSON.stringify(doc.kind ?? null)}, not Template`,
      );
    }
    if (!isObject(spec)) {
      this.parseError = true;
      this.record.diagnose(
        'spec',
        'spec is missing or not an object: nothing to analyse',
      );
      return this.result(title, owner);
    }
    if (!owner) {
      this.record.add('missing-owner', {
        location: 'spec.owner',
        message: 'spec.owner is missing or empty',
      });
    }

    this.params = indexParameters(spec.parameters);
    this.userSecrets = userCredentialSecrets(spec.parameters);
    for (const problem of this.params.problems.slice(0, 5)) {
      this.record.diagnose(
        problem.location,
        `Parameter schema: ${problem.message}`,
      );
    }
    this.scanLiterals(spec.parameters, 'spec.parameters');

    const steps = spec.steps;
    if (steps !== undefined && !Array.isArray(steps)) {
      this.parseError = true;
      this.record.diagnose('spec.steps', 'spec.steps is not a list');
    } else if (Array.isArray(steps)) {
      if (steps.length > MAX_STEPS) {
        this.record.diagnose(
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
    this.record.finishCatalogFetch(this.catalogFetchSteps);
    return this.result(title, owner);
  }

  private result(title: string | undefined, owner: string | undefined) {
    return {
      entityRef: this.entityRef,
      title,
      owner,
      legacy: this.legacy,
      parseError: this.parseError,
      findings: this.record.findings,
      diagnostics: this.record.diagnostics,
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
      this.record.diagnose(
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
    forEachString(root, base, (value, display, key) =>
      this.literalSecret(value, display, key, context),
    );
  }

  private literalSecret(
    value: string,
    location: string,
    key: string,
    context: { stepId?: string; action?: string; inputPath?: string },
  ) {
    for (const finding of literalSecretFindings(value, location, key, context))
      this.record.add('hardcoded-secret', finding);
  }

  private step(raw: unknown, index: number, ids: Set<string>) {
    if (!isObject(raw)) {
      this.record.diagnose(`spec.steps[${index}]`, 'step is not an object');
      return;
    }
    const stepId =
      typeof raw.id === 'string' && raw.id ? raw.id : `step-${index + 1}`;
    const base = `steps[${stepId}]`;
    if (ids.has(stepId)) {
      this.record.diagnose(
        `spec.steps[${index}].id`,
        `Duplicate step id '${stepId}': later outputs overwrite earlier ones`,
        stepId,
      );
    }
    ids.add(stepId);
    if (typeof raw.action !== 'string' || !raw.action) {
      const include = Object.keys(raw).find(k => INCLUDE_KEYS.has(k));
      this.record.diagnose(
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
      this.record.diagnose(
        `${base}.input`,
        'step input is not an object',
        stepId,
      );
    }
    const leaves = isObject(raw.input)
      ? collectLeaves(raw.input, problems)
      : [];
    for (const problem of problems) {
      this.record.diagnose(`${base}.input`, `Step input ${problem}`, stepId);
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
      this.record.add(effect.rule, {
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
        this.record.add('legacy-template-syntax', {
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

    this.stepTaint.set(
      stepId,
      stepOutputTaint({
        action,
        stepId,
        traits,
        analysed,
        inputTaint: outputTaint,
      }),
    );

    if (raw.if !== undefined && raw.if !== true && raw.if !== 'true') {
      const sensitive = isSensitiveStep(stepId, traits, this.record.findings);
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
    for (const finding of loopFindings({
      sources,
      step: { stepId, action, base },
      maxLoopItems: this.maxLoopItems,
    }))
      this.record.add('user-controlled-loop', finding);
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
      this.record.add('conditional-step', finding);
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
      for (const finding of outputExposureFindings(
        this.resolveAll(parsed.refs, undefined),
        location,
        leaf.display,
      ))
        this.record.add('secret-exposure', finding);
    }
  }
}
