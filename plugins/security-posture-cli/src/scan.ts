import fs from 'node:fs/promises';
import path from 'node:path';
import { Entity } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import {
  CATALOG_SECRET_KINDS,
  CatalogSecretKind,
  CheckOutcome,
  compareSeverity,
  Severity,
  SEVERITIES,
  TEMPLATE_SCORES_KEY,
  TemplateScoresData,
} from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  EntitySecurityCheck,
  redactSecret,
  SecurityCheck,
  SecurityCheckMeta,
} from '@security-posture/plugin-security-posture-node';
import {
  AdvisoryIndex,
  advisoriesFromBundledDataset,
  builtInChecks,
  CheckRegistry,
  FindingFactory,
  loadPackagedBundledData,
  ResolvedCheck,
  SecretMatch,
} from '@security-posture/plugin-security-posture-backend/checks';
import { ConfigSource, configData, locateConfigKey, mergeConfigs } from './appConfig';
import { cliCheckContext, CollectingLogger } from './checkContext';
import {
  ADVISORY_CHECK_ID,
  BACKEND_ONLY_CHECKS,
  CLI_CHECKS,
  CONFIG_DEPENDENT_ENTITY_CHECKS,
  CONFIG_ONLY_CHECKS,
  NOT_INSPECTED_CHECK,
  SUPPRESSION_EXPIRED_CHECK,
  TEMPLATE_CHECK_ID,
  TEXT_SECRET_CHECK,
} from './cliChecks';
import {
  describeReason,
  EntityApiVersions,
  hasGoTemplateMarker,
  hasSkeletonMarker,
  inSkeletonDir,
  isCatalogFileName,
  NoteReason,
  reasonOfDocument,
  reasonOfPath,
} from './classify';
import { collectInputs, displayPath, InputFile, UsageError } from './files';
import { hasPlaceholder, IncludeProblem, resolveIncludes } from './includes';
import {
  advisoryResults,
  lineIndex,
  lockfileCopies,
  manifestCopies,
  PackageCopy,
} from './packages';
import { findSecretsInText } from './rawText';
import {
  CheckRun,
  CliDiagnostic,
  CliFinding,
  REPORT_SCHEMA_VERSION,
  ScannedFile,
  ScanNote,
  ScanReport,
  TemplateScore,
} from './report';
import { applySuppressions, parseSuppressions, Suppression } from './suppressions';
import {
  ScaffolderVersion,
  scaffolderVersionFromLockfiles,
  skeletonCiValues,
  templateCheckOptions,
} from './templateContext';
import {
  allScalarRanges,
  inspectedValueRanges,
  parseYamlSource,
  positionOf,
  SourceDocument,
  Span,
  spanOfField,
  spanOfValueInField,
  YamlSource,
} from './yamlSource';

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
  /** The deployment's scaffolder-backend version (`--scaffolder-backend-version`). */
  scaffolderBackendVersion?: string;
}

/** How a file is known, for the routing of its documents. */
interface FileContext {
  input: InputFile;
  file: string;
  /** Directory that includes are confined to. */
  includeRoot: string;
  /** What the path alone says the file is (workflow, kustomization, Helm chart, …). */
  pathReason?: NoteReason;
  skeletonDir: boolean;
  catalogFileName: boolean;
  /** Given with --config: its problems are diagnostics, and it is never noted as skipped. */
  isConfig: boolean;
}

/** What became of one document. */
type DocumentOutcome =
  | { type: 'entity' }
  | { type: 'diagnostic' }
  | { type: 'note'; reason: NoteReason; message?: string; offset?: number };

/** The includes of the document being analysed. */
interface IncludeScope {
  absolute: string;
  /** The document's value with its includes resolved. */
  value?: unknown;
  /** References left unresolved (remote, missing, escaping): problems inside them are not repeated. */
  unresolved: Set<string>;
}

// A file is read whole; beyond these sizes it is reported as not inspected.
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_YAML_BYTES = 16 * 1024 * 1024;

type NewFinding = ReturnType<FindingFactory['fromResult']>;

