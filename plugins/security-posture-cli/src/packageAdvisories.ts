import path from 'node:path';
import { loadPackagedBundledData } from '@security-posture/checks';
import { AdvisoryIndex, advisoriesFromBundledDataset } from '@security-posture/static-analysis';
import { ADVISORY_CHECK_ID } from './cliChecks';
import { InputFile } from './files';
import {
  advisoryResults,
  lineIndex,
  lockfileCopies,
  manifestCopies,
  PackageCopy,
} from './packages';
import { errorOf, ScanSession } from './scanSession';
import { positionOf } from './yamlSource';

/** Lockfiles and package manifests against the bundled advisory dataset, offline. */
export class PackageAdvisories {
  private advisoryIndex?: AdvisoryIndex;
  private advisoryDataAsOf?: string;
  private readonly lockfileDirs = new Set<string>();

  constructor(private readonly session: ScanSession) {}

  /** A manifest beside a scanned lockfile is left to the lockfile, which has what is installed. */
  addLockfileDirs(inputs: InputFile[]) {
    for (const input of inputs) {
      if (input.type === 'lockfile') this.lockfileDirs.add(path.dirname(input.absolute));
    }
  }

  /** The bundled advisory dataset, loaded once; undefined (and the check skipped) without it. */
  private async advisories(checkId: string): Promise<AdvisoryIndex | undefined> {
    if (!this.advisoryIndex) {
      const bundled = await loadPackagedBundledData();
      if (!bundled.advisories) {
        this.session.tracker.skip(checkId, 'the bundled advisory dataset was not found');
        return undefined;
      }
      this.advisoryIndex = new AdvisoryIndex(advisoriesFromBundledDataset(bundled.advisories));
      this.advisoryDataAsOf = bundled.advisories.compiledAt;
    }
    return this.advisoryIndex;
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

  /** Installed versions in a lockfile against the bundled advisory dataset, offline. */
  async scanLockfile(file: string, text: string) {
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

  private async reportAdvisories(
    file: string,
    text: string,
    copies: PackageCopy[],
    how: 'installed' | 'pinned',
  ) {
    const resolved = this.session.enabled(ADVISORY_CHECK_ID);
    if (!resolved) return;
    const { meta } = resolved.check;
    const index = await this.advisories(meta.id);
    if (!index) return;
    const results = advisoryResults(index, file, copies, {
      how,
      dataset: `bundled (${this.advisoryDataAsOf})`,
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
    this.session.tracker.record(
      meta.id,
      results.length ? results.map(() => 'fail') : ['pass'],
      findings.length,
    );
    this.session.tracker.note(
      meta.id,
      `offline: bundled advisory dataset of ${this.advisoryDataAsOf}`,
    );
  }
}
