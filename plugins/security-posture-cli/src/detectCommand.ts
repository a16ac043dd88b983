import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import {
  isSeverity,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import {
  buildDetectionRules,
  readDetectionSettings,
} from '@security-posture/static-analysis';
import { parse } from 'yaml';
import { membershipsFromCatalog } from './catalogMemberships';
import { detectInLogs, detectionRuleDescriptions } from './detect';
import { UsageError } from './files';
import { toCsv } from './format/csv';
import { toSarif } from './format/sarif';
import { toTable } from './format/table';

export const DETECT_USAGE = `Usage: security-posture detect <auditor log...> [options]

Runs the portal's detection rules (docs/detections.md) over exported Backstage auditor logs: JSON
lines as the default auditor logs them (isAuditEvent: true), with the timestamp your log pipeline
added (timestamp, @timestamp, time or ts). Other lines are skipped and counted. - reads standard
input.

Options:
  -c, --config <file>     app-config file with securityPosture.detections; repeatable
      --catalog <file>    catalog YAML with the org's User and Group entities, for the group
                          rules (allowed template runners, platform team); repeatable
  -f, --format <format>   table | json | sarif | csv (default: table on a terminal, else json)
  -o, --output <file>     write the report to a file instead of standard output
      --fail-on <severity>
                          critical | high | medium | low | info | none (default: high)
  -h, --help              this text
`;

type Format = 'table' | 'json' | 'sarif' | 'csv';
const FORMATS: Format[] = ['table', 'json', 'sarif', 'csv'];

interface DetectOptions {
  logs: string[];
  configFiles: string[];
  catalogFiles: string[];
  format?: Format;
  output?: string;
  failOn: Severity | 'none';
  help: boolean;
}

function parseDetectArgs(args: string[]): DetectOptions {
  const options: DetectOptions = {
    logs: [],
    configFiles: [],
    catalogFiles: [],
    failOn: 'high',
    help: false,
  };
  const rest = [...args];
  while (rest.length) {
    const arg = rest.shift()!;
    if (!arg.startsWith('-') || arg === '-') {
      options.logs.push(arg);
      continue;
    }
    const value = () => {
      const v = rest.shift();
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-c':
      case '--config':
        options.configFiles.push(value());
        break;
      case '--catalog':
        options.catalogFiles.push(value());
        break;
      case '-f':
      case '--format': {
        const format = value();
        if (!FORMATS.includes(format as Format))
          throw new UsageError(`unknown format ${format}`);
        options.format = format as Format;
        break;
      }
      case '-o':
      case '--output':
        options.output = value();
        break;
      case '--fail-on': {
        const level = value();
        if (level !== 'none' && !isSeverity(level))
          throw new UsageError(`unknown severity ${level}`);
        options.failOn = level as Severity | 'none';
        break;
      }
      case '-h':
      case '--help':
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return options;
}

function readFile(cwd: string, file: string, what: string): string {
  const absolute = path.resolve(cwd, file);
  if (!fs.existsSync(absolute))
    throw new UsageError(`${file}: no such ${what}`);
  return fs.readFileSync(absolute, 'utf8');
}

/** `security-posture detect <log...>`; resolves to the exit code (1: findings at --fail-on). */
export async function detectCommand(
  args: string[],
  io: {
    stdout: { write(text: string): unknown; isTTY?: boolean };
    stderr: { write(text: string): unknown };
    cwd: string;
    stdin?: () => Promise<string>;
    version: string;
  },
): Promise<number> {
  try {
    const options = parseDetectArgs(args);
    if (options.help) {
      io.stdout.write(DETECT_USAGE);
      return 0;
    }
    if (!options.logs.length)
      throw new UsageError(
        'give at least one auditor log file (or - for standard input)',
      );
    const config = ConfigReader.fromConfigs(
      options.configFiles.map(file => ({
        data: (parse(readFile(io.cwd, file, 'config file')) ??
          {}) as JsonObject,
        context: file,
      })),
    );
    const settings = readDetectionSettings(config);
    const memberships = membershipsFromCatalog(
      options.catalogFiles.map(file => readFile(io.cwd, file, 'catalog file')),
    );
    const logs = [];
    for (const file of options.logs) {
      const text =
        file === '-' ? await io.stdin!() : readFile(io.cwd, file, 'log file');
      logs.push({ file, text });
    }
    const run = detectInLogs({
      logs,
      settings,
      memberships,
      failOn: options.failOn,
      now: new Date(),
      version: io.version,
      root: io.cwd,
    });
    const format: Format =
      options.format ?? (io.stdout.isTTY ? 'table' : 'json');
    let rendered: string;
    if (format === 'json')
      rendered = `${JSON.stringify(run.report, null, 2)}\n`;
    else if (format === 'sarif') {
      const sarif = toSarif(
        run.report,
        detectionRuleDescriptions(buildDetectionRules(settings)),
      );
      rendered = `${JSON.stringify(sarif, null, 2)}\n`;
    } else if (format === 'csv') rendered = toCsv(run.report);
    else rendered = toTable(run.report, { color: false });
    if (options.output)
      fs.writeFileSync(path.resolve(io.cwd, options.output), rendered);
    else io.stdout.write(rendered);
    const skipped = Object.entries(run.skipped)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ');
    io.stderr.write(
      `security-posture: ${run.events} audit event(s) read${
        skipped ? `, lines skipped: ${skipped}` : ''
      }; ${run.report.findings.length} detection finding(s), ${
        run.report.failing
      } at or above ${run.report.failOn}\n`,
    );
    if (run.skipped['no-timestamp']) {
      io.stderr.write(
        'security-posture: lines without a timestamp were skipped; export the log with the time your log pipeline recorded (timestamp or @timestamp)\n',
      );
    }
    return run.report.failing > 0 ? 1 : 0;
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    io.stderr.write(
      error instanceof UsageError
        ? `security-posture: ${error.message}\n\n${DETECT_USAGE}`
        : `security-posture: ${error.message}\n`,
    );
    return 2;
  }
}
