import { Config } from '@backstage/config';
import { Severity } from '@security-posture/plugin-security-posture-common';
import { CheckResult, SecurityCheckMeta } from '@security-posture/plugin-security-posture-node';
import { FindingFactory, ResolvedCheck } from '@security-posture/checks';
import { ConfigSource, mergeConfigs } from './appConfig';
import { CollectingLogger } from './checkContext';
import { CheckTracker } from './checkTracker';
import { TEMPLATE_CHECK_ID } from './cliChecks';
import { displayPath } from './files';
import { Place } from './placement';
import { CliDiagnostic, CliFinding, ScannedFile, ScanNote, TemplateScore } from './report';
import type { Suppression } from './suppressions';

export interface ScanOptions {
  /** Files and directories to scan. */
  paths: string[];
  /** App-config files, merged in this order (later wins). */
  configFiles: string[];
  cwd: string;
  /** Directory that reported paths are relative to. */
  root: string;
  failOn: Severity | 'none';
  /** A suppressions file to honour. */
  suppressionsFile?: string;
  /** Suppressions from the portal's exemptions (`--exemptions`), honoured with the file's. */
  exemptions?: Suppression[];
  /** HMAC key for secret fingerprints (as the portal's `securityPosture.fingerprintKey`). */
  fingerprintKey?: string;
  now: Date;
  version: string;
  /** Diagnostics (parse and include problems) fail the run too. */
  failOnDiagnostics?: boolean;
  /**
   * apiVersions of entities besides `backstage.io/*` and `scaffolder.backstage.io/*`: a group
   * (`acme.io`, matching `acme.io/*`) or an exact apiVersion (`acme.io/v1`).
   */
  entityApiVersions?: string[];
  /** Kubernetes workloads that run Backstage (`--k8s-workload`); else the checks' heuristic. */
  kubernetesWorkloads?: string[];
  /** The deployment's scaffolder-backend version (`--scaffolder-backend-version`). */
  scaffolderBackendVersion?: string;
  /**
   * OSV for lockfile advisories: `false` off (`--offline`), a base URL (`--osv-url`), or
   * undefined: as the scanned app-config's plugins options say, else on at https://api.osv.dev.
   */
  osv?: { baseUrl: string } | false;
  /** Per-request timeout of live advisory sources; default 10 s. */
  requestTimeoutMs?: number;
  /** For tests: the fetch live sources use. */
  fetch?: typeof fetch;
}

type NewFinding = ReturnType<FindingFactory['fromResult']>;

export function isFailing(result: CheckResult) {
  return result.outcome === 'fail' || result.outcome === 'error';
}

export function errorOf(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * One scan run's state, shared by the parts that scan: what it has found so far, the run's
 * check tracking, and the app-config and checks it runs with (set by configChecks).
 */
export class ScanSession {
  readonly factory: FindingFactory;
  readonly findings: CliFinding[] = [];
  readonly templates: TemplateScore[] = [];
  readonly diagnostics: CliDiagnostic[] = [];
  readonly notes: ScanNote[] = [];
  readonly files: ScannedFile[] = [];
  readonly tracker = new CheckTracker();
  readonly logger = new CollectingLogger();
  config: Config = mergeConfigs([]);
  configSources: ConfigSource[] = [];
  configUsable = false;
  readonly resolved = new Map<string, ResolvedCheck>();
  entityChecks: ResolvedCheck[] = [];

  constructor(readonly options: ScanOptions) {
    this.factory = new FindingFactory(options.fingerprintKey);
  }

  /** A parse or include problem: reported beside the findings, never as one. */
  diagnose(diagnostic: Omit<CliDiagnostic, 'source' | 'level'> & Partial<CliDiagnostic>) {
    const key = (d: CliDiagnostic) =>
      [d.source, d.file, d.doc, d.line, d.column, d.message].join('\u0000');
    const full: CliDiagnostic = {
      source: 'files',
      level: 'warning',
      ...diagnostic,
      message: this.factory.scrub(diagnostic.message).slice(0, 500),
    };
    if (this.diagnostics.some(d => key(d) === key(full))) return;
    this.diagnostics.push(full);
  }

  note(note: ScanNote) {
    this.notes.push({
      ...note,
      message: this.factory.scrub(note.message).slice(0, 500),
    });
  }

  display(absolute: string) {
    return displayPath(this.options.root, absolute);
  }

  add(finding: NewFinding, place: Place) {
    this.findings.push(this.toCli(finding, place));
  }

  /** Turns the engine's finding into the CLI's, with its place in the files. */
  toCli(finding: NewFinding, place: Place): CliFinding {
    const evidence = finding.evidence;
    const text = (key: string) =>
      typeof evidence[key] === 'string' ? (evidence[key] as string) : undefined;
    const templateRule = finding.checkId === TEMPLATE_CHECK_ID ? text('rule') : undefined;
    const cli: CliFinding = {
      fingerprint: finding.fingerprint,
      checkId: finding.checkId,
      rule: templateRule ? `${finding.checkId}/${templateRule}` : finding.checkId,
      category: finding.category,
      severity: finding.severity,
      outcome: finding.outcome === 'error' ? 'error' : 'fail',
      title: finding.title,
      message: finding.message,
      file: place.file,
      ...(place.doc !== undefined ? { doc: place.doc } : {}),
      line: place.span.start.line,
      column: place.span.start.column,
      ...(place.span.end ? { endLine: place.span.end.line, endColumn: place.span.end.column } : {}),
      ...(place.field ? { field: this.factory.scrub(place.field) } : {}),
      ...(place.includedFile ? { includedFile: place.includedFile } : {}),
      ...(finding.location ? { location: finding.location } : {}),
      ...(finding.entityRef ? { entityRef: finding.entityRef } : {}),
      ...(finding.entityKind ? { entityKind: finding.entityKind } : {}),
      ...(templateRule && text('step') ? { templateStepId: text('step') } : {}),
      ...(text('parameter') ? { parameter: text('parameter') } : {}),
      ...(text('secretKind') ? { secretKind: text('secretKind') } : {}),
      ...(finding.checkId === 'catalog/sensitive-reference' && text('class')
        ? { referenceClass: text('class') }
        : {}),
      evidence,
      remediation: finding.remediation,
      ...(finding.docsUrl ? { docsUrl: finding.docsUrl } : {}),
    };
    return cli;
  }

  /** A finding of one of the CLI's own checks. */
  addOwn(meta: SecurityCheckMeta, result: CheckResult, place: Place) {
    const resolved = this.enabled(meta.id);
    if (!resolved) return;
    this.add(this.factory.fromResult(meta, resolved.severity, result), place);
    this.tracker.record(meta.id, [result.outcome], 1);
  }

  /** The check, unless the config disables it (then it is recorded as skipped). */
  enabled(checkId: string): ResolvedCheck | undefined {
    const resolved = this.resolved.get(checkId);
    if (resolved && !resolved.enabled) {
      this.tracker.skip(checkId, 'disabled in securityPosture.checks');
      return undefined;
    }
    return resolved;
  }
}