/** Where a finding sits in the scanned files. */
interface Place {
  file: string;
  doc?: number;
  span: Span;
  field?: string;
  /** The place is inside content included from this file (`$yaml` and the like). */
  includedFile?: string;
  /** The place is inside a placeholder that could not be resolved. */
  unresolved?: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFailing(result: CheckResult) {
  return result.outcome === 'fail' || result.outcome === 'error';
}

function errorOf(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** The part of a check's location that is a field path (before the `#rule` suffix). */
function fieldOf(result: CheckResult): string | undefined {
  const field = result.evidence?.field;
  if (typeof field === 'string') return field;
  return result.location?.split('#')[0] || undefined;
}

function secretLabel(kind: string): string {
  return CATALOG_SECRET_KINDS[kind as CatalogSecretKind]?.label ?? kind;
}

/** Outcomes of one check over the whole run, combined as the engine does. */
class CheckTracker {
  private readonly runs = new Map<
    string,
    {
      counts: Record<CheckOutcome, number>;
      findings: number;
      reason?: string;
      skipped?: boolean;
    }
  >();

  private entry(checkId: string) {
    let entry = this.runs.get(checkId);
    if (!entry) {
      entry = {
        counts: { fail: 0, pass: 0, error: 0, notApplicable: 0 },
        findings: 0,
      };
      this.runs.set(checkId, entry);
    }
    return entry;
  }

  record(checkId: string, outcomes: CheckOutcome[], findings: number) {
    const entry = this.entry(checkId);
    for (const outcome of outcomes) entry.counts[outcome] += 1;
    entry.findings += findings;
  }

  skip(checkId: string, reason: string) {
    const entry = this.entry(checkId);
    entry.skipped = true;
    entry.reason = reason;
  }

  note(checkId: string, reason: string) {
    this.entry(checkId).reason ??= reason;
  }

  list(): CheckRun[] {
    return [...this.runs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([checkId, { counts, findings, reason, skipped }]) => {
        let outcome: CheckRun['outcome'] = 'pass';
        if (skipped) outcome = 'skipped';
        else if (counts.error) outcome = 'error';
        else if (counts.fail) outcome = 'fail';
        else if (!counts.pass) outcome = 'notApplicable';
        return { checkId, outcome, findings, ...(reason ? { reason } : {}) };
      });
  }
}

/** Runs the security-posture checks over files, as the portal runs them over the catalog. */
export class FileScanner {
  private readonly factory: FindingFactory;
  private readonly findings: CliFinding[] = [];
  private readonly templates: TemplateScore[] = [];
  private readonly diagnostics: CliDiagnostic[] = [];
  private readonly notes: ScanNote[] = [];
  private readonly apiVersions: EntityApiVersions;
  /** Scalar ranges of included YAML files that the entity checks inspected, by absolute path. */
  private readonly includedCoverage = new Map<string, Array<[number, number]>>();
  /** Included files (display path) → the file that includes them. */
  private readonly includedBy = new Map<string, string>();
  /** Raw-text secret hits, reported once every include is known (see run()). */
  private readonly pendingText: Array<{
    absolute: string;
    file: string;
    text: string;
    raw: SecretMatch[];
    covered: Array<[number, number]>;
    source: YamlSource | undefined;
  }> = [];
  private readonly files: ScannedFile[] = [];
  private readonly tracker = new CheckTracker();
  readonly logger = new CollectingLogger();
  private config: Config = mergeConfigs([]);
  private configSources: ConfigSource[] = [];
  private configUsable = false;
  private resolved = new Map<string, ResolvedCheck>();
  private entityChecks: ResolvedCheck[] = [];
  private readonly entityContexts = new Map<string, ReturnType<typeof cliCheckContext>>();
  private advisoryIndex?: AdvisoryIndex;
  private readonly lockfileDirs = new Set<string>();
  private advisoryDataAsOf?: string;
  private scaffolder?: ScaffolderVersion & { fromFlag: boolean };

  constructor(private readonly options: ScanOptions) {
    this.factory = new FindingFactory(options.fingerprintKey);
    this.apiVersions = new EntityApiVersions(options.entityApiVersions ?? []);
  }

  /** A parse or include problem: reported beside the findings, never as one. */
  private diagnose(diagnostic: Omit<CliDiagnostic, 'source' | 'level'> & Partial<CliDiagnostic>) {
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

  private note(note: ScanNote) {
    this.notes.push({
      ...note,
      message: this.factory.scrub(note.message).slice(0, 500),
    });
  }

  private display(absolute: string) {
    return displayPath(this.options.root, absolute);
  }

  private add(finding: NewFinding, place: Place) {
    this.findings.push(this.toCli(finding, place));
  }

  /** Turns the engine's finding into the CLI's, with its place in the files. */
  private toCli(finding: NewFinding, place: Place): CliFinding {
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
  private addOwn(meta: SecurityCheckMeta, result: CheckResult, place: Place) {
    const resolved = this.enabled(meta.id);
    if (!resolved) return;
    this.add(this.factory.fromResult(meta, resolved.severity, result), place);
    this.tracker.record(meta.id, [result.outcome], 1);
  }

  async run(): Promise<ScanReport> {
    const { options } = this;
    const inputs = await collectInputs(options.paths, options.cwd);
    const configInputs = await collectInputs(options.configFiles, options.cwd);
    const suppressions = options.suppressionsFile
      ? parseSuppressions(
          await fs.readFile(options.suppressionsFile, 'utf8'),
          this.display(options.suppressionsFile),
        )
      : [];

    // Texts are scrubbed of the secrets known when they are built, and every finding again of all
    // the run's secrets before output (see report()): files are read one at a time.
    const configTexts = new Map<string, string | Error>();
    for (const input of configInputs) {
      configTexts.set(input.absolute, await this.read(input.absolute));
    }
    await this.loadConfig(configInputs, configTexts);
    this.resolveChecks();
    await this.runConfigChecks();

    this.scaffolder = options.scaffolderBackendVersion
      ? { version: options.scaffolderBackendVersion, source: '--scaffolder-backend-version', fromFlag: true }
      : await scaffolderVersionFromLockfiles(inputs, a => this.display(a)).then(v =>
          v ? { ...v, fromFlag: false } : undefined,
        );

    const configPaths = new Set(configInputs.map(c => c.absolute));
    for (const input of inputs) {
      if (input.type === 'lockfile') this.lockfileDirs.add(path.dirname(input.absolute));
    }
    const seen = new Set<string>();
    for (const input of [...configInputs, ...inputs]) {
      if (seen.has(input.absolute)) continue;
      seen.add(input.absolute);
      const text = configTexts.get(input.absolute) ?? (await this.read(input.absolute));
      const raw = typeof text === 'string' ? findSecretsInText(text) : [];
      for (const match of raw) this.factory.secrets.add(match.value);
      const type = configPaths.has(input.absolute) ? 'config' : input.type;
      await this.scanFile(input, type, text, raw);
    }

    // Raw-text secrets last: a file included by an entity ($yaml) was inspected by its checks.
    for (const pending of this.pendingText) {
      const covered = [...pending.covered, ...(this.includedCoverage.get(pending.absolute) ?? [])];
      this.reportTextSecrets(pending.file, pending.text, pending.raw, covered, pending.source);
    }

    this.noteUnrunChecks(inputs);

    return this.report(suppressions);
  }

  private async read(absolute: string): Promise<string | Error> {
    try {
      const stat = await fs.stat(absolute);
      if (stat.size > MAX_FILE_BYTES) {
        return new Error(`the file is ${stat.size} bytes, more than ${MAX_FILE_BYTES}`);
      }
      return await fs.readFile(absolute, 'utf8');
    } catch (e) {
      return errorOf(e);
    }
  }

  private async loadConfig(configInputs: InputFile[], texts: Map<string, string | Error>) {
    if (!configInputs.length) return;
    this.configUsable = true;
    for (const input of configInputs) {
      const text = texts.get(input.absolute);
      const file = this.display(input.absolute);
      if (typeof text !== 'string') {
        this.configUsable = false;
        continue;
      }
      // A credential in the config is masked in what the config checks say about it.
      for (const match of findSecretsInText(text)) this.factory.secrets.add(match.value);
      const source = parseYamlSource(text);
      const data = configData(source);
      if (!data) this.configUsable = false;
      this.configSources.push({ file, source, data });
    }
    this.config = mergeConfigs(this.configSources);
  }

  private resolveChecks() {
    const registry = new CheckRegistry(this.config);
    registry.add(...builtInChecks);
    // The CLI's own checks honour `securityPosture.checks.files.<name>` overrides too.
    const own = new CheckRegistry(this.config);
    own.add(
      ...CLI_CHECKS.map(
        (meta): SecurityCheck => ({
          meta,
          scope: 'deployment',
          run: async () => [],
        }),
      ),
    );
    try {
      for (const resolved of [...registry.list(), ...own.list()]) {
        this.resolved.set(resolved.check.meta.id, resolved);
      }
    } catch (e) {
      // An invalid `securityPosture.checks` override in the given config.
      throw new UsageError(errorOf(e).message);
    }

    this.entityChecks = [...this.resolved.values()].filter(r => {
      if (r.check.scope !== 'entity') return false;
      if (!r.enabled) {
        this.tracker.skip(r.check.meta.id, 'disabled in securityPosture.checks');
        return false;
      }
      if (CONFIG_DEPENDENT_ENTITY_CHECKS.has(r.check.meta.id) && !this.configUsable) {
        this.tracker.skip(
          r.check.meta.id,
          'its answer depends on the deployment config: give the app-config with --config',
        );
        return false;
      }
      return true;
    });
  }

  private enabled(checkId: string): ResolvedCheck | undefined {
    const resolved = this.resolved.get(checkId);
    if (resolved && !resolved.enabled) {
      this.tracker.skip(checkId, 'disabled in securityPosture.checks');
      return undefined;
    }
    return resolved;
  }

  private async scanFile(
    input: InputFile,
    type: ScannedFile['type'],
    text: string | Error,
    raw: SecretMatch[],
  ) {
    const file = this.display(input.absolute);
    const scanned: ScannedFile = {
      file,
      type,
      documents: 0,
      entities: 0,
      templates: 0,
    };
    this.files.push(scanned);
    if (typeof text !== 'string') {
      this.addOwn(
        NOT_INSPECTED_CHECK,
        {
          outcome: 'error',
          target: { type: 'deployment' },
          location: `${file}#unreadable`,
          message: `${file} was not inspected: ${text.message}`,
        },
        { file, span: { start: { line: 1, column: 1 } } },
      );
      return;
    }
    if (input.type === 'lockfile' && type !== 'config') {
      await this.scanLockfile(file, text);
      this.reportTextSecrets(file, text, raw, [], undefined);
      return;
    }
    if (input.type === 'manifest' && type !== 'config') {
      if (!this.lockfileDirs.has(path.dirname(input.absolute))) {
        await this.scanManifest(file, text);
      }
      this.reportTextSecrets(file, text, raw, [], undefined);
      return;
    }
    if (text.length > MAX_YAML_BYTES) {
      this.addOwn(
        NOT_INSPECTED_CHECK,
        {
          outcome: 'error',
          target: { type: 'deployment' },
          location: `${file}#too-large`,
          message: `The YAML structure of ${file} (${text.length} characters, more than ${MAX_YAML_BYTES}) was not analysed; only its text was searched for secrets`,
        },
        { file, span: { start: { line: 1, column: 1 } } },
      );
      this.reportTextSecrets(file, text, raw, [], undefined);
      return;
    }
    const context: FileContext = {
      input,
      file,
      includeRoot: this.includeRoot(input),
      pathReason: type === 'config' ? undefined : reasonOfPath(input.absolute),
      skeletonDir: inSkeletonDir(input.absolute),
      catalogFileName: isCatalogFileName(input.absolute),
      isConfig: type === 'config',
    };
    if (context.pathReason === 'helm-chart') {
      // Go templates: not YAML until Helm renders them. Only their text is searched.
      this.note({
        reason: 'helm-chart',
        file,
        message: `${file}: ${describeReason('helm-chart')}`,
      });
      this.deferTextSecrets(input.absolute, file, text, raw, [], undefined);
      return;
    }
    const source = parseYamlSource(text);
    scanned.documents = source.documents.length;
    const covered: Array<[number, number]> = [];
    const outcomes: DocumentOutcome[] = [];
    for (const doc of source.documents) {
      outcomes.push(await this.scanDocument(context, source, doc, scanned, covered));
    }
    if (type !== 'config') this.noteDocuments(context, source, outcomes);
    this.deferTextSecrets(input.absolute, file, text, raw, covered, source);
  }

  private deferTextSecrets(
    absolute: string,
    file: string,
    text: string,
    raw: SecretMatch[],
    covered: Array<[number, number]>,
    source: YamlSource | undefined,
  ) {
    if (!raw.length) this.reportTextSecrets(file, text, raw, covered, source);
    else this.pendingText.push({ absolute, file, text, raw, covered, source });
  }

  /** Includes stay inside the report root (the repository in CI), else the scanned folder. */
  private includeRoot(input: InputFile): string {
    const root = path.resolve(this.options.root);
    const relative = path.relative(root, input.absolute);
    if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) return root;
    return input.base ?? path.dirname(input.absolute);
  }

  /** One note for a file that holds no entity; one per skipped document of a file that does. */
  private noteDocuments(context: FileContext, source: YamlSource, outcomes: DocumentOutcome[]) {
    const { file } = context;
    const notes = outcomes
      .map((outcome, index) => ({ outcome, index }))
      .filter(
        (
          o,
        ): o is {
          outcome: Extract<DocumentOutcome, { type: 'note' }>;
          index: number;
        } => o.outcome.type === 'note',
      );
    const analysed = outcomes.some(o => o.type !== 'note');
    if (!analysed) {
      const first = notes.find(n => n.outcome.reason !== 'empty') ?? notes[0];
      const reason: NoteReason = first?.outcome.reason ?? context.pathReason ?? 'empty';
      const detail = first?.outcome.message;
      this.note({
        reason,
        file,
        message: `${file}: ${describeReason(reason)}${detail ? ` (${detail})` : ''}`,
        ...(first?.outcome.offset !== undefined
          ? { doc: first.index, ...positionOf(source, first.outcome.offset) }
          : {}),
      });
      return;
    }
    for (const { outcome, index } of notes) {
      if (outcome.reason === 'empty') continue;
      this.note({
        reason: outcome.reason,
        file,
        doc: index,
        message: `${file}, document ${index}: ${describeReason(outcome.reason)}${
          outcome.message ? ` (${outcome.message})` : ''
        }`,
        ...(outcome.offset !== undefined ? positionOf(source, outcome.offset) : {}),
      });
    }
  }

  private parseError(
    file: string,
    source: YamlSource,
    doc: SourceDocument,
    code: string,
    message: string,
    offset: number,
  ): DocumentOutcome {
    this.diagnose({
      code,
      file,
      doc: doc.index,
      message: `${file}, document ${doc.index}: ${message}`,
      ...positionOf(source, offset),
    });
    return { type: 'diagnostic' };
  }

  private async scanDocument(
    context: FileContext,
    source: YamlSource,
    doc: SourceDocument,
    scanned: ScannedFile,
    covered: Array<[number, number]>,
  ): Promise<DocumentOutcome> {
    const { file } = context;
    const start = doc.document.contents?.range?.[0] ?? doc.document.range[0];
    const docText = source.text.slice(doc.document.range[0], doc.document.range[2]);
    if (doc.error) {
      if (context.pathReason) return { type: 'note', reason: context.pathReason };
      if (hasGoTemplateMarker(docText)) return { type: 'note', reason: 'templated' };
      if (context.skeletonDir || hasSkeletonMarker(docText)) {
        return { type: 'note', reason: 'skeleton' };
      }
      if (this.apiVersions.declaredIn(docText) || context.catalogFileName || context.isConfig) {
        return this.parseError(
          file,
          source,
          doc,
          'yaml-syntax',
          `not valid YAML: ${doc.error.message}`,
          doc.error.offset,
        );
      }
      return {
        type: 'note',
        reason: 'invalid-yaml',
        message: doc.error.message,
        offset: doc.error.offset,
      };
    }
    const value = doc.value;
    if (value === null || value === undefined) return { type: 'note', reason: 'empty' };
    if (Array.isArray(value)) {
      if (value.some(item => isObject(item) && this.apiVersions.matches(item.apiVersion))) {
        return this.parseError(
          file,
          source,
          doc,
          'entity-list',
          'the document is a list; the catalog reads one entity per YAML document (separate them with ---)',
          start,
        );
      }
      return {
        type: 'note',
        reason: reasonOfDocument(value, context.input.absolute),
      };
    }
    if (context.pathReason) return { type: 'note', reason: context.pathReason };
    if (!isObject(value) || !this.apiVersions.matches(value.apiVersion)) {
      // Not an entity: a manifest of another API, a config file, a workflow, … (its text is
      // still searched for secrets).
      const reason = reasonOfDocument(value, context.input.absolute);
      const what =
        isObject(value) && typeof value.apiVersion === 'string'
          ? `apiVersion ${String(value.apiVersion).slice(0, 80)}${
              typeof value.kind === 'string' ? `, kind ${value.kind.slice(0, 80)}` : ''
            }`
          : undefined;
      return { type: 'note', reason, ...(what ? { message: what } : {}) };
    }
    const isTemplate = value.kind === 'Template';
    // `${{ values.x }}` is a skeleton's (fetch:template) syntax, never a template's own.
    if ((!isTemplate && context.skeletonDir) || hasSkeletonMarker(docText)) {
      return { type: 'note', reason: 'skeleton' };
    }
    if (hasGoTemplateMarker(docText)) return { type: 'note', reason: 'templated' };
    if (typeof value.kind !== 'string' || !value.kind) {
      return this.parseError(
        file,
        source,
        doc,
        'entity-without-kind',
        `a ${String(value.apiVersion)} document without kind`,
        start,
      );
    }
    const metadata = value.metadata;
    const named = isObject(metadata) && typeof metadata.name === 'string' && metadata.name !== '';
    if (!named && !isTemplate) {
      return this.parseError(
        file,
        source,
        doc,
        'entity-without-name',
        `a ${value.kind} entity without metadata.name`,
        start,
      );
    }
    const scope: IncludeScope = {
      absolute: context.input.absolute,
      unresolved: new Set(),
    };
    let entityValue: Record<string, unknown> = value;
    let inspectedIncludes: Array<{
      absolute: string;
      ranges: Array<[number, number]>;
    }> = [];
    if (hasPlaceholder(value)) {
      const result = await resolveIncludes(
        value,
        { absolute: context.input.absolute, source, document: doc.document },
        { root: context.includeRoot },
      );
      entityValue = result.value as Record<string, unknown>;
      scope.value = entityValue;
      for (const problem of result.problems) this.includeProblem(problem, doc, scope);
      for (const included of result.included) {
        for (const match of findSecretsInText(included.text)) this.factory.secrets.add(match.value);
        const shown = this.display(included.absolute);
        if (!this.includedBy.has(shown)) this.includedBy.set(shown, this.display(included.by));
      }
      inspectedIncludes = result.included
        .filter(i => i.source)
        .map(i => ({
          absolute: i.absolute,
          ranges: i.source!.documents.flatMap(d => allScalarRanges(d.document)),
        }));
    }
    if (isTemplate) {
      scanned.templates += 1;
      await this.runTemplateCheck(file, source, doc, entityValue, scope);
    }
    if (!named) return { type: 'entity' };
    scanned.entities += 1;
    const entity = entityValue as unknown as Entity;
    await this.runEntityChecks(file, source, doc, entity, scope);
    if (this.entityChecks.some(r => r.check.meta.id === 'catalog/leaked-secret')) {
      covered.push(...inspectedValueRanges(doc.document));
      for (const { absolute, ranges } of inspectedIncludes) {
        const list = this.includedCoverage.get(absolute) ?? [];
        list.push(...ranges);
        this.includedCoverage.set(absolute, list);
      }
    }
    return { type: 'entity' };
  }

  /** An include that could not be resolved: a diagnostic, or a note for a remote one. */
  private includeProblem(problem: IncludeProblem, doc: SourceDocument, scope: IncludeScope) {
    if (problem.ref !== undefined && problem.file === scope.absolute) {
      scope.unresolved.add(problem.ref);
    }
    const file = this.display(problem.file);
    const position =
      problem.source && problem.offset !== undefined
        ? positionOf(problem.source, problem.offset)
        : { line: 1, column: 1 };
    const sameFile = problem.file === scope.absolute;
    if (problem.kind === 'note') {
      this.note({
        reason: 'remote-include',
        file,
        ...(sameFile ? { doc: doc.index } : {}),
        ...position,
        message: `${file}:${position.line}: ${problem.message}`,
      });
      return;
    }
    this.diagnose({
      code: problem.code,
      file,
      ...(sameFile ? { doc: doc.index } : {}),
      ...position,
      message: `${file}:${position.line}: ${problem.message}`,
    });
  }

  /** Place of a result inside a document; paths that name no field point at the entity's name. */
  private placeInDocument(
    file: string,
    source: YamlSource,
    doc: SourceDocument,
    result: Pick<CheckResult, 'evidence' | 'location' | 'secret'>,
    scope?: IncludeScope,
  ): Place {
    const field = fieldOf(result as CheckResult);
    let span: ReturnType<typeof spanOfField> | undefined;
    if (field && result.secret?.value) {
      span = spanOfValueInField(source, doc.document, field, result.secret.value, scope?.value);
    } else if (field) {
      span = spanOfField(source, doc.document, field, scope?.value);
    }
    if (!span || span.depth === 0) span = spanOfField(source, doc.document, 'metadata.name');
    // Inside an included file: the placeholder's line, and the included file named.
    const placeholder = span.placeholder;
    const includedFile =
      placeholder && scope && !scope.unresolved.has(placeholder.ref)
        ? this.display(path.resolve(path.dirname(scope.absolute), placeholder.ref.split('#')[0]))
        : undefined;
    return {
      file,
      doc: doc.index,
      span,
      ...(field ? { field } : {}),
      ...(includedFile ? { includedFile } : {}),
      ...(placeholder && scope?.unresolved.has(placeholder.ref) ? { unresolved: true } : {}),
    };
  }

  private async runEntityChecks(
    file: string,
    source: YamlSource,
    doc: SourceDocument,
    entity: Entity,
    scope: IncludeScope,
  ) {
    for (const resolved of this.entityChecks) {
      const check = resolved.check as EntitySecurityCheck;
      const { meta } = check;
      let context = this.entityContexts.get(meta.id);
      if (!context) {
        context = cliCheckContext({
          config: this.config,
          checkOptions: resolved.options,
          logger: this.logger,
          checkId: meta.id,
        });
        this.entityContexts.set(meta.id, context);
      }
      try {
        if (check.appliesTo && !check.appliesTo(entity)) continue;
        const results = await check.evaluate(entity, context);
        const failing = results.filter(isFailing);
        const findings = this.factory.fromResults(meta, resolved.severity, results, entity);
        findings.forEach((finding, i) =>
          this.add(finding, this.placeInDocument(file, source, doc, failing[i], scope)),
        );
        this.tracker.record(
          meta.id,
          results.map(r => r.outcome),
          findings.length,
        );
      } catch (e) {
        const finding = this.factory.fromError(meta, resolved.severity, errorOf(e), entity);
        this.add(finding, {
          file,
          doc: doc.index,
          span: spanOfField(source, doc.document, 'metadata.name'),
        });
        this.tracker.record(meta.id, ['error'], 1);
      }
    }
  }

  /** The template check, run as the portal runs it, over a catalog holding this one template. */
  private async runTemplateCheck(
    file: string,
    source: YamlSource,
    doc: SourceDocument,
    template: Record<string, unknown>,
    scope: IncludeScope,
  ) {
    const resolved = this.enabled(TEMPLATE_CHECK_ID);
    if (!resolved || resolved.check.scope !== 'deployment') return;
    const { meta } = resolved.check;
    const published = new Map<string, JsonValue>();
    const metadata = (template.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    const ref = `template:${
      typeof metadata.namespace === 'string' ? metadata.namespace : 'default'
    }/${typeof metadata.name === 'string' ? metadata.name : ''}`;
    // Skeleton CI files whose shell lines render template values.
    const ciValues = await skeletonCiValues(scope.absolute, template, this.options.root);
    const context = cliCheckContext({
      config: this.config,
      checkOptions: templateCheckOptions(resolved.options, {
        scaffolder: this.scaffolder,
        skeletonCiValues: ciValues ? { [ref]: ciValues } : undefined,
      }),
      logger: this.logger,
      entities: [template as unknown as Entity],
      published,
      checkId: meta.id,
    });
    try {
      const all = await resolved.check.run(context);
      // Parse problems are diagnostics, not findings: the analyser publishes them with the
      // scores (`diagnostics`); an analyser that still reports `parse-error` results is read
      // the same way.
      // A template the analyser could not read at all is an `error` result with diagnostics.
      const problems = all.filter(
        r =>
          (isFailing(r) && r.evidence?.rule === 'parse-error') ||
          (r.outcome === 'error' &&
            r.location === 'template-analysis' &&
            r.evidence?.diagnostics !== undefined),
      );
      const results = all.filter(r => !problems.includes(r));
      const failing = results.filter(isFailing);
      const findings = this.factory.fromResults(meta, resolved.severity, results);
      findings.forEach((finding, i) =>
        this.add(finding, this.placeInDocument(file, source, doc, failing[i], scope)),
      );
      const outcomes = results.map(r => r.outcome);
      this.tracker.record(meta.id, outcomes.length ? outcomes : ['pass'], findings.length);
      const data = published.get(`${meta.id}#${TEMPLATE_SCORES_KEY}`) as
        | (TemplateScoresData & JsonValue)
        | undefined;
      const entityRef = data?.templates?.[0]?.entityRef;
      const diagnostics: Array<{
        location?: string;
        message: string;
        stepId?: string;
      }> = [
        ...problems.map(r => ({
          location: r.location,
          message: r.message ?? r.title ?? 'the template could not be read',
          stepId: typeof r.evidence?.step === 'string' ? r.evidence.step : undefined,
        })),
        ...(data?.templates ?? []).flatMap(t => t.diagnostics ?? []),
      ];
      for (const d of diagnostics) {
        const place = this.placeInDocument(
          file,
          source,
          doc,
          { location: d.location, evidence: {} },
          scope,
        );
        // A problem inside an include that was not resolved is that include's diagnostic.
        if (place.unresolved) continue;
        this.diagnose({
          source: meta.id,
          code: 'template-parse',
          file,
          doc: doc.index,
          line: place.span.start.line,
          column: place.span.start.column,
          ...(place.span.end
            ? { endLine: place.span.end.line, endColumn: place.span.end.column }
            : {}),
          ...(place.field ? { field: this.factory.scrub(place.field) } : {}),
          ...(entityRef ? { entityRef } : {}),
          ...(d.stepId ? { templateStepId: d.stepId } : {}),
          ...(place.includedFile ? { includedFile: place.includedFile } : {}),
          message: d.message,
        });
      }
      for (const score of data?.templates ?? []) {
        this.templates.push({
          file,
          doc: doc.index,
          entityRef: score.entityRef,
          ...(score.title ? { title: this.factory.scrub(score.title) } : {}),
          score: score.score,
          band: score.band,
          legacy: score.legacy,
          parseError: score.parseError ?? false,
          findingCount: score.findingCount,
        });
      }
    } catch (e) {
      const finding = this.factory.fromError(meta, resolved.severity, errorOf(e));
      this.add(finding, {
        file,
        doc: doc.index,
        span: spanOfField(source, doc.document, 'metadata.name'),
      });
      this.tracker.record(meta.id, ['error'], 1);
    }
  }

  /** Secrets in the raw text, except inside fields the entity checks already inspected. */
  private reportTextSecrets(
    file: string,
    text: string,
    matches: SecretMatch[],
    covered: Array<[number, number]>,
    source: YamlSource | undefined,
  ) {
    const resolved = this.enabled(TEXT_SECRET_CHECK.id);
    if (!resolved) return;
    const lineStarts: number[] = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const positionAt = (offset: number) => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return {
        line: lo + 1,
        column: offset - lineStarts[lo] + 1,
        lineStart: lineStarts[lo],
      };
    };
    const occurrences = new Map<string, number>();
    let reported = 0;
    for (const match of matches) {
      if (covered.some(([from, to]) => match.start >= from && match.start < to)) continue;
      const start = positionAt(match.start);
      const end = positionAt(match.end);
      const before = text.slice(start.lineStart, match.start);
      const failedDocument = source?.documents.find(
        d => d.error && match.start >= d.document.range[0] && match.start < d.document.range[2],
      );
      let where =
        'in text that no entity check inspects (a key, a config file, a non-entity document)';
      if (failedDocument) where = 'in a YAML document that cannot be parsed';
      else if (/(?:^|\s)#/.test(before)) where = 'in a comment';
      else if (!source) where = 'in the file text';
      const label = secretLabel(match.kind);
      // Named by the secret's fingerprint: stable when lines move, distinct per secret.
      const { fingerprint } = redactSecret(match.value, this.options.fingerprintKey);
      const base = `${file}#${match.kind}@${fingerprint}`;
      const n = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, n);
      const result: CheckResult = {
        outcome: 'fail',
        target: { type: 'deployment' },
        location: n === 1 ? base : `${base}:${n}`,
        title: match.example ? `Documentation example ${label} in file` : `${label} in file text`,
        message: match.example
          ? `${file}:${start.line}:${start.column} holds a well-known documentation example ${label} ${where}; not a live credential`
          : `${file}:${start.line}:${start.column} holds a ${label} ${where}`,
        severity: match.severity,
        evidence: {
          file,
          line: start.line,
          classification: match.example ? 'example' : 'secret',
          basis: match.basis,
        },
        secret: { value: match.value, kind: match.kind },
      };
      this.add(this.factory.fromResult(TEXT_SECRET_CHECK, resolved.severity, result), {
        file,
        ...(source ? { doc: this.documentAt(source, match.start) } : {}),
        span: {
          start: { line: start.line, column: start.column },
          end: { line: end.line, column: end.column },
        },
      });
      reported += 1;
    }
    this.tracker.record(TEXT_SECRET_CHECK.id, [reported ? 'fail' : 'pass'], reported);
  }

  /** The document holding an offset; comments before a document belong to it. */
  private documentAt(source: YamlSource, offset: number): number | undefined {
    const doc = source.documents.find(d => offset < d.document.range[2]);
    return doc?.index ?? source.documents[source.documents.length - 1]?.index;
  }

  /** The bundled advisory dataset, loaded once; undefined (and the check skipped) without it. */
  private async advisories(checkId: string): Promise<AdvisoryIndex | undefined> {
    if (!this.advisoryIndex) {
      const bundled = await loadPackagedBundledData();
      if (!bundled.advisories) {
        this.tracker.skip(checkId, 'the bundled advisory dataset was not found');
        return undefined;
      }
      this.advisoryIndex = new AdvisoryIndex(advisoriesFromBundledDataset(bundled.advisories));
      this.advisoryDataAsOf = bundled.advisories.compiledAt;
    }
    return this.advisoryIndex;
  }

  private packageFileError(file: string, what: string, e: unknown) {
    this.diagnose({
      code: what === 'lockfile' ? 'lockfile-syntax' : 'manifest-syntax',
      file,
      line: 1,
      column: 1,
      message: `${file} cannot be parsed as a ${what}: ${errorOf(e).message}`,
    });
  }

  /** Installed versions in a lockfile against the bundled advisory dataset, offline. */
  private async scanLockfile(file: string, text: string) {
    let copies: PackageCopy[];
    try {
      copies = lockfileCopies(file, text);
    } catch (e) {
      this.packageFileError(file, 'lockfile', e);
      return;
    }
    await this.reportAdvisories(file, text, copies, 'installed');
  }

  /** Exact versions of a `package.json` with no lockfile scanned beside it. */
  private async scanManifest(file: string, text: string) {
    let copies: PackageCopy[];
    try {
      copies = manifestCopies(text);
    } catch (e) {
      this.packageFileError(file, 'package manifest', e);
      return;
    }
    await this.reportAdvisories(file, text, copies, 'pinned');
  }

  private async reportAdvisories(
    file: string,
    text: string,
    copies: PackageCopy[],
    how: 'installed' | 'pinned',
  ) {
    const resolved = this.enabled(ADVISORY_CHECK_ID);
    if (!resolved) return;
    const { meta } = resolved.check;
    const index = await this.advisories(meta.id);
    if (!index) return;
    const results = advisoryResults(index, file, copies, {
      how,
      dataset: `bundled (${this.advisoryDataAsOf})`,
    });
    const lines = { lineCounter: lineIndex(text) };
    const findings = this.factory.fromResults(
      meta,
      resolved.severity,
      results.map(r => r.result),
    );
    findings.forEach((finding, i) =>
      this.add(finding, {
        file,
        span: { start: positionOf(lines, results[i].offset) },
      }),
    );
    this.tracker.record(
      meta.id,
      results.length ? results.map(() => 'fail') : ['pass'],
      findings.length,
    );
    this.tracker.note(meta.id, `offline: bundled advisory dataset of ${this.advisoryDataAsOf}`);
  }

  private async runConfigChecks() {
    for (const checkId of CONFIG_ONLY_CHECKS) {
      const resolved = this.resolved.get(checkId);
      if (!resolved) continue;
      if (!this.configSources.length) {
        this.tracker.skip(checkId, 'no app-config given (--config)');
        continue;
      }
      if (!this.configUsable) {
        this.tracker.skip(checkId, 'an app-config file could not be read or parsed');
        continue;
      }
      if (!this.enabled(checkId) || resolved.check.scope !== 'deployment') continue;
      const { meta } = resolved.check;
      const context = cliCheckContext({
        config: this.config,
        checkOptions: resolved.options,
        logger: this.logger,
        checkId,
      });
      try {
        const results = await resolved.check.run(context);
        const failing = results.filter(isFailing);
        const findings = this.factory.fromResults(meta, resolved.severity, results);
        findings.forEach((finding, i) => this.add(finding, this.placeInConfig(failing[i])));
        this.tracker.record(
          checkId,
          results.map(r => r.outcome),
          findings.length,
        );
      } catch (e) {
        const finding = this.factory.fromError(meta, resolved.severity, errorOf(e));
        this.add(finding, this.placeInConfig(undefined));
        this.tracker.record(checkId, ['error'], 1);
      }
    }
  }

  /** Where a config check's result points: its location, else its target key, in the configs. */
  private placeInConfig(result: CheckResult | undefined): Place {
    const keys = [
      result?.location,
      result?.target.type === 'config' ? result.target.path : undefined,
    ].filter((k): k is string => !!k);
    let best = locateConfigKey(this.configSources, undefined);
    for (const key of keys) {
      const found = locateConfigKey(this.configSources, key);
      if (found.depth > best.depth) best = found;
    }
    return {
      file: best.file,
      doc: 0,
      span: best.span,
      ...(best.field ? { field: best.field } : {}),
    };
  }

  /** Checks that did not run say why. */
  private noteUnrunChecks(inputs: InputFile[]) {
    for (const [checkId, resolved] of this.resolved) {
      if (BACKEND_ONLY_CHECKS[checkId]) {
        this.tracker.skip(checkId, `needs a running backend: ${BACKEND_ONLY_CHECKS[checkId]}`);
      } else if (checkId === TEMPLATE_CHECK_ID) {
        this.tracker.note(checkId, 'run for every kind: Template document');
        this.tracker.record(checkId, [], 0);
      } else if (checkId === ADVISORY_CHECK_ID) {
        if (!inputs.some(i => i.type === 'lockfile' || i.type === 'manifest')) {
          this.tracker.note(checkId, 'no lockfile or package.json given');
        }
        this.tracker.record(checkId, [], 0);
      } else if (resolved.check.scope === 'entity' || CONFIG_ONLY_CHECKS.has(checkId)) {
        this.tracker.record(checkId, [], 0);
      } else if (checkId === SUPPRESSION_EXPIRED_CHECK.id) {
        this.tracker.record(checkId, this.options.suppressionsFile ? ['pass'] : [], 0);
      } else if (CLI_CHECKS.some(c => c.id === checkId)) {
        // The file checks looked at every file: with no finding, they passed.
        this.tracker.record(checkId, this.files.length ? ['pass'] : [], 0);
      } else {
        this.tracker.skip(checkId, 'not classified for CLI mode (see docs/cli.md)');
      }
    }
  }

  private report(suppressions: Suppression[]): ScanReport {
    const { options } = this;
    // Every secret of the run is known now: mask it wherever an earlier text may still hold it.
    const findings = this.findings.map(f => this.scrubFinding(f));
    const outcome = applySuppressions(findings, suppressions, options.now);
    const kept = [...outcome.kept];
    const expiredResolved = this.enabled(SUPPRESSION_EXPIRED_CHECK.id);
    for (const s of outcome.expired) {
      if (!expiredResolved) break;
      const what = s.fingerprint
        ? `fingerprint ${s.fingerprint}`
        : `${s.rule} at ${s.file ?? s.entityRef}${s.line ? `:${s.line}` : ''}`;
      const finding = this.factory.fromResult(SUPPRESSION_EXPIRED_CHECK, expiredResolved.severity, {
        outcome: 'fail',
        target: { type: 'deployment' },
        location: `${s.source.file}#${what}`,
        message: `The suppression of ${what} expired on ${s.expires} (reason given: ${s.reason}); what it covered is reported again`,
        evidence: { expires: s.expires, reason: s.reason },
      });
      kept.push(
        this.toCli(finding, {
          file: s.source.file,
          span: { start: { line: s.source.line, column: 1 } },
        }),
      );
    }
    if (outcome.expired.length) {
      this.tracker.record(
        SUPPRESSION_EXPIRED_CHECK.id,
        outcome.expired.map(() => 'fail'),
        outcome.expired.length,
      );
    }
    const order = (a: CliFinding, b: CliFinding) =>
      compareSeverity(a.severity, b.severity) ||
      a.file.localeCompare(b.file) ||
      (a.doc ?? 0) - (b.doc ?? 0) ||
      a.line - b.line ||
      a.column - b.column ||
      a.rule.localeCompare(b.rule);
    kept.sort(order);
    const failOnRank = options.failOn === 'none' ? -1 : SEVERITIES.indexOf(options.failOn);
    const failing = kept.filter(f => SEVERITIES.indexOf(f.severity) <= failOnRank).length;
    const bySeverity = Object.fromEntries(SEVERITIES.map(s => [s, 0])) as Record<Severity, number>;
    for (const f of kept) bySeverity[f.severity] += 1;
    const diagnostics = this.diagnostics
      .map(d => this.scrubDiagnostic(d))
      .sort(
        (a, b) =>
          a.file.localeCompare(b.file) ||
          (a.doc ?? 0) - (b.doc ?? 0) ||
          a.line - b.line ||
          a.column - b.column ||
          a.message.localeCompare(b.message),
      );
    const notes = this.notes
      .map((n): ScanNote => {
        const by = this.includedBy.get(n.file);
        if (by && n.doc === undefined && n.reason !== 'remote-include') {
          return {
            reason: 'included-file',
            file: n.file,
            message: `${n.file}: included by ${by} ($yaml/$json/$text) and analysed as part of it`,
          };
        }
        return { ...n, message: this.factory.scrub(n.message) };
      })
      .sort((a, b) => a.file.localeCompare(b.file) || (a.doc ?? -1) - (b.doc ?? -1));
    const notesByReason: Partial<Record<NoteReason, number>> = {};
    for (const n of notes) notesByReason[n.reason] = (notesByReason[n.reason] ?? 0) + 1;
    const describe = (s: Suppression) => ({
      ...(s.rule ? { rule: s.rule } : {}),
      ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}),
      reason: this.factory.scrub(s.reason),
      expires: s.expires,
      source: s.source,
    });
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: { name: 'security-posture', version: options.version },
      generatedAt: options.now.toISOString(),
      root: options.root,
      failOn: options.failOn,
      failing,
      failOnDiagnostics: options.failOnDiagnostics ?? false,
      files: this.files,
      configFiles: this.configSources.map(s => s.file),
      findings: kept,
      suppressed: outcome.suppressed
        .map(({ finding, by }) => ({
          ...finding,
          suppression: {
            reason: this.factory.scrub(by.reason),
            expires: by.expires,
            source: by.source,
          },
        }))
        .sort(order),
      templates: this.templates.map(t =>
        t.title ? { ...t, title: this.factory.scrub(t.title) } : t,
      ),
      diagnostics,
      notes,
      checks: this.tracker.list(),
      suppressions: {
        ...(options.suppressionsFile ? { file: this.display(options.suppressionsFile) } : {}),
        expired: outcome.expired.map(describe),
        unused: outcome.unused.map(describe),
      },
      summary: {
        findings: kept.length,
        suppressed: outcome.suppressed.length,
        bySeverity,
        diagnostics: diagnostics.length,
        notes: notes.length,
        notesByReason,
      },
    };
  }

  private scrubFinding(finding: CliFinding): CliFinding {
    const keep = new Set(['fingerprint', 'checkId', 'rule', 'category', 'severity', 'outcome']);
    const scrubbed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(finding)) {
      if (typeof value === 'string' && !keep.has(key)) scrubbed[key] = this.factory.scrub(value);
      else if (key === 'evidence') scrubbed[key] = this.factory.scrubJson(value as JsonValue);
      else scrubbed[key] = value;
    }
    return scrubbed as unknown as CliFinding;
  }

  private scrubDiagnostic(diagnostic: CliDiagnostic): CliDiagnostic {
    const scrubbed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(diagnostic)) {
      scrubbed[key] = typeof value === 'string' ? this.factory.scrub(value) : value;
    }
    return scrubbed as unknown as CliDiagnostic;
  }

  /** Log lines of the checks, with every secret seen in the run masked. */
  logLines(): string[] {
    return this.logger.lines.map(l => `${l.level}: ${this.factory.scrub(l.message)}`);
  }

  scrub(text: string): string {
    return this.factory.scrub(text);
  }
}

export { UsageError };
