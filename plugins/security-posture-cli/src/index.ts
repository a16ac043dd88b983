import fs from 'node:fs';
import path from 'node:path';
import { isSeverity, Severity } from '@security-posture/plugin-security-posture-common';
import { builtInChecks } from '@security-posture/checks';
import { CLI_CHECKS } from './cliChecks';
import { UsageError } from './files';
import { toCsv } from './format/csv';
import { RuleInfo, toSarif } from './format/sarif';
import { toTable } from './format/table';
import { ScanReport } from './report';
import { FileScanner } from './scan';
import {
  exemptionsToSuppressions,
  readExemptionsJson,
  renderSuppressionsFile,
  suppressionsFromExemptionsJson,
} from './exemptions';
import packageJson from '../package.json';
import { detectCommand } from './detectCommand';

export type { CliDiagnostic, CliFinding, ScanNote, ScanReport } from './report';
export { FileScanner } from './scan';

const FORMATS = ['table', 'json', 'sarif', 'csv'] as const;
type Format = (typeof FORMATS)[number];

export const DEFAULT_SUPPRESSIONS_FILE = '.security-posture-suppressions.yaml';
/** Environment variables of the deployed backend that checks read; the CI job's are not it. */
const DEPLOYMENT_ENV = ['NODE_ENV', 'LOG_LEVEL'];

const EXEMPTIONS_USAGE = `Usage: security-posture exemptions export <file> [-o <file>]

Writes the portal's exemptions as a suppressions file, so that CI and the portal agree. <file> is
the JSON of GET /api/security-posture/exemptions (or - for standard input), e.g.

  curl -H "Authorization: Bearer $TOKEN" \\
    "$BACKSTAGE/api/security-posture/exemptions?state=active&limit=200" > exemptions.json
  security-posture exemptions export exemptions.json -o .security-posture-suppressions.yaml

Active exemptions only: one finding (fingerprint), a check on an entity, a config path or a kind
(exemptions of an owner's entities are skipped, with a note). The expiry becomes the last day the
exemption applies. \`scan --exemptions exemptions.json\` reads the same JSON without a file.
`;

const USAGE = `Usage: security-posture scan [paths...] [options]
       security-posture exemptions export <file> [-o <file>]
       security-posture detect <auditor log...> [options]   (see detect --help)

Runs the security-posture checks over catalog entity files, scaffolder templates, app-config
files, lockfiles and package.json files. Directories are walked for *.yaml, *.yml,
package-lock.json, npm-shrinkwrap.json, yarn.lock and package.json.

Options:
  -c, --config <file>         app-config file; repeat to merge in order (later files win)
  -f, --format <format>       table | json | sarif | csv (default: table on a terminal, else json)
  -o, --output <file>         write the report to a file instead of standard output
      --report <format>=<file>
                              also write the report in another format; repeatable
      --fail-on <severity>    critical | high | medium | low | info | none (default: high)
      --fail-on-diagnostics   also exit 1 when a file cannot be read as written (invalid YAML
                              in a Backstage file, an entity without a name, an unresolvable
                              $yaml/$json/$text include, a template the analyser cannot read)
      --entity-api-version <group or apiVersion>
                              also read documents of this apiVersion as entities (besides
                              backstage.io/* and scaffolder.backstage.io/*), e.g. acme.io or
                              acme.io/v1; repeatable
      --scaffolder-backend-version <version>
                              the deployment's @backstage/plugin-scaffolder-backend version;
                              decides how user-chosen paths are rated (high in the range of a
                              workspace-escape advisory or when unknown). Default: the lowest
                              version in a scanned lockfile, else unknown
      --k8s-workload <name>   the Kubernetes workload that runs Backstage (name, namespace/name,
                              kind/name or namespace/kind/name) for the runtime/k8s-* checks;
                              repeatable. Default: a workload whose image is named like backstage,
                              else one named or labelled so
      --osv-url <url>         OSV API asked about the installed versions of scanned lockfiles and
                              package.json pins (default: the scanned app-config's
                              securityPosture.checks.plugins.inventory.options.advisorySources.osv,
                              else https://api.osv.dev); the bundled dataset always applies
      --offline               do not ask OSV: bundled advisory dataset only (the report says so)
      --suppressions <file>   suppressions file (default: ${DEFAULT_SUPPRESSIONS_FILE} if present)
      --no-suppressions       ignore suppressions
      --exemptions <file>     the portal's exemptions (the JSON of GET /exemptions) honoured as
                              suppressions too (see security-posture exemptions --help)
      --root <dir>            report paths relative to this directory (default: working directory)
      --env <NAME=VALUE>      environment of the deployed backend that checks read (NODE_ENV,
                              LOG_LEVEL); repeatable. The CLI's own values of these are ignored.
      --verbose               print the checks' log lines (secrets masked) to standard error
  -h, --help                  show this help
  -v, --version               show the version

Only documents with a Backstage apiVersion are entities: other YAML (Kubernetes manifests,
kustomizations, Helm charts, workflows, compose files, OpenAPI, skeleton files) is skipped with
a note, and its text is still searched for secrets. Kubernetes manifests and Helm-rendered YAML
(helm template) also go to the runtime/k8s-* checks (egress NetworkPolicy, pod security,
service-account token, secrets in env, image pinning of the Backstage workload). Relative $yaml/$json/$text includes are
resolved inside the root; remote ones are never fetched.

Exit codes: 0 no finding at or above --fail-on (diagnostics and notes never fail the run unless
--fail-on-diagnostics), 1 such findings, 2 usage or internal error.
Environment: SECURITY_POSTURE_FINGERPRINT_KEY keys secret fingerprints (HMAC), as the portal's
securityPosture.fingerprintKey; without it they are plain SHA-256. SECURITY_POSTURE_OSV_URL sets
the OSV API (\`off\` for none) when neither --osv-url nor --offline is given.
`;

