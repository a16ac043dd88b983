import {
  FindingEvidence,
  Severity,
  TemplateRiskBand,
  TemplateRiskContribution,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import { parseAllDocuments } from 'yaml';
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
  ParameterDeclaration,
  ParameterIndex,
  resolveParameter,
} from './parameters';
import { TEMPLATE_RULES } from './rules';
import { PermissionGating, scoreTemplate } from './scoring';
import { SinkDefinition, SinkKind, SinkRegistry } from './sinks';

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
  /** `targetPath`, `service.name`, or `secrets.backstageToken` for secrets. */
  parameter?: string;
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
}

const V1BETA3 = 'scaffolder.backstage.io/v1beta3';
const V1BETA2 = 'backstage.io/v1beta2';
const MAX_STEPS = 500;
const MAX_INPUT_DEPTH = 32;
const MAX_LEAVES_PER_STEP = 5000;
const MAX_TEMPLATE_SOURCE = 5 * 1024 * 1024;
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

/** Where a tainted value comes from. */
interface TaintSource {
  origin:
    | 'parameter'
    | 'secret'
    | 'catalog-entity'
    | 'user-profile'
    | 'step-output';
  /** Parameter name, `secrets.<name>`, `user.entity.spec.profile.<field>` or `steps.<id>.output`. */
  name: string;
  untrusted: boolean;
  sensitive: boolean;
  resolved?: {
    name: string;
    declarations: ParameterDeclaration[];
    exact: boolean;
  };
  /** Reads an element of an array parameter (`each.value.<member…>`): the member path. */
  element?: string[];
  filters: string[];
  /** Steps the value passed through. */
  via: string[];
}

interface Leaf {
  segments: string[];
  /** For locations: `files[0].from` */
  display: string;
  value: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entityRefOf(doc: Record<string, unknown>): string {
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  const name =
    typeof metadata.name === 'string' && metadata.name
      ? metadata.name
      : '<unnamed>';
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace
      ? metadata.namespace
      : 'default';
  return `template:${namespace}/${name}`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  return String(value);
}

function joinDisplay(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (!base) return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** Leaves of a step input, bounded in depth and count. */
function collectLeaves(input: unknown, problems: string[]): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (
    value: unknown,
    segments: string[],
    display: string,
    depth: number,
  ) => {
    if (leaves.length >= MAX_LEAVES_PER_STEP) return;
    if (depth > MAX_INPUT_DEPTH) {
      if (problems.length < 3)
        problems.push(
          `'${display.slice(0, 80)}${
            display.length > 80 ? '…' : ''
          }' is nested deeper than ${MAX_INPUT_DEPTH} levels`,
        );
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) =>
        walk(v, [...segments, '*'], joinDisplay(display, i), depth + 1),
      );
    } else if (isObject(value)) {
      for (const [key, v] of Object.entries(value))
        walk(v, [...segments, key], joinDisplay(display, key), depth + 1);
    } else {
      leaves.push({ segments, display, value });
    }
  };
  walk(input, [], '', 0);
  if (leaves.length >= MAX_LEAVES_PER_STEP) {
    problems.push(
      `has more than ${MAX_LEAVES_PER_STEP} values; the rest was not analysed`,
    );
  }
  return leaves;
}

function describeSource(source: TaintSource): string {
  if (source.origin === 'secret') return `secret '${source.name}'`;
  if (source.origin === 'catalog-entity')
    return `catalog entity loaded by step '${source.via[0]}'`;
  if (source.origin === 'user-profile')
    return `the executing user's profile field '${source.name}'`;
  if (source.origin === 'step-output')
    return `credential-like output '${source.name}'`;
  const via =
    source.via.length > 0
      ? ` (through step${source.via.length > 1 ? 's' : ''} ${source.via
          .map(v => `'${v}'`)
          .join(', ')})`
      : '';
  return `parameter '${source.name}'${via}`;
}

