import fs from 'node:fs/promises';
import { SecretMatch } from '@security-posture/static-analysis';
import { CollectingLogger } from './checkContext';
import { NOT_INSPECTED_CHECK } from './cliChecks';
import { loadConfig, resolveChecks, runConfigChecks } from './configChecks';
import { DocumentScanner } from './documentScanner';
import { collectInputs, InputFile, UsageError } from './files';
import { KubernetesManifestRunner } from './kubernetesManifests';
import { PackageAdvisories } from './packageAdvisories';
import { findSecretsInText } from './rawText';
import { ScannedFile, ScanReport } from './report';
import { buildReport, noteUnrunChecks } from './scanReport';
import { errorOf, ScanOptions, ScanSession } from './scanSession';
import { parseSuppressions } from './suppressions';
import { TemplateCheckRunner } from './templateCheck';
import { TextSecretReporter } from './textSecrets';

export type { ScanOptions };

// A file is read whole; beyond these sizes it is reported as not inspected.
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_YAML_BYTES = 16 * 1024 * 1024;

/** Runs the security-posture checks over files, as the portal runs them over the catalog. */
export class FileScanner {
  private readonly session: ScanSession;
  private readonly textSecrets: TextSecretReporter;
  private readonly advisories: PackageAdvisories;
  private readonly templateChecks: TemplateCheckRunner;
  private readonly documents: DocumentScanner;
  private readonly kubernetes: KubernetesManifestRunner;
  readonly logger: CollectingLogger;

  constructor(private readonly options: ScanOptions) {
    this.session = new ScanSession(options);
    this.logger = this.session.logger;
    this.textSecrets = new TextSecretReporter(this.session);
    this.advisories = new PackageAdvisories(this.session);
    this.templateChecks = new TemplateCheckRunner(this.session);
    this.kubernetes = new KubernetesManifestRunner(this.session);
    this.documents = new DocumentScanner(
      this.session,
      this.templateChecks,
      this.textSecrets,
      this.kubernetes,
    );
  }

  async run(): Promise<ScanReport> {
    const { options, session } = this;
    const inputs = await collectInputs(options.paths, options.cwd);
    const configInputs = await collectInputs(options.configFiles, options.cwd);
    const suppressions = [
      ...(options.suppressionsFile
        ? parseSuppressions(
            await fs.readFile(options.suppressionsFile, 'utf8'),
            session.display(options.suppressionsFile),
          )
        : []),
      ...(options.exemptions ?? []),
    ];

    // Texts are scrubbed of the secrets known when they are built, and every finding again of all
    // the run's secrets before output (see buildReport): files are read one at a time.
    const configTexts = new Map<string, string | Error>();
    for (const input of configInputs) {
      configTexts.set(input.absolute, await this.read(input.absolute));
    }
    await loadConfig(session, configInputs, configTexts);
    resolveChecks(session);
    await runConfigChecks(session);

    await this.templateChecks.resolveScaffolderVersion(inputs);

    const configPaths = new Set(configInputs.map(c => c.absolute));
    this.advisories.addLockfileDirs(inputs);
    const seen = new Set<string>();
    for (const input of [...configInputs, ...inputs]) {
      if (seen.has(input.absolute)) continue;
      seen.add(input.absolute);
      const text = configTexts.get(input.absolute) ?? (await this.read(input.absolute));
      const raw = typeof text === 'string' ? findSecretsInText(text) : [];
      for (const match of raw) session.factory.secrets.add(match.value);
      const type = configPaths.has(input.absolute) ? 'config' : input.type;
      await this.scanFile(input, type, text, raw);
    }

    // Literal credentials the Kubernetes checks reported are not reported again from raw text.
    for (const [absolute, ranges] of await this.kubernetes.run()) {
      const list = this.documents.includedCoverage.get(absolute) ?? [];
      list.push(...ranges);
      this.documents.includedCoverage.set(absolute, list);
    }
    this.textSecrets.reportPending(this.documents.includedCoverage);

    noteUnrunChecks(session, inputs);

    return buildReport(session, suppressions, this.documents.includedBy, this.advisories.sources());
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

  /** Routes a file by its type: lockfile, manifest, YAML, or only its text when it cannot be. */
  private async scanFile(
    input: InputFile,
    type: ScannedFile['type'],
    text: string | Error,
    raw: SecretMatch[],
  ) {
    const { session } = this;
    const file = session.display(input.absolute);
    const scanned: ScannedFile = {
      file,
      type,
      documents: 0,
      entities: 0,
      templates: 0,
    };
    session.files.push(scanned);
    if (typeof text !== 'string') {
      session.addOwn(
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
      await this.advisories.scanLockfile(file, text);
      this.textSecrets.report(file, text, raw, [], undefined);
      return;
    }
    if (input.type === 'manifest' && type !== 'config') {
      await this.advisories.scanManifest(input.absolute, file, text);
      this.textSecrets.report(file, text, raw, [], undefined);
      return;
    }
    if (text.length > MAX_YAML_BYTES) {
      session.addOwn(
        NOT_INSPECTED_CHECK,
        {
          outcome: 'error',
          target: { type: 'deployment' },
          location: `${file}#too-large`,
          message: `The YAML structure of ${file} (${text.length} characters, more than ${MAX_YAML_BYTES}) was not analysed; only its text was searched for secrets`,
        },
        { file, span: { start: { line: 1, column: 1 } } },
      );
      this.textSecrets.report(file, text, raw, [], undefined);
      return;
    }
    await this.documents.scanFile(input, type, text, raw, scanned);
  }

  /** Log lines of the checks, with every secret seen in the run masked. */
  logLines(): string[] {
    return this.logger.lines.map(l => `${l.level}: ${this.session.factory.scrub(l.message)}`);
  }

  scrub(text: string): string {
    return this.session.factory.scrub(text);
  }
}

export { UsageError };
