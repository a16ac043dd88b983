import path from 'node:path';
import {
  loadPackagedBundledData,
  LiveAdvisorySource,
  OsvCache,
  osvAdvisorySource,
} from '@security-posture/checks';
import {
  Advisory,
  AdvisoryIndex,
  advisoriesFromBundledDataset,
  mergeAdvisories,
} from '@security-posture/static-analysis';
import { ADVISORY_CHECK_ID } from './cliChecks';
import { InputFile } from './files';
import {
  advisoryResults,
  lineIndex,
  lockfileCopies,
  manifestCopies,
  PackageCopy,
} from './packages';
import { AdvisorySourceReport } from './report';
import { errorOf, ScanSession } from './scanSession';
import { positionOf } from './yamlSource';

export const DEFAULT_OSV_URL = 'https://api.osv.dev';
// Where the portal keeps the plugins checks' options: a scanned app-config may switch OSV off.
const OSV_OPTIONS_KEY = 'securityPosture.checks.plugins.inventory.options.advisorySources.osv';

/**
 * Lockfiles and package manifests against the same advisory sources as the portal: OSV, asked
 * about each file's installed versions (one cache for the run, so a version shared by several
 * lockfiles is asked once), merged with the bundled dataset; the bundled dataset alone when OSV
 * is off or does not answer, which the report and the check's reason then say.
 */
export class PackageAdvisories {
  private bundled?: { advisories: Advisory[]; asOf: string };
  private osv?: { source: LiveAdvisorySource; cache: OsvCache; report: AdvisorySourceReport };
  private osvResolved = false;
  private readonly lockfileDirs = new Set<string>();
  private readonly bundledReport: AdvisorySourceReport = { name: 'bundled', status: 'unused' };
  private osvReport: AdvisorySourceReport = { name: 'osv', status: 'unused' };

  constructor(private readonly session: ScanSession) {}

  /** A manifest beside a scanned lockfile is left to the lockfile, which has what is installed. */
  addLockfileDirs(inputs: InputFile[]) {
    for (const input of inputs) {
      if (input.type === 'lockfile') this.lockfileDirs.add(path.dirname(input.absolute));
    }
  }

  /** What each advisory source did in this run, for the report. */
  sources(): AdvisorySourceReport[] {
    return [{ ...this.bundledReport }, { ...this.osvReport }];
  }

  /** The bundled advisory dataset, loaded once; undefined (and the check skipped) without it. */
  private async bundledAdvisories(checkId: string) {
    if (!this.bundled) {
      const data = await loadPackagedBundledData();
      if (!data.advisories) {
        this.session.tracker.skip(checkId, 'the bundled advisory dataset was not found');
        this.bundledReport.status = 'failed';
        this.bundledReport.error = 'not found';
        return undefined;
      }
      this.bundled = {
        advisories: advisoriesFromBundledDataset(data.advisories),
        asOf: data.advisories.compiledAt,
      };
      Object.assign(this.bundledReport, { status: 'ok', asOf: data.advisories.compiledAt });
    }
    return this.bundled;
  }

  /** `--offline` / `--osv-url` win; else the scanned app-config's options; else OSV is on. */
  private osvSource() {
    if (this.osvResolved) return this.osv;
    this.osvResolved = true;
    let setting = this.session.options.osv;
    if (setting === undefined) {
      const config = this.session.config.getOptionalConfig(OSV_OPTIONS_KEY);
      setting =
        config?.getOptionalBoolean('enabled') === false
          ? false
          : { baseUrl: config?.getOptionalString('baseUrl') ?? DEFAULT_OSV_URL };
    }
    if (setting === false) {
      this.osvReport = { name: 'osv', status: 'disabled' };
      return undefined;
    }
    const cache = new OsvCache();
    const source = osvAdvisorySource({ baseUrl: setting.baseUrl, cache });
    this.osvReport = { name: 'osv', status: 'unused', url: source.url };
    this.osv = { source, cache, report: this.osvReport };
    return this.osv;
  }

