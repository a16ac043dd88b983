import { LoggerService } from '@backstage/backend-plugin-api';
import {
  CheckRunSummary,
  Scan,
  ScanStatus,
} from '@security-posture/plugin-security-posture-common';
import { CheckRegistry } from '@security-posture/checks';
import { PostureStore } from '../database/PostureStore';
import { CheckRunOutput, RunProgress } from './CheckRunner';
import { asError } from './errors';
import { computeSummary } from './scoring';
import { PhaseTimer } from './phaseTimer';

/** How the message of a scan that failed ends. */
export const KEPT = 'previous results are kept';

/** A store write of the scan whose failure is reported as a write failure, not database text. */
export type ScanWrite = <T>(write: Promise<T>) => Promise<T>;

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The status and message of a scan whose checks all ran: an errored check makes it partial. */
export function outcomeOfChecks(outputs: CheckRunOutput[]): {
  status: ScanStatus;
  message: string | null;
} {
  const errored = outputs.filter(o => o.outcome === 'error');
  if (outputs.length > 0 && errored.length === outputs.length) {
    return {
      status: 'failed',
      message: `All ${outputs.length} checks failed; ${KEPT}`,
    };
  }
  if (errored.length) {
    return {
      status: 'partial',
      message: `${errored.length} of ${
        outputs.length
      } checks could not complete: ${errored.map(o => o.checkId).join(', ')}`,
    };
  }
  return { status: 'succeeded', message: null };
}

/**
 * The writes that end a scan: what its catalog pass left behind, then its record, summary and
 * post-scan hook. Apart from the scan service, which queues scans, holds their lease and runs
 * their checks.
 */
export class ScanCompletion {
  constructor(
    private readonly deps: {
      store: PostureStore;
      registry: CheckRegistry;
      logger: LoggerService;
      /** Other replicas close a scan without a heartbeat this long; bounds end-write retries. */
      staleAfterMs: number;
      /** Called (not awaited) once a scan's end and summary are recorded. */
      onScanFinished?(scan: {
        scanId: string;
        status: 'succeeded' | 'partial' | 'failed';
        finishedAt: string;
      }): Promise<void>;
    },
    /** Whether the replica shuts down: end writes are then not retried. */
    private readonly isStopping: () => boolean,
  ) {}

  /**
   * After the checks: resolves the findings of the entity checks whose pass read the whole
   * catalog (`passChecks`) about entities not in `met` (they left the catalog) and, unless the
   * scan was limited to some checks, records a complete pass.
   */
  async recordCatalogPass(pass: {
    scanId: string;
    passChecks: string[];
    met: ReadonlySet<string>;
    /** Whether any entity evaluation was recorded when the pass started. */
    evaluationsRecordedBefore: boolean;
    full: boolean;
    limited: boolean;
    outputs: CheckRunOutput[];
    phases: PhaseTimer;
    written: ScanWrite;
  }) {
    const { scanId, passChecks, phases, written } = pass;
    // The pass has written its pages: what reads the findings from here on wants every index.
    await this.restoreDeferredIndexes();
    phases.mark('building deferred indexes');
    // Once for all entity checks of the pass: it walks every open finding's entity.
    if (passChecks.length) {
      await written(
        this.deps.store.finishEntityPass({
          scanId,
          checkIds: passChecks,
          resolvedAt: new Date().toISOString(),
          metEntityRefs: pass.met,
          evaluationsRecordedBefore: pass.evaluationsRecordedBefore,
        }),
      );
      phases.mark('resolving entities that left the catalog');
    }
    if (!pass.limited)
      await this.recordEntityPass(scanId, pass.full, pass.outputs, written);
  }

  /**
   * Writes that end a scan: retried while the database is away (a restart), at most for as long
   * as other replicas would wait before closing the scan as abandoned (and at least 30 s).
   */
  /**
   * A scan into an empty store may have dropped the findings' secondary indexes while it wrote
   * (a pass that ended normally built them again). Not building them leaves the report slow,
   * not wrong: said, and tried again at the next scan's end and at startup.
   */
  async restoreDeferredIndexes() {
    try {
      const built = await this.retryEndWrite('build the findings\' deferred indexes', () =>
        this.deps.store.restoreDeferredIndexes(),
      );
      if (built) this.deps.logger.info(`Built ${built} deferred index(es) of the findings`);
    } catch (e) {
      this.deps.logger.error(
        `Could not build the findings' deferred indexes (the report is slow until they are): ${asError(e).message}`,
      );
    }
  }