/** How a source is constrained for a sink kind; only parameters have schemas. */
function verdictFor(source: TaintSource, kind: SinkKind): ConstraintVerdict {
  if (source.origin === 'parameter')
    return assessConstraint(source.resolved, kind, source.element);
  if (source.origin === 'user-profile') {
    return {
      sanitised: false,
      reason:
        'profile fields come from the identity provider, where users often edit them',
    };
  }
  return {
    sanitised: false,
    reason: 'data of a catalog entity the user chose',
  };
}

/** Parameter label of a finding: the parameter, or where the data came from. */
function sourceLabel(source: TaintSource): string {
  return source.origin === 'catalog-entity'
    ? `steps.${source.via[0]}.output`
    : source.name;
}

function filterNote(filters: string[]): string | undefined {
  const shown = filters.filter(f => !f.startsWith('#'));
  if (shown.length === 0) return undefined;
  return `filters ${shown.map(f => `'${f}'`).join(', ')} do not sanitise`;
}

class TemplateAnalyzer {
  private readonly findings: TemplateRuleFinding[] = [];
  private readonly seen = new Set<string>();
  private readonly stepTaint = new Map<string, TaintSource[]>();
  private readonly catalogFetchSteps = new Map<
    string,
    { used: boolean; findingIndex?: number }
  >();
  private params: ParameterIndex = { byName: new Map(), problems: [] };
  private syntax: 'v1beta3' | 'handlebars' = 'v1beta3';
  private legacy = false;
  private parseError = false;