export interface CliOptions {
  paths: string[];
  configFiles: string[];
  format?: Format;
  output?: string;
  reports: Array<{ format: Format; file: string }>;
  failOn: Severity | 'none';
  failOnDiagnostics: boolean;
  entityApiVersions: string[];
  scaffolderBackendVersion?: string;
  /** `--k8s-workload`: the Kubernetes workloads that run Backstage. */
  kubernetesWorkloads: string[];
  suppressions?: string | false;
  /** `--exemptions`: the portal's exemptions JSON. */
  exemptions?: string;
  /** `--osv-url` (a URL) or `--offline` (false). */
  osv?: { baseUrl: string } | false;
  root?: string;
  env: Array<[string, string]>;
  verbose: boolean;
  help: boolean;
  version: boolean;
}

function asFormat(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`unknown format '${value}': expected ${FORMATS.join(', ')}`);
  }
  return value as Format;
}

function httpUrl(value: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new UsageError(`${what} expects an http(s) URL, not '${value}'`);
  }
  return value;
}

/** OSV for lockfile advisories: the command line, else SECURITY_POSTURE_OSV_URL, else undefined. */
function osvSetting(
  options: CliOptions,
  env: NodeJS.ProcessEnv,
): { baseUrl: string } | false | undefined {
  if (options.osv !== undefined) return options.osv;
  const fromEnv = env.SECURITY_POSTURE_OSV_URL?.trim();
  if (!fromEnv) return undefined;
  return fromEnv === 'off' ? false : { baseUrl: httpUrl(fromEnv, 'SECURITY_POSTURE_OSV_URL') };
}