  /**
   * OSV's advisories for a file's copies. After OSV failed once in the run it is not asked again
   * (every later file would wait for the same timeout): the bundled data covers the rest.
   */
  private async liveAdvisories(copies: PackageCopy[]): Promise<Advisory[]> {
    const osv = this.osvSource();
    if (!osv || osv.report.status === 'failed') return [];
    const versions = new Map<string, Set<string>>();
    for (const c of copies)
      versions.set(c.name, (versions.get(c.name) ?? new Set()).add(c.version));
    const report = osv.report;
    report.checkedAt ??= this.session.options.now.toISOString();
    try {
      const answer = await osv.source.query(
        [...versions].map(([name, set]) => ({ name, versions: [...set] })),
        {
          fetch: this.session.options.fetch ?? fetch,
          signal: new AbortController().signal,
          requestTimeoutMs: this.session.options.requestTimeoutMs ?? 10_000,
        },
      );
      report.queried = (report.queried ?? 0) + answer.asked;
      report.answered = (report.answered ?? 0) + answer.answered;
      if (answer.problems.length) {
        report.status = 'partial';
        report.error = answer.problems.slice(0, 2).join('; ');
      } else if (report.status !== 'partial') {
        report.status = 'ok';
      }
      return answer.advisories;
    } catch (e) {
      report.status = 'failed';
      report.error = errorOf(e).message;
      return [];
    }
  }

  private packageFileError(file: string, what: string, e: unknown) {
    this.session.diagnose({
      code: what === 'lockfile' ? 'lockfile-syntax' : 'manifest-syntax',
      file,
      line: 1,
      column: 1,
      message: `${file} cannot be parsed as a ${what}: ${errorOf(e).message}`,
    });
  }

  /** Installed versions in a lockfile, with who pulls each copy in. */
  async scanLockfile(file: string, text: string) {
    let parsed: ReturnType<typeof lockfileCopies>;
    try {
      parsed = lockfileCopies(file, text);
    } catch (e) {
      this.packageFileError(file, 'lockfile', e);
      return;
    }
    await this.reportAdvisories(file, text, parsed.copies, 'installed', parsed.pathsTo);
  }

  /** Exact versions of a `package.json` with no lockfile scanned beside it. */
  async scanManifest(absolute: string, file: string, text: string) {
    if (this.lockfileDirs.has(path.dirname(absolute))) return;
    let copies: PackageCopy[];
    try {
      copies = manifestCopies(text);
    } catch (e) {
      this.packageFileError(file, 'package manifest', e);
      return;
    }
    await this.reportAdvisories(file, text, copies, 'pinned');
  }

  /** `osv (https://api.osv.dev, asked …)`, `bundled dataset of 2026-12-06`. */
  private describeSource = (name: string): string => {
    if (name === 'bundled') return `bundled dataset of ${this.bundledReport.asOf}`;
    const report = name === 'osv' ? this.osvReport : undefined;
    return report?.checkedAt ? `${name} (${report.url}, asked ${report.checkedAt})` : name;
  };

  /** The check's reason: which sources the matching rests on, and what did not answer. */
  private sourcesNote(): string {
    const bundled = `bundled advisory dataset of ${this.bundledReport.asOf}`;
    const osv = this.osvReport;
    switch (osv.status) {
      case 'ok':
        return `advisory sources: osv (${osv.url}, asked ${osv.checkedAt}) and the ${bundled}`;
      case 'partial':
        return `advisory sources: osv (${osv.url}) answered in part (${osv.error}); the ${bundled} covers the rest`;
      case 'failed':
        return `osv (${osv.url}) unavailable (${osv.error}): offline, ${bundled} only`;
      default:
        return `offline (osv off): ${bundled} only`;
    }
  }

  private async reportAdvisories(
    file: string,
    text: string,
    copies: PackageCopy[],
    how: 'installed' | 'pinned',
    pathsTo?: (copy: PackageCopy) => ReturnType<ReturnType<typeof lockfileCopies>['pathsTo']>,
  ) {
    const resolved = this.session.enabled(ADVISORY_CHECK_ID);
    if (!resolved) return;
    const { meta } = resolved.check;
    const bundled = await this.bundledAdvisories(meta.id);
    if (!bundled) return;
    const live = await this.liveAdvisories(copies);
    const index = new AdvisoryIndex(mergeAdvisories([bundled.advisories, live]));
    const results = advisoryResults(index, file, copies, {
      how,
      describeSource: this.describeSource,
      pathsTo,
    });
    const lines = { lineCounter: lineIndex(text) };
    const findings = this.session.factory.fromResults(
      meta,
      resolved.severity,
      results.map(r => r.result),
    );
    findings.forEach((finding, i) =>
      this.session.add(finding, {
        file,
        span: { start: positionOf(lines, results[i].offset) },
      }),
    );
    // An OSV that did not answer is no evidence of absence: the check errs (as in the portal).
    const osvDown = this.osvReport.status === 'failed' || this.osvReport.status === 'partial';
    const outcomes = results.length ? results.map(() => 'fail' as const) : ['pass' as const];
    this.session.tracker.record(
      meta.id,
      osvDown ? [...outcomes, 'error'] : outcomes,
      findings.length,
    );
    this.session.tracker.setReason(meta.id, this.sourcesNote());
  }
}