  constructor(
    private readonly entityRef: string,
    private readonly sinks: SinkRegistry,
    private readonly maxLoopItems: number,
  ) {}

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
    const key = `${rule}|${finding.location}|${finding.parameter ?? ''}`;
    if (this.seen.has(key)) return -1;
    this.seen.add(key);
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
      rule,
      title: meta.title,
      severity: finding.severity ?? meta.severity,
      evidence,
    });
    return this.findings.length - 1;
  }

  run(
    doc: unknown,
  ): Omit<TemplateAnalysis, 'score' | 'band' | 'contributions'> {
    if (!isObject(doc)) {
      this.parseError = true;
      this.add('parse-error', {
        location: '(document)',
        severity: 'medium',
        message: `The template is ${describeValue(doc)}, not an object`,
      });
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
      this.add('parse-error', {
        location: 'apiVersion',
        message: `Unsupported apiVersion ${JSON.stringify(
          doc.apiVersion ?? null,
        )}; analysed as ${V1BETA3}`,
      });
    }
    if (doc.kind !== 'Template') {
      this.add('parse-error', {
        location: 'kind',
        message: `kind is ${JSON.stringify(doc.kind ?? null)}, not Template`,
      });
    }
    if (!isObject(spec)) {
      this.parseError = true;
      this.add('parse-error', {
        location: 'spec',
        severity: 'medium',
        message: 'spec is missing or not an object: nothing to analyse',
      });
      return this.result(title, owner);
    }
    if (!owner) {
      this.add('missing-owner', {
        location: 'spec.owner',
        message: 'spec.owner is missing or empty',
      });
    }

    this.params = indexParameters(spec.parameters);
    for (const problem of this.params.problems.slice(0, 5)) {
      this.add('parse-error', {
        location: problem.location,
        message: `Parameter schema: ${problem.message}`,
      });
    }
    this.scanLiterals(spec.parameters, 'spec.parameters');

    const steps = spec.steps;
    if (steps !== undefined && !Array.isArray(steps)) {
      this.parseError = true;
      this.add('parse-error', {
        location: 'spec.steps',
        severity: 'medium',
        message: 'spec.steps is not a list',
      });
    } else if (Array.isArray(steps)) {
      if (steps.length > MAX_STEPS) {
        this.add('parse-error', {
          location: 'spec.steps',
          message: `${steps.length} steps; only the first ${MAX_STEPS} were analysed`,
        });
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
      this.add('parse-error', {
        location,
        ...context,
        message: `Expression could not be parsed (${parsed.error}); references were read by a fallback scan`,
        evidence: { error: parsed.error },
      });
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
      this.add('parse-error', {
        location: `spec.steps[${index}]`,
        message: 'step is not an object',
      });
      return;
    }
    const stepId =
      typeof raw.id === 'string' && raw.id ? raw.id : `step-${index + 1}`;
    const base = `steps[${stepId}]`;
    if (ids.has(stepId)) {
      this.add('parse-error', {
        location: `spec.steps[${index}].id`,
        stepId,
        message: `Duplicate step id '${stepId}': later outputs overwrite earlier ones`,
      });
    }
    ids.add(stepId);
    if (typeof raw.action !== 'string' || !raw.action) {
      this.add('parse-error', {
        location: `${base}.action`,
        stepId,
        message: 'step has no action',
      });
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
      this.add('parse-error', {
        location: `${base}.input`,
        stepId,
        action,
        message: 'step input is not an object',
      });
    }
    const leaves = isObject(raw.input)
      ? collectLeaves(raw.input, problems)
      : [];
    for (const problem of problems) {
      this.add('parse-error', {
        location: `${base}.input`,
        stepId,
        action,
        message: `Step input ${problem}`,
      });
    }
    const traits = this.sinks.traitsOf(action);
    const analysed = leaves.map(leaf =>
      this.leaf(leaf, stepId, action, base, eachTaint),
    );

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
    } else if (!traits.cleanOutput) {
      this.stepTaint.set(stepId, outputTaint);
    } else {
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
    };
    const filters = filterNote(source.filters);
    if (filters) evidence.filters = filters;
    const where = `input '${context.inputPath}' of step '${context.stepId}' (${context.action})`;
    const parameter = sourceLabel(source);
    const base = { location, ...context, parameter, evidence };
    switch (sink.kind) {
      case 'path': {
        const guarded = sink.guarded === true;
        evidence.guarded = guarded;
        this.add('path-traversal', {
          ...base,
          severity: guarded ? 'medium' : 'high',
          message: `${what} flows into ${where}: ${verdict.reason}. ${
            guarded
              ? 'resolveSafeChildPath keeps it inside the workspace, but the user picks any file there (e.g. .github/workflows)'
              : 'The action is not known to confine paths: ../../.ssh/authorized_keys writes outside the workspace'
          }`,
        });
        if (this.sinks.traitsOf(context.action).destructive === 'workspace') {
          this.add('destructive-action', {
            ...base,
            severity: 'high',
            message: `${what} chooses what step '${context.stepId}' deletes`,
          });
        }
        return false;
      }
      case 'url': {
        if (parsed?.hostPinned) {
          // The host is fixed; '../' in the path still reaches other repositories or APIs on it,
          // with the credentials the backend holds for that host.
          const pathVerdict = verdictFor(source, 'path');
          if (pathVerdict.sanitised) return false;
          evidence.constraint = pathVerdict.reason;
          evidence.hostPinned = true;
          this.add('ssrf', {
            ...base,
            severity: 'low',
            message: `${what} controls the path of ${where} on a fixed host: ${pathVerdict.reason}, so '../' reaches other paths on that host with the backend's credentials for it`,
          });
          return false;
        }
        const guarded = sink.guarded === true;
        evidence.guarded = guarded;
        this.add('ssrf', {
          ...base,
          severity: guarded ? 'medium' : 'high',
          message: `${what} controls the destination of ${where}: ${
            verdict.reason
          }${
            guarded
              ? '. The URL reader limits it to integration hosts and backend.reading.allow'
              : ''
          }`,
        });
        return true;
      }
      case 'command':
        this.add('command-injection', {
          ...base,
          severity: 'critical',
          message: `${what} reaches ${where}, which runs code on the backend: ${verdict.reason}`,
        });
        return false;
      case 'workflow-input':
        this.add('workflow-dispatch-injection', {
          ...base,
          message: `${what} becomes CI workflow input ${where}: ${verdict.reason}`,
        });
        return false;
      case 'settings':
        this.add('insecure-repo-settings', {
          ...base,
          message: `${what} decides repository setting ${where}: ${verdict.reason}`,
        });
        return false;
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
        this.add('unvalidated-param', {
          ...base,
          severity: pickerLimited ? 'low' : 'medium',
          message: `${what} chooses the repository ${where} writes to with the backend's credentials: ${verdict.reason}`,
        });
        return !pickerLimited;
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
      this.add('unvalidated-param', {
        location,
        ...context,
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
    if (kind === 'credential') {
      if (!openDestination) return;
      severity = 'critical';
      why = `is sent as a credential while input '${openDestination.leaf.display}' lets the user choose where the request goes`;
    } else if (kind === 'url') {
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
    } else if (kind) {
      severity = 'medium';
      why = `is passed to a ${kind} input`;
    } else if (
      this.sinks.lookup(context.action, a.leaf.segments).unknownAction
    ) {
      severity = 'medium';
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
      if (ref.root !== 'parameters') return false;
      const allowed = allowedLiterals(resolveParameter(this.params, ref.path));
      return !allowed || !allowed.has(literal);
    });
    const magicName = magic
      ? resolveParameter(this.params, magic.ref.path)?.name ??
        magic.ref.path.join('.')
      : undefined;
    // Booleans and enums are documented choices; free text deciding a sensitive step is not.
    const free = [
      ...new Set(
        sources.filter(s => !isChoiceParameter(s.resolved)).map(s => s.name),
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

/** What {@link analyzeTemplateSource} found in one YAML document of a file. */
export interface SourceDocumentAnalysis extends TemplateAnalysis {
  /** 0-based index of the YAML document in the file. */
  document: number;
}

/**
 * Analyses template files: every YAML document that is not empty is analysed as a template.
 * Invalid YAML yields a single `parse-error` analysis for the file.
 */
export function analyzeTemplateSource(
  source: string,
  options: AnalyzeTemplateOptions & { name?: string } = {},
): SourceDocumentAnalysis[] {
  const name = options.name ?? '<source>';
  const fileError = (message: string): SourceDocumentAnalysis[] => {
    const findings: TemplateRuleFinding[] = [
      {
        rule: 'parse-error',
        title: TEMPLATE_RULES['parse-error'].title,
        severity: 'medium',
        location: '(document)',
        message,
        evidence: {
          template: name,
          rule: 'parse-error',
          reference: TEMPLATE_RULES['parse-error'].reference,
        },
      },
    ];
    const scored = scoreTemplate(
      findings.map(f => ({ ...f })),
      options.gating,
    );
    return [
      {
        document: 0,
        entityRef: `template:default/${name}`,
        legacy: false,
        parseError: true,
        findings,
        ...scored,
      },
    ];
  };
  if (source.length > MAX_TEMPLATE_SOURCE) {
    return fileError(
      `File is ${source.length} bytes; templates over ${MAX_TEMPLATE_SOURCE} bytes are not analysed`,
    );
  }
  let documents;
  try {
    documents = parseAllDocuments(source, { prettyErrors: false });
  } catch (error) {
    return fileError(
      `Not YAML: ${
        error instanceof Error ? error.message : String(error)
      }`.slice(0, 300),
    );
  }
  const list = Array.isArray(documents) ? documents : [documents];
  const results: SourceDocumentAnalysis[] = [];
  for (const [index, document] of list.entries()) {
    if (document.errors.length > 0) {
      return fileError(
        `Not valid YAML: ${document.errors[0].message.split('\n')[0]}`.slice(
          0,
          300,
        ),
      );
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      return fileError(
        `YAML could not be read: ${
          error instanceof Error ? error.message : String(error)
        }`.slice(0, 300),
      );
    }
    if (value === null || value === undefined) continue;
    results.push({ document: index, ...analyzeTemplate(value, options) });
  }
  if (results.length === 0)
    return fileError('The file contains no YAML document');
  return results;
}
