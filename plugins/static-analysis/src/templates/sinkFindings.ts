import {
  FindingEvidence,
  Severity,
  TemplateRuleId,
} from '@security-posture/plugin-security-posture-common';
import { ParsedValue } from './expressions';
import { assessConstraint, ConstraintVerdict } from './parameters';
import { ScaffolderConfinement } from './scaffolderVersion';
import { SinkDefinition, SinkKind, SinkRegistry } from './sinks';
import {
  describeSource,
  filterNote,
  sourceLabel,
  TaintSource,
  verdictFor,
} from './taint';
import { Leaf } from './templateShapes';
import { CatalogFetchSteps, FindingInput, StepState } from './analyzerTypes';

/** The scaffolder frontend passes the user's Backstage token to every task under this name. */
export const USER_TOKEN = 'secrets.backstageToken';
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

/** What the analyser hands over for every step: recording, the step, the model. */
export interface SinkFindingsContext {
  add(rule: TemplateRuleId, finding: FindingInput): number;
  step(): StepState;
  sinks: SinkRegistry;
  scaffolder: ScaffolderConfinement;
  catalogFetchSteps: CatalogFetchSteps;
}

/**
 * What a value reaching a sink means: the rule, the severity (from whose credentials the step
 * uses, the scaffolder version, how the action confines the value) and the explanation.
 */
export class SinkFindings {
  constructor(private readonly ctx: SinkFindingsContext) {}

  literal(
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
      this.ctx.add('insecure-repo-settings', {
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
      this.ctx.add('path-traversal', {
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
      this.ctx.sinks.traitsOf(context.action).destructive === 'workspace' &&
      sink.kind === 'path' &&
      typeof value === 'string' &&
      BROAD_DELETE.has(value.trim())
    ) {
      this.ctx.add('destructive-action', {
        location,
        ...context,
        message: `Step '${context.stepId}' deletes '${value}', i.e. the whole workspace`,
      });
    }
  }

  /** A user-controlled value nothing constrains for settings-like use. */
  isFree(source: TaintSource): boolean {
    return source.untrusted && !verdictFor(source, 'settings').sanitised;
  }

  /**
   * Severity after whose rights the step uses: what a step does with the executing user's own
   * token (or, for unknown actions, what an input name suggests) is informational.
   */
  calibrate(
    severity: Severity,
    sink: SinkDefinition,
  ): { severity: Severity; note?: string } {
    if (sink.source === 'name-heuristic') {
      return {
        severity: 'info',
        note: 'the action is unknown: its input was classified by name only (describe it with the sinks option, or let the analysis read the installed actions list)',
      };
    }
    const { credentials, traits } = this.ctx.step();
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
  pathSeverity(parsed: ParsedValue | undefined): {
    severity: Severity;
    why: string;
  } {
    const scaffolder = this.ctx.scaffolder;
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
  untrusted(
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
      credentials: this.ctx.step().credentials.reason,
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
      this.ctx.add(rule, {
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
        evidence.scaffolder = this.ctx.scaffolder.reason;
        report(
          'path-traversal',
          rated.severity,
          `${what} flows into ${where}: ${verdict.reason}. ${rated.why}`,
        );
        if (this.ctx.step().traits.destructive === 'workspace') {
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
          const proxied = this.ctx.step().credentials.kind === 'proxy-injected';
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
          this.ctx.step().traits.remoteExecution ? 'high' : 'critical',
          this.ctx.step().traits.remoteExecution
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
        const { ciFile: written, ciValues } = this.ctx.step();
        const ciFile =
          written ??
          (valueName &&
          ciValues &&
          Object.prototype.hasOwnProperty.call(ciValues, valueName)
            ? ciValues[valueName]
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
        const index = this.ctx.add('catalog-fetch-user-ref', {
          ...base,
          message: `${what} chooses the entity ${where} loads: ${verdict.reason}`,
        });
        if (index >= 0)
          this.ctx.catalogFetchSteps.set(context.stepId, {
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

  unknownActionInput(
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
      this.ctx.add('unvalidated-param', {
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

  actionsListNote(notInstalled: boolean): string {
    if (!this.ctx.sinks.hasInstalledActions) return 'not available';
    return notInstalled ? 'action not installed' : 'listed';
  }

  exposure(
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
    const credentials = this.ctx.step().credentials;
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
      this.ctx.sinks.lookup(context.action, a.leaf.segments).unknownAction
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
    this.ctx.add('secret-exposure', {
      location,
      ...context,
      parameter: source.name,
      severity,
      message: `${what} ${why} (${context.inputPath} of step '${context.stepId}', ${context.action})`,
      evidence: { sink: kind ?? 'unknown', transformed },
    });
  }

  remoteDestructive(
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
    this.ctx.add('destructive-action', {
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
}