/** Parses the command line (`scan` may be omitted). */
export function parseArgs(args: string[]): CliOptions {
  const options: CliOptions = {
    paths: [],
    configFiles: [],
    reports: [],
    failOn: 'high',
    failOnDiagnostics: false,
    entityApiVersions: [],
    kubernetesWorkloads: [],
    env: [],
    verbose: false,
    help: false,
    version: false,
  };
  const rest = [...args];
  if (rest[0] === 'scan') rest.shift();
  let onlyPaths = false;
  while (rest.length) {
    const arg = rest.shift()!;
    if (onlyPaths || !arg.startsWith('-') || arg === '-') {
      options.paths.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => {
      const v = inline ?? rest.shift();
      if (v === undefined || (inline === undefined && v.startsWith('-') && v !== '-')) {
        throw new UsageError(`${name} needs a value`);
      }
      return v;
    };
    switch (name) {
      case '--':
        onlyPaths = true;
        break;
      case '-c':
      case '--config':
        options.configFiles.push(value());
        break;
      case '-f':
      case '--format':
        options.format = asFormat(value());
        break;
      case '-o':
      case '--output':
        options.output = value();
        break;
      case '--report': {
        const spec = value();
        const at = spec.indexOf('=');
        if (at <= 0 || at === spec.length - 1) {
          throw new UsageError(`--report expects <format>=<file>, e.g. sarif=results.sarif`);
        }
        options.reports.push({
          format: asFormat(spec.slice(0, at)),
          file: spec.slice(at + 1),
        });
        break;
      }
      case '--fail-on': {
        const v = value();
        if (v !== 'none' && !isSeverity(v)) {
          throw new UsageError(
            `unknown severity '${v}': expected critical, high, medium, low, info or none`,
          );
        }
        options.failOn = v as Severity | 'none';
        break;
      }
      case '--fail-on-diagnostics':
        options.failOnDiagnostics = true;
        break;
      case '--entity-api-version': {
        const v = value().trim();
        if (!/^[A-Za-z0-9][A-Za-z0-9.-]*(\/[A-Za-z0-9.-]+)?\/?\*?$/.test(v)) {
          throw new UsageError(
            `--entity-api-version expects a group (acme.io) or an apiVersion (acme.io/v1), not '${v}'`,
          );
        }
        options.entityApiVersions.push(v);
        break;
      }
      case '--scaffolder-backend-version': {
        const v = value().trim();
        if (!/^v?\d{1,4}\.\d{1,4}\.\d{1,4}(?:[-+][\w.-]{1,60})?$/.test(v)) {
          throw new UsageError(
            `--scaffolder-backend-version expects a version such as 3.1.1, not '${v}'`,
          );
        }
        options.scaffolderBackendVersion = v;
        break;
      }
      case '--k8s-workload': {
        const v = value().trim();
        if (!/^[a-z0-9][a-z0-9.-]{0,252}(?:\/[a-z0-9][a-z0-9.-]{0,252}){0,2}$/i.test(v)) {
          throw new UsageError(
            `--k8s-workload expects a workload name (backstage, portal/backstage, deployment/backstage), not '${v}'`,
          );
        }
        options.kubernetesWorkloads.push(v);
        break;
      }
      case '--suppressions':
        options.suppressions = value();
        break;
      case '--no-suppressions':
        options.suppressions = false;
        break;
      case '--exemptions':
        options.exemptions = value();
        break;
      case '--root':
        options.root = value();
        break;
      case '--osv-url':
        options.osv = { baseUrl: httpUrl(value(), '--osv-url') };
        break;
      case '--offline':
        options.osv = false;
        break;
      case '--env': {
        const v = value();
        const at = v.indexOf('=');
        if (at <= 0) throw new UsageError(`--env expects NAME=VALUE`);
        options.env.push([v.slice(0, at), v.slice(at + 1)]);
        break;
      }
      case '--verbose':
        options.verbose = true;
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '-v':
      case '--version':
        options.version = true;
        break;
      default:
        throw new UsageError(`unknown option ${name}`);
    }
  }
  return options;
}

function packageVersion(): string {
  return packageJson.version;
}

function checkDescriptions(): Map<string, Omit<RuleInfo, 'id'>> {
  return new Map(
    [...builtInChecks.map(c => c.meta), ...CLI_CHECKS].map(meta => [
      meta.id,
      {
        title: meta.title,
        description: meta.description,
        remediation: meta.remediation,
        defaultSeverity: meta.defaultSeverity,
        category: meta.category,
        docsUrl: meta.docsUrl,
      },
    ]),
  );
}

/** Renders a report in one format. */
export function render(report: ScanReport, format: Format, color = false): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(toSarif(report, checkDescriptions()), null, 2)}\n`;
    case 'csv':
      return toCsv(report);
    default:
      return toTable(report, { color });
  }
}

/**
 * Which advisory sources the lockfile scan used, for standard error: `advisories: osv (…, asked …)
 * and bundled dataset of 2026-12-06`, or why it is the bundled dataset alone. Nothing when no
 * lockfile or package.json was scanned.
 */
export function advisorySourcesLine(report: ScanReport): string | undefined {
  const bundled = report.advisorySources.find(s => s.name === 'bundled');
  const osv = report.advisorySources.find(s => s.name === 'osv');
  if (!bundled || bundled.status === 'unused') return undefined;
  const dataset = `bundled dataset of ${bundled.asOf ?? 'unknown date'}`;
  switch (osv?.status) {
    case 'ok':
      return `advisories: osv (${osv.url}, asked ${osv.checkedAt}, ${osv.answered} package versions) and ${dataset}`;
    case 'partial':
      return `advisories: osv (${osv.url}) answered ${osv.answered} of ${osv.queried} package versions (${osv.error}); ${dataset} for the rest`;
    case 'failed':
      return `advisories: osv (${osv.url}) unavailable (${osv.error}): ${dataset} only`;
    default:
      return `advisories: offline, ${dataset} only (osv off)`;
  }
}

/** 1 when findings at or above --fail-on remain, or diagnostics with --fail-on-diagnostics. */
export function exitCodeOf(report: ScanReport): number {
  if (report.failing > 0) return 1;
  return report.failOnDiagnostics && report.diagnostics.length > 0 ? 1 : 0;
}

/** `security-posture exemptions export <file|-> [-o <file>]`. */
async function exemptionsCommand(
  args: string[],
  io: {
    stdout: { write(text: string): unknown };
    stderr: { write(text: string): unknown };
    cwd: string;
    stdin?: () => Promise<string>;
  },
): Promise<number> {
  try {
    const [command, ...rest] = args;
    if (command === '--help' || command === '-h' || command === undefined) {
      io.stdout.write(EXEMPTIONS_USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command !== 'export') throw new UsageError(`unknown exemptions command '${command}'`);
    let input: string | undefined;
    let output: string | undefined;
    while (rest.length) {
      const arg = rest.shift()!;
      if (arg === '-o' || arg === '--output') {
        output = rest.shift();
        if (!output) throw new UsageError(`${arg} needs a value`);
      } else if (arg.startsWith('-') && arg !== '-') {
        throw new UsageError(`unknown option ${arg}`);
      } else if (input === undefined) {
        input = arg;
      } else {
        throw new UsageError('one exemptions file at a time');
      }
    }
    if (!input) throw new UsageError('give the exemptions JSON file (or - for standard input)');
    const text =
      input === '-'
        ? await (io.stdin ?? readStdin)()
        : readInputFile(io.cwd, input, 'exemptions file');
    const now = new Date();
    const exported = exemptionsToSuppressions(readExemptionsJson(text, input), now);
    const yaml = renderSuppressionsFile(exported, now);
    if (output) fs.writeFileSync(path.resolve(io.cwd, output), yaml);
    else io.stdout.write(yaml);
    for (const { id, why } of exported.skipped) {
      io.stderr.write(`security-posture: exemption ${id} not exported: ${why}\n`);
    }
    io.stderr.write(
      `security-posture: ${exported.entries.length} exemption(s) exported, ${exported.skipped.length} skipped\n`,
    );
    return 0;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(
      error instanceof UsageError
        ? `security-posture: ${error.message}\n\n${EXEMPTIONS_USAGE}`
        : `security-posture: internal error: ${error.message}\n`,
    );
    return 2;
  }
}

function readInputFile(cwd: string, file: string, what: string): string {
  const absolute = path.resolve(cwd, file);
  if (!fs.existsSync(absolute)) throw new UsageError(`${file}: no such ${what}`);
  return fs.readFileSync(absolute, 'utf8');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Entry point of the security-posture CLI; resolves to the exit code. */
export async function main(
  args: string[],
  io: {
    stdout: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean };
    stderr: { write(text: string): unknown };
    cwd: string;
    env: NodeJS.ProcessEnv;
  } = {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  },
): Promise<number> {
  if (args[0] === 'exemptions') return exemptionsCommand(args.slice(1), io);
  if (args[0] === 'detect') {
    return detectCommand(args.slice(1), { ...io, stdin: readStdin, version: packageVersion() });
  }
  let scanner: FileScanner | undefined;
  try {
    const options = parseArgs(args);
    if (options.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (options.version) {
      io.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    const cwd = io.cwd;
    let suppressionsFile: string | undefined;
    if (typeof options.suppressions === 'string') {
      suppressionsFile = path.resolve(cwd, options.suppressions);
      if (!fs.existsSync(suppressionsFile)) {
        throw new UsageError(`${options.suppressions}: no such suppressions file`);
      }
    } else if (options.suppressions !== false) {
      const candidate = path.resolve(cwd, DEFAULT_SUPPRESSIONS_FILE);
      if (fs.existsSync(candidate)) suppressionsFile = candidate;
    }
    // Checks read NODE_ENV and LOG_LEVEL as the deployed backend's: the CI job's are not that.
    for (const name of DEPLOYMENT_ENV) delete io.env[name];
    for (const [name, value] of options.env) io.env[name] = value;

    scanner = new FileScanner({
      paths: options.paths.length ? options.paths : ['.'],
      configFiles: options.configFiles,
      cwd,
      root: path.resolve(cwd, options.root ?? '.'),
      failOn: options.failOn,
      failOnDiagnostics: options.failOnDiagnostics,
      entityApiVersions: options.entityApiVersions,
      scaffolderBackendVersion: options.scaffolderBackendVersion,
      kubernetesWorkloads: options.kubernetesWorkloads,
      suppressionsFile,
      exemptions: options.exemptions
        ? suppressionsFromExemptionsJson(
            readInputFile(cwd, options.exemptions, 'exemptions file'),
            options.exemptions,
            new Date(),
          )
        : undefined,
      fingerprintKey: io.env.SECURITY_POSTURE_FINGERPRINT_KEY || undefined,
      osv: osvSetting(options, io.env),
      now: new Date(),
      version: packageVersion(),
    });
    const report = await scanner.run();

    const format: Format = options.format ?? (io.stdout.isTTY ? 'table' : 'json');
    const color = !options.output && !!io.stdout.isTTY && !io.env.NO_COLOR;
    const rendered = render(report, format, color);
    if (options.output) fs.writeFileSync(path.resolve(cwd, options.output), rendered);
    else io.stdout.write(rendered);
    for (const extra of options.reports) {
      fs.writeFileSync(path.resolve(cwd, extra.file), render(report, extra.format));
    }
    if (options.verbose) {
      for (const line of scanner.logLines()) io.stderr.write(`${line}\n`);
    }
    if (options.output || format !== 'table') {
      io.stderr.write(
        `security-posture: ${report.summary.findings} finding(s), ${report.summary.suppressed} suppressed, ${report.failing} at or above ${report.failOn}; ${report.summary.diagnostics} diagnostic(s), ${report.summary.notes} note(s)\n`,
      );
    }
    const advisoryLine = advisorySourcesLine(report);
    if (advisoryLine) io.stderr.write(`security-posture: ${advisoryLine}\n`);
    for (const s of report.suppressions.expired) {
      io.stderr.write(
        `security-posture: suppression at ${s.source.file}:${s.source.line} expired on ${s.expires}; it no longer suppresses\n`,
      );
    }
    return exitCodeOf(report);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const message = scanner ? scanner.scrub(error.message) : error.message;
    if (error instanceof UsageError) {
      io.stderr.write(`security-posture: ${message}\n\n${USAGE}`);
    } else {
      io.stderr.write(`security-posture: internal error: ${message}\n`);
    }
    return 2;
  }
}
