import {
  compareSeverity,
  FindingEvidence,
  Severity,
  TemplateDiagnostic,
  TemplateRiskBand,
  TemplateRiskContribution,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import { detectSecrets } from '../catalog/secretDetectors';
import {
  NUMERIC_FILTERS,
  parseTemplateValue,
  ParsedValue,
  SourceRef,
} from './expressions';
import {
  allowedLiterals,
  assessConstraint,
  ConstraintVerdict,
  indexParameters,
  isChoiceParameter,
  isSecretParameter,
  maxItemsOf,
  ParameterIndex,
  resolveParameter,
} from './parameters';
import { TEMPLATE_RULES } from './rules';
import { PermissionGating, scoreTemplate } from './scoring';
import { ActionTraits, SinkDefinition, SinkKind, SinkRegistry } from './sinks';
import {
  ScaffolderConfinement,
  scaffolderConfinement,
} from './scaffolderVersion';
import {
  StepCredentials,
  stepCredentials,
  userCredentialSecrets,
} from './stepCredentials';
import { ciFileWritten } from './stepEffects';
import { stepEffectFindings } from './stepFindings';
import { CiTemplateValues } from './skeletonWorkflows';
import {
  collectLeaves,
  describeValue,
  entityRefOf,
  isObject,
  joinDisplay,
  Leaf,
  MAX_INPUT_DEPTH,
} from './templateShapes';
import {
  describeSource,
  filterNote,
  sourceLabel,
  TaintSource,
  verdictFor,
} from './taint';

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

const V1BETA3 = 'scaffolder.backstage.io/v1beta3';
const V1BETA2 = 'backstage.io/v1beta2';
const MAX_STEPS = 500;
const MAX_DIAGNOSTICS = 50;
/** Catalog placeholders: `$yaml: ./steps.yaml` is replaced by the file's content on ingestion. */
const INCLUDE_KEYS = new Set(['$yaml', '$json', '$text']);
const DEFAULT_MAX_LOOP_ITEMS = 20;
const MAX_SECRET_SCAN = 256 * 1024;
/** The scaffolder frontend passes the user's Backstage token to every task under this name. */
const USER_TOKEN = 'secrets.backstageToken';
const CREDENTIAL_OUTPUT =
  /(?:token|password|passwd|secret|apikey|api_key|credential|credentials|privatekey|private_key)$/i;

const LITERAL_TRAVERSAL = /(?:^|[\\/])\.\.(?:[\\/]|$)|^[\\/~]/;
const BROAD_DELETE = new Set([
  '',
  '.',
  './',
  '/',
  '*',
  '**',
  '**/*',
  './*',
  './**',
  '*/**',
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

interface StepState {
  credentials: StepCredentials;
  traits: ActionTraits;
  /** The CI file the step writes (`.github/workflows/x.yml`), when literal. */
  ciFile?: string;
  /** Skeleton values this step renders into CI shell lines, with the file. */
  ciValues?: Record<string, string>;
}

/**
 * A credential the executing user typed into the form: a parameter, or a `secrets.*` value
 * (Secret fields, requestUserCredentials) other than the Backstage token the frontend adds.
 */
function isUserSupplied(source: TaintSource): boolean {
  if (source.origin === 'parameter') return true;
  return (
    source.origin === 'secret' &&
    source.name.startsWith('secrets.') &&
    source.name !== USER_TOKEN
  );
}

/**
 * `http:backstage:request` reaches the plugin named by the path's first segment, and for
 * `/proxy/<endpoint>` whatever that endpoint forwards to: a user who picks the plugin or the
 * proxy endpoint picks the destination.
 */
function backendTargetChosen(
  action: string,
  parsed: ParsedValue | undefined,
): boolean {
  if (action !== 'http:backstage:request') return false;
  const prefix = (parsed?.literalPrefix ?? '').replace(/^\/?(?:api\/)?/, '');
  if (prefix.startsWith('proxy/')) return !/^proxy\/[^/]{1,200}\//.test(prefix);
  return !/^[^/]{1,200}\//.test(prefix);
}

/** Sink kinds whose harm is done with the step's credentials, not on the backend host. */
const CREDENTIAL_BOUND_KINDS = new Set<SinkKind>([
  'repo',
  'settings',
  'workflow-input',
  'cluster-write',
  'url',
]);

class TemplateAnalyzer {
  private readonly findings: TemplateRuleFinding[] = [];
  private readonly seen = new Map<string, number>();
  private readonly diagnostics: TemplateDiagnostic[] = [];
  private readonly stepTaint = new Map<string, TaintSource[]>();
  private readonly catalogFetchSteps = new Map<
    string,
    { used: boolean; findingIndex?: number }
  >();
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
    private readonly scaffolder: ScaffolderConfinement,
    private readonly ciTemplateValues: CiTemplateValues = {},
  ) {}

  /**
   * Records a finding. One finding per (rule, location): further parameters reaching the same
   * input are listed on it (`evidence.parameters`), and it keeps the highest severity.
   */
  private add(
    rule: TemplateRuleId,
    finding: Omit<
      TemplateRuleFinding,
      'rule' | 'title' | 'evidence' | 'severity'
    > & {
      severity?: Severity;
      evidence?: FindingEvidence;
    },
  ): number {
    const key = `${rule}|${finding.location}`;
    const existing = this.seen.get(key);
    const severity = finding.severity ?? TEMPLATE_RULES[rule].severity;
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

  /** Resolves what an expression reference reads into taint sources. */
  private resolve(
    ref: SourceRef,
    eachTaint: TaintSource[] | undefined,
  ): TaintSource[] {
    if (ref.filters.some(f => NUMERIC_FILTERS.has(f) || f === '#numeric'))
      return [];
    switch (ref.root) {
      case 'parameters': {
        const resolved = resolveParameter(this.params, ref.path);
        const name =
          resolved?.name ?? (ref.path.filter(p => p !== '*').join('.') || '*');
        return [
          {
            origin: 'parameter',
            name,
            untrusted: true,
            sensitive: resolved
              ? isSecretParameter(resolved.declarations)
              : false,
            resolved,
            filters: ref.filters,
            via: [],
          },
        ];
      }
      case 'each':
        return (eachTaint ?? []).map(s => ({
          ...s,
          element:
            s.origin === 'parameter' && ref.path[0] === 'value' && !s.element
              ? ref.path.slice(1).filter(p => p !== '*')
              : s.element,
          filters: [...s.filters, ...ref.filters],
        }));
      case 'steps': {
        const stepId = ref.path[0];
        if (stepId === undefined || stepId === '*') return [];
        const fetch = this.catalogFetchSteps.get(stepId);
        if (fetch) fetch.used = true;
        const sources: TaintSource[] = (this.stepTaint.get(stepId) ?? []).map(
          s => ({
            ...s,
            filters: [...s.filters, ...ref.filters],
            via: s.via.includes(stepId) ? s.via : [...s.via, stepId],
          }),
        );
        // An output named like a credential (a Vault read, a token exchange) is one.
        const outputName = ref.path[1] === 'output' ? ref.path[2] : undefined;
        if (outputName && CREDENTIAL_OUTPUT.test(outputName)) {
          sources.push({
            origin: 'step-output',
            name: `steps.${stepId}.output`,
            untrusted: false,
            sensitive: true,
            filters: ref.filters,
            via: [stepId],
          });
        }
        return sources;
      }
      case 'secrets':
        return [
          {
            origin: 'secret',
            name: `secrets.${ref.path[0] ?? '*'}`,
            untrusted: false,
            sensitive: true,
            filters: ref.filters,
            via: [],
          },
        ];
      case 'environment':
        if (ref.path[0] === 'secrets') {
          return [
            {
              origin: 'secret',
              name: `environment.secrets.${ref.path[1] ?? '*'}`,
              untrusted: false,
              sensitive: true,
              filters: ref.filters,
              via: [],
            },
          ];
        }
        return [];
      case 'user':
        // The profile comes from the identity provider (e.g. a GitHub display name).
        if (
          ref.path[0] === 'entity' &&
          ref.path[1] === 'spec' &&
          ref.path[2] === 'profile'
        ) {
          return [
            {
              origin: 'user-profile',
              name: `user.${ref.path.join('.')}`,
              untrusted: true,
              sensitive: false,
              filters: ref.filters,
              via: [],
            },
          ];
        }
        return [];
      default:
        // user.ref, user.entity.metadata.*, context.*, environment.parameters.*: set by Backstage
        // or the operator.
        return [];
    }
  }

  private resolveAll(
    refs: SourceRef[],
    eachTaint: TaintSource[] | undefined,
  ): TaintSource[] {
    return refs.flatMap(ref => this.resolve(ref, eachTaint));
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
      isFree: source => this.isFree(source),
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
          this.exposure(source, a, location, context, openDestination);
        if (!a.sink || a.sink.kind !== 'credential') outputTaint.push(source);
      }
    }
    if (traits.destructive === 'remote')
      this.remoteDestructive(analysed, stepId, action, base);

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
        this.unknownActionInput(result, location, context, match.notInstalled);
      return result;
    }
    // Literal values the template author chose.
    if (!parsed?.hasExpression) this.literal(leaf, sink, location, context);
    for (const source of sources) {
      if (!source.untrusted) continue;
      const verdict = verdictFor(source, sink.kind);
      if (verdict.sanitised) continue;
      if (this.untrusted(source, verdict, sink, parsed, location, context)) {
        if (sink.kind === 'url' || sink.kind === 'repo')
          result.openDestination = true;
      }
    }
    return result;
  }

  private literal(
    leaf: Leaf,
    sink: SinkDefinition,
    location: string,
    context: { stepId: string; action: string; inputPath: string },
  ) {
    const value = leaf.value;
    if (
      sink.kind === 'settings' &&
      sink.insecureValues?.some(v => v === value)
    ) {
      this.add('insecure-repo-settings', {
        location,
        ...context,
        message: `Step '${context.stepId}' sets ${
          context.inputPath
        }: ${JSON.stringify(value)} on the new repository`,
        evidence: { value: JSON.stringify(value) },
      });
    }
    if (
      sink.kind === 'path' &&
      sink.source !== 'name-heuristic' &&
      typeof value === 'string' &&
      LITERAL_TRAVERSAL.test(value)
    ) {
      const guarded = sink.guarded === true;
      this.add('path-traversal', {
        location,
        ...context,
        severity: guarded ? 'high' : 'critical',
        message: `Step '${context.stepId}' (${
          context.action
        }) uses the literal path '${value.slice(
          0,
          120,
        )}', which points outside the workspace: the template is built to escape it${
          guarded
            ? ' (resolveSafeChildPath blocks it on patched versions; symlink bypasses were fixed only in 2024 and 2026)'
            : ''
        }`,
        evidence: { sink: sink.kind, literal: true, guarded },
      });
    }
    if (
      this.sinks.traitsOf(context.action).destructive === 'workspace' &&
      sink.kind === 'path' &&
      typeof value === 'string' &&
      BROAD_DELETE.has(value.trim())
    ) {
      this.add('destructive-action', {
        location,
        ...context,
        message: `Step '${context.stepId}' deletes '${value}', i.e. the whole workspace`,
      });
    }
  }

  /** A user-controlled value nothing constrains for settings-like use. */
  private isFree(source: TaintSource): boolean {
    return source.untrusted && !verdictFor(source, 'settings').sanitised;
  }

  /**
   * Severity after whose rights the step uses: what a step does with the executing user's own
   * token (or, for unknown actions, what an input name suggests) is informational.
   */
  private calibrate(
    severity: Severity,
    sink: SinkDefinition,
  ): { severity: Severity; note?: string } {
    if (sink.source === 'name-heuristic') {
      return {
        severity: 'info',
        note: 'the action is unknown: its input was classified by name only (describe it with the sinks option, or let the analysis read the installed actions list)',
      };
    }
    const { credentials, traits } = this.current;
    if (
      credentials.kind === 'user-token' &&
      // A raw URL is requested from the backend's network whoever's token goes with it.
      ((CREDENTIAL_BOUND_KINDS.has(sink.kind) &&
        (sink.kind !== 'url' || sink.guarded === true)) ||
        (sink.kind === 'command' && traits.remoteExecution))
    ) {
      return {
        severity: 'info',
        note: `the step runs with the executing user's own token (${credentials.reason}), so it can do no more than the user could`,
      };
    }
    return { severity };
  }

  /** How a user-chosen path inside a confining action is rated, from the scaffolder's version. */
  private pathSeverity(parsed: ParsedValue | undefined): {
    severity: Severity;
    why: string;
  } {
    const scaffolder = this.scaffolder;
    const fixedBase = /[A-Za-z0-9_]/.test(parsed?.literalPrefix ?? '');
    if (scaffolder.status === 'vulnerable') {
      return {
        severity: 'high',
        why: `${scaffolder.reason}: a symlink in the workspace lets this path reach files outside it`,
      };
    }
    if (scaffolder.status === 'unknown' && !fixedBase) {
      return {
        severity: 'high',
        why: `${scaffolder.reason}, and the parameter starts the path: on a scaffolder without the GHSA-rq6q-wr2q-7pgp fix it can leave the workspace`,
      };
    }
    return {
      severity: 'medium',
      why:
        scaffolder.status === 'patched'
          ? `${scaffolder.reason}, so the path stays in the workspace, but the user picks any file there (e.g. .github/workflows)`
          : `resolveSafeChildPath keeps it inside the workspace below a fixed directory ('${parsed?.literalPrefix}'); ${scaffolder.reason}`,
    };
  }

  /** An untrusted, unconstrained value reaches a sink. Returns whether it opens the destination. */
  private untrusted(
    source: TaintSource,
    verdict: ConstraintVerdict,
    sink: SinkDefinition,
    parsed: ParsedValue | undefined,
    location: string,
    context: { stepId: string; action: string; inputPath: string },
  ): boolean {
    const what = describeSource(source);
    const evidence: FindingEvidence = {
      sink: sink.kind,
      constraint: verdict.reason,
      sinkSource: sink.source ?? 'built-in',
      credentials: this.current.credentials.reason,
    };
    const filters = filterNote(source.filters);
    if (filters) evidence.filters = filters;
    const where = `input '${context.inputPath}' of step '${context.stepId}' (${context.action})`;
    const parameter = sourceLabel(source);
    const base = { location, ...context, parameter, evidence };
    const report = (
      rule: TemplateRuleId,
      severity: Severity,
      message: string,
    ) => {
      const calibrated = this.calibrate(severity, sink);
      this.add(rule, {
        ...base,
        severity: calibrated.severity,
        message: calibrated.note ? `${message}; ${calibrated.note}` : message,
      });
    };
    switch (sink.kind) {
      case 'path': {
        const guarded = sink.guarded === true;
        evidence.guarded = guarded;
        const rated = guarded
          ? this.pathSeverity(parsed)
          : {
              severity: 'high' as Severity,
              why: 'The action is not known to confine paths: ../../.ssh/authorized_keys writes outside the workspace',
            };
        evidence.scaffolder = this.scaffolder.reason;
        report(
          'path-traversal',
          rated.severity,
          `${what} flows into ${where}: ${verdict.reason}. ${rated.why}`,
        );
        if (this.current.traits.destructive === 'workspace') {
          report(
            'destructive-action',
            'high',
            `${what} chooses what step '${context.stepId}' deletes`,
          );
        }
        return false;
      }
      case 'url': {
        if (
          parsed?.hostPinned ||
          (sink.guarded && !backendTargetChosen(context.action, parsed))
        ) {
          // The host is fixed (by the template, the URL reader or the action); '../' in the path
          // still reaches other paths on it, with the credentials the backend holds for it.
          const pathVerdict = verdictFor(source, 'path');
          if (pathVerdict.sanitised) return false;
          evidence.constraint = pathVerdict.reason;
          evidence.hostPinned = Boolean(parsed?.hostPinned);
          evidence.guarded = sink.guarded === true;
          const proxied = this.current.credentials.kind === 'proxy-injected';
          const backendPlugin = context.action === 'http:backstage:request';
          let severity: Severity = 'medium';
          let message = `${what} controls the destination of ${where}: ${verdict.reason}. The action limits it to configured hosts (integrations, backend.reading.allow, Backstage plugins)`;
          if (parsed?.hostPinned) {
            severity = 'low';
            message = `${what} controls the path of ${where} on a fixed host: ${pathVerdict.reason}, so '../' reaches other paths on that host with the backend's credentials for it`;
          } else if (proxied) {
            severity = 'low';
            message = `${what} controls the path of ${where} behind a credential-injecting proxy endpoint: ${pathVerdict.reason}`;
          } else if (backendPlugin) {
            severity = 'info';
          }
          report('ssrf', severity, message);
          // The destination stays among hosts the deployment chose: not open.
          return false;
        }
        if (context.action === 'http:backstage:request') {
          // Any Backstage plugin or proxy endpoint, with the user's own delegated token: what
          // the user could call from the browser, reached from the task.
          report(
            'ssrf',
            'low',
            `${what} chooses which Backstage plugin or proxy endpoint ${where} calls: ${verdict.reason}`,
          );
          return true;
        }
        report(
          'ssrf',
          'high',
          `${what} controls the destination of ${where}: ${verdict.reason}`,
        );
        return true;
      }
      case 'command':
        if (sink.sandboxed) {
          report(
            'command-injection',
            'medium',
            `${what} is spliced into the expression of ${where}: ${verdict.reason}. The expression language is sandboxed: the user can change what the step computes and writes, not run code`,
          );
          return false;
        }
        report(
          'command-injection',
          this.current.traits.remoteExecution ? 'high' : 'critical',
          this.current.traits.remoteExecution
            ? `${what} reaches ${where}, which launches a job on a remote system with the integration's rights: ${verdict.reason}`
            : `${what} reaches ${where}, which runs code on the backend: ${verdict.reason}`,
        );
        return false;
      case 'workflow-input':
        report(
          'workflow-dispatch-injection',
          'high',
          `${what} becomes CI workflow input ${where}: ${verdict.reason}`,
        );
        return false;
      case 'settings':
        report(
          'insecure-repo-settings',
          'medium',
          `${what} decides repository setting ${where}: ${verdict.reason}`,
        );
        return false;
      case 'cluster-write':
        report(
          'cluster-write',
          'high',
          `${what} reaches ${where}, applied to a Kubernetes cluster: ${verdict.reason}`,
        );
        return false;
      case 'notification-link': {
        if (parsed?.hostPinned) return false;
        report(
          'phishing-notification',
          'medium',
          `${what} becomes the link of notification ${where}, shown inside the portal: ${verdict.reason}`,
        );
        return false;
      }
      case 'disclosure': {
        const valueName = /^values\.([^.[]+)/.exec(context.inputPath)?.[1];
        const ciFile =
          this.current.ciFile ??
          (valueName &&
          this.current.ciValues &&
          Object.prototype.hasOwnProperty.call(this.current.ciValues, valueName)
            ? this.current.ciValues[valueName]
            : undefined);
        if (!ciFile) return false;
        const tokenVerdict = verdictFor(source, 'command');
        if (tokenVerdict.sanitised) return false;
        evidence.constraint = tokenVerdict.reason;
        evidence.ciFile = ciFile;
        report(
          'ci-workflow-injection',
          'high',
          `${what} is written into CI file '${ciFile}' by ${where}: ${tokenVerdict.reason}, so a \`run:\` line can carry shell of the user's choosing`,
        );
        return false;
      }
      case 'entity-ref': {
        const index = this.add('catalog-fetch-user-ref', {
          ...base,
          message: `${what} chooses the entity ${where} loads: ${verdict.reason}`,
        });
        if (index >= 0)
          this.catalogFetchSteps.set(context.stepId, {
            used: false,
            findingIndex: index,
          });
        return false;
      }
      case 'repo': {
        const pickerLimited = verdict.reason.startsWith(
          'RepoUrlPicker limits hosts',
        );
        report(
          'unvalidated-param',
          pickerLimited ? 'low' : 'medium',
          `${what} chooses the repository ${where} writes to with the step's credentials: ${verdict.reason}`,
        );
        // The host stays one of the configured integrations: a credential sent along goes to
        // the same service, not to a destination the user invents.
        return false;
      }
      default:
        return false;
    }
  }

  private unknownActionInput(
    result: { leaf: Leaf; sources: TaintSource[] },
    location: string,
    context: { stepId: string; action: string; inputPath: string },
    notInstalled: boolean,
  ) {
    for (const source of result.sources) {
      if (!source.untrusted) continue;
      const verdict = verdictFor(source, 'disclosure');
      if (verdict.sanitised) continue;
      // Unknown inputs of unknown actions are informational: nothing says they do harm.
      this.add('unvalidated-param', {
        location,
        ...context,
        severity: 'info',
        parameter: sourceLabel(source),
        message: `${describeSource(source)} reaches input '${
          context.inputPath
        }' of custom action ${context.action} (step '${
          context.stepId
        }'), whose handling is unknown: ${verdict.reason}`,
        evidence: {
          constraint: verdict.reason,
          actionsList: this.actionsListNote(notInstalled),
        },
      });
    }
  }

  private actionsListNote(notInstalled: boolean): string {
    if (!this.sinks.hasInstalledActions) return 'not available';
    return notInstalled ? 'action not installed' : 'listed';
  }

  private exposure(
    source: TaintSource,
    a: { leaf: Leaf; sink?: SinkDefinition; parsed?: ParsedValue },
    location: string,
    context: { stepId: string; action: string; inputPath: string },
    openDestination: { leaf: Leaf } | undefined,
  ) {
    const what = describeSource(source);
    const transformed = source.filters.length > 0;
    const kind: SinkKind | undefined = a.sink?.kind;
    let severity: Severity | undefined;
    let why = '';
    const credentials = this.current.credentials;
    if (kind === 'credential') {
      if (!openDestination) return;
      // `secrets.*` other than the Backstage token are typed by the executing user (Secret
      // fields, requestUserCredentials): sent where that user chose, they hurt no one else.
      if (
        (credentials.kind === 'user-token' &&
          source.name === credentials.secret) ||
        isUserSupplied(source)
      )
        return;
      severity = 'critical';
      why = `is sent as a credential while input '${openDestination.leaf.display}' lets the user choose where the request goes`;
    } else if (kind === 'url') {
      // A secret that is the whole URL (a cluster API address kept as a secret) is the
      // destination, not a token copied into one.
      if (a.parsed?.onlyExpression) return;
      severity = openDestination || !a.parsed?.hostPinned ? 'critical' : 'high';
      why = 'is put into a URL, where servers, proxies and logs record it';
    } else if (kind === 'disclosure') {
      if (context.action === 'debug:log') {
        severity = transformed ? 'high' : 'medium';
        why = transformed
          ? 'is logged after a transformation, which defeats the task log redaction of secret values'
          : 'is written to the task log (verbatim secret values are redacted there; copies and transformations are not)';
      } else {
        severity = 'high';
        why =
          'is written where others read it (generated files, repository metadata or a request body)';
      }
    } else if (kind === 'command' || kind === 'workflow-input') {
      severity = 'high';
      why =
        'is passed to a command or CI workflow, whose logs and run pages show inputs';
    } else if (kind === 'settings') {
      return;
    } else if (kind) {
      severity = 'medium';
      why = `is passed to a ${kind} input`;
    } else if (
      this.sinks.lookup(context.action, a.leaf.segments).unknownAction
    ) {
      severity = 'info';
      why = `is passed to custom action ${context.action}, whose handling is unknown`;
    } else {
      return;
    }
    // The executing user's own Backstage token: whoever reads it can act as that user.
    const redactedInLog = context.action === 'debug:log' && !transformed;
    if (
      source.name === USER_TOKEN &&
      !redactedInLog &&
      !(kind === 'credential' && !openDestination)
    ) {
      severity = 'critical';
      why +=
        "; it is the executing user's Backstage token, so whoever reads it can act as them";
    }
    if (a.sink?.source === 'name-heuristic') severity = 'info';
    this.add('secret-exposure', {
      location,
      ...context,
      parameter: source.name,
      severity,
      message: `${what} ${why} (${context.inputPath} of step '${context.stepId}', ${context.action})`,
      evidence: { sink: kind ?? 'unknown', transformed },
    });
  }

  private remoteDestructive(
    analysed: Array<{ leaf: Leaf; sources: TaintSource[] }>,
    stepId: string,
    action: string,
    base: string,
  ) {
    const chosen = analysed.flatMap(a =>
      a.sources.filter(s => s.untrusted).map(s => ({ a, s })),
    );
    const first = chosen.find(
      ({ s }) =>
        !assessConstraint(s.resolved, 'entity-ref', s.element).sanitised,
    );
    this.add('destructive-action', {
      location: first
        ? `${base}.input.${first.a.leaf.display}`
        : `${base}.action`,
      stepId,
      action,
      inputPath: first?.a.leaf.display,
      parameter: first?.s.name,
      severity: first ? 'high' : 'medium',
      message: first
        ? `Step '${stepId}' runs ${action}, and ${describeSource(
            first.s,
          )} chooses what it deletes`
        : `Step '${stepId}' runs ${action}, which deletes remote resources with the backend's credentials`,
    });
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
    ).filter(s => s.untrusted && s.origin === 'parameter');
    // A comparison with a literal the form never offers is a hidden trigger.
    const magic = parsed.comparisons.find(({ ref, literal }) => {
      // A comparison of a derived value (`(parameters.repoUrl | parseRepoUrl).host`) routes
      // between documented choices; only the raw parameter can hide a trigger.
      if (ref.root !== 'parameters' || ref.filters.length > 0) return false;
      const allowed = allowedLiterals(resolveParameter(this.params, ref.path));
      return !allowed || !allowed.has(literal);
    });
    const magicName = magic
      ? resolveParameter(this.params, magic.ref.path)?.name ??
        magic.ref.path.join('.')
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
      this.add('conditional-step', {
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
    if (!sensitive) return;
    for (const name of free) {
      if (name === magicName) continue;
      this.add('conditional-step', {
        location: `${base}.if`,
        stepId,
        action,
        parameter: name,
        message: `Free-form parameter '${name}' decides whether sensitive step '${stepId}' (${action}) runs`,
        evidence: { hiddenTrigger: false, sensitiveStep: true },
      });
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

export { analyzeTemplateSource } from './templateSource';
export type { SourceDocumentAnalysis } from './templateSource';