  private async retryEndWrite<T>(
    what: string,
    write: () => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + Math.max(2 * this.deps.staleAfterMs, 30_000);
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await write();
      } catch (e) {
        if (this.isStopping() || Date.now() > deadline) throw e;
        this.deps.logger.warn(
          `Could not ${what} (retrying): ${asError(e).message}`,
        );
        await sleep(Math.min(500 * 2 ** attempt, 5000));
      }
    }
  }

  /** Records a complete catalog pass (what the next full-pass decision reads). */
  private async recordEntityPass(
    scanId: string,
    full: boolean,
    outputs: CheckRunOutput[],
    written: ScanWrite,
  ) {
    const entityOutputs = outputs.filter(o => o.scope === 'entity');
    if (!entityOutputs.length || !entityOutputs.every(o => o.passComplete))
      return;
    const { evaluatedEntities = 0, skippedEntities = 0 } = entityOutputs[0];
    await written(
      this.deps.store.recordEntityPass({
        scanId,
        full,
        finishedAt: new Date().toISOString(),
        evaluated: evaluatedEntities,
        skipped: skippedEntities,
      }),
    );
    this.deps.logger.info(
      `Security posture scan ${scanId}: ${
        full ? 'full' : 'incremental'
      } catalog pass, ` +
        `${evaluatedEntities} entities evaluated, ${skippedEntities} unchanged ones skipped`,
    );
  }

  /** Records a scan's end (its lease still renewed meanwhile) and, unless it failed, its summary. */
  async finish(
    scan: Scan,
    result: {
      status: ScanStatus;
      message: string | null;
      checkRuns: CheckRunSummary[];
      progress: RunProgress;
      phases: PhaseTimer;
    },
  ) {
    const { store, logger } = this.deps;
    const { status, message, phases } = result;
    phases.mark('recording the pass');
    const finishedAt = new Date().toISOString();
    const enabled = this.deps.registry.list().filter(c => c.enabled);
    if (status !== 'failed' && !scan.checkIds) {
      // Findings of checks that were disabled or removed no longer describe the deployment.
      // Resolved before the scan is marked finished: cached scores follow the scan's state.
      await store.resolveFindingsOfRetiredChecks(
        enabled.map(c => c.check.meta.id),
        finishedAt,
        scan.id,
      );
      phases.mark('resolving retired checks');
    }
    await this.restoreDeferredIndexes();
    const recorded = await this.retryEndWrite(
      `record scan ${scan.id} as ${status}`,
      () =>
        store.finishScan(scan.id, {
          status,
          finishedAt,
          message,
          checkRuns: result.checkRuns,
          progress: result.progress,
        }),
    );
    if (!recorded) {
      logger.warn(
        `Security posture scan ${scan.id} was closed by another replica meanwhile`,
      );
      return;
    }
    if (status !== 'failed') {
      const categories = [...new Set(enabled.map(c => c.check.meta.category))];
      const summary = await computeSummary(store, categories);
      await store.saveSummary({
        scanId: scan.id,
        finishedAt,
        status,
        score: summary.score,
        grade: summary.grade,
        categories: summary.categories.map(c => ({
          category: c.category,
          score: c.score,
        })),
        counts: summary.counts,
      });
      phases.mark('recording the scan and its summary');
    }
    logger.info(
      `Security posture scan ${scan.id} finished: ${status}${
        message ? ` (${message})` : ''
      }`,
    );
    logger.debug(`Security posture scan ${scan.id} phases: ${phases}`);
    if (status === 'succeeded' || status === 'partial' || status === 'failed') {
      // Not awaited: subscribers (e.g. notifications) must not hold up the next queued scan.
      this.deps
        .onScanFinished?.({ scanId: scan.id, status, finishedAt })
        .catch(e =>
          logger.warn(
            `Post-scan hook failed for scan ${scan.id}: ${asError(e).message}`,
          ),
        );
    }
  }
}
