import { LoggerService } from '@backstage/backend-plugin-api';
import { toError } from '@backstage/errors';
import {
  CheckRunSummary,
  Scan,
  ScanStatus,
} from '@security-posture/plugin-security-posture-common';
import { PostureStore } from '../database/PostureStore';
import { CheckRunner, CheckRunOutput, RunProgress } from './CheckRunner';
import { CheckRegistry, FindingFactory } from '@security-posture/checks';
import { TooManyRequestsError } from './errors';
import { computeSummary } from './scoring';

const PROGRESS_WRITE_INTERVAL_MS = 500;

/**
 * How often an unchanged open entity finding's last sighting is written. Entity findings are
 * resolved per evaluated entity, not by last sighting, so scans do not rewrite every finding
 * they see again; `lastSeenAt` of such a finding is at most this old while it stays open.
 */
const LAST_SEEN_REFRESH_MS = 24 * 60 * 60 * 1000;

/** Starts scans and moves them through queued → running → succeeded | partial | failed. */
export interface ScanService {
  /** Queues a scan and asks for it to run now; returns the queued scan. */
  requestScan(options: { trigger: Scan['trigger']; requestedBy?: string }): Promise<Scan>;
  /** Runs queued scans until none is left (the scheduled task's body). */
  processQueue(options?: { signal?: AbortSignal }): Promise<void>;
}

export class DefaultScanService implements ScanService {
  constructor(
    private readonly deps: {
      store: PostureStore;
      runner: CheckRunner;
      registry: CheckRegistry;
      logger: LoggerService;
      /** Asks the scheduler to run the scan task now (on whichever replica holds it). */
      trigger(): Promise<void>;
      /** How long a scan may stay running before it is considered abandoned. */
      staleAfterMs: number;
      retentionMs: number;
      /**
       * Least time between two manual scan starts (across replicas: read from the store);
       * 0 or unset: no limit. Scheduled scans are exempt.
       */
      manualCooldownMs?: number;
      /** Key of secret fingerprints (HMAC); from config or generated once per installation. */
      fingerprintKey?(): Promise<string>;
    },
  ) {}

  async requestScan(options: {
    trigger: Scan['trigger'];
    requestedBy?: string;
  }): Promise<Scan> {
    // A scan still waiting to start covers this request too: "Scan now" pressed twice runs once
    // (and the queue stays short, so the latest scans always include the running one).
    const recent = await this.deps.store.listScans({ limit: 20, withCheckRuns: false });
    const latest = recent[0];
    if (latest?.status !== 'queued' && options.trigger === 'manual') {
      this.assertCooledDown(recent);
    }
    const scan =
      latest?.status === 'queued' ? latest : await this.deps.store.createScan(options);
    // Not awaited: the request returns while the scan runs (schedulers may run the task inline).
    this.deps.trigger().catch(e =>
      // Typically "already running": the running task picks queued scans up when it finishes.
      this.deps.logger.debug(`Scan task not triggered: ${toError(e).message}`),
    );
    return scan;
  }

  /** Refuses a manual start within the cooldown after the previous manual start. */
  private assertCooledDown(recent: Scan[]) {
    const cooldownMs = this.deps.manualCooldownMs ?? 0;
    const lastManual = recent.find(s => s.trigger === 'manual');
    if (cooldownMs <= 0 || !lastManual) return;
    const waitMs = Date.parse(lastManual.createdAt) + cooldownMs - Date.now();
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new TooManyRequestsError(
        `A scan was started less than ${Math.ceil(cooldownMs / 1000)} s ago; try again in ${seconds} s`,
        seconds,
      );
    }
  }

  /** Scheduled runs queue a scan of their own, then drain the queue. */
  async runScheduled(signal?: AbortSignal) {
    const queued = await this.deps.store.listScans({ limit: 1 });
    if (queued[0]?.status !== 'queued') {
      await this.deps.store.createScan({ trigger: 'schedule' });
    }
    await this.processQueue({ signal });
  }

  /**
   * Must run inside the scan task (global scope), whose lock makes this the only place scans
   * run: a scan still marked running here was interrupted by a restart.
   */
  async processQueue(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { store, logger } = this.deps;
    const interrupted = await store.failInterruptedScans(
      'Scan was interrupted (the backend restarted while it ran); previous results are kept',
    );
    if (interrupted) logger.warn(`Marked ${interrupted} interrupted scan(s) as failed`);
    // No scan runs now: what interrupted passes recorded is of no use.
    await store.clearEntityPasses();
    const staleBefore = new Date(Date.now() - this.deps.staleAfterMs).toISOString();
    const abandoned = await store.failStaleScans(
      staleBefore,
      'Scan was abandoned (the backend stopped or the scan timed out)',
    );
    if (abandoned) logger.warn(`Marked ${abandoned} abandoned scan(s) as failed`);

    for (;;) {
      const scan = await store.claimQueuedScan(new Date().toISOString());
      if (!scan) break;
      await this.execute(scan, options.signal ?? new AbortController().signal);
    }
    await store.prune(new Date(Date.now() - this.deps.retentionMs).toISOString());
  }

  private async execute(scan: Scan, signal: AbortSignal) {
    const { store, runner, logger } = this.deps;
    const factory = new FindingFactory(await this.deps.fingerprintKey?.());
    const checkRuns: CheckRunSummary[] = [];
    let lastWrite = 0;
    let latest: RunProgress = { done: 0, total: 0 };
    const writeProgress = (force = false) => {
      const now = Date.now();
      if (!force && now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return Promise.resolve();
      lastWrite = now;
      return store.updateScan(scan.id, { progress: latest });
    };

    logger.info(`Security posture scan ${scan.id} started (${scan.trigger})`);
    let status: ScanStatus;
    let message: string | null = null;
    try {
      const outputs = await runner.run({
        signal,
        factory,
        onProgress: progress => {
          latest = progress;
          writeProgress().catch(e =>
            logger.warn(`Could not record scan progress: ${toError(e).message}`),
          );
        },
        onEntityPage: page => {
          const now = Date.now();
          return store.applyEntityPage({
            scanId: scan.id,
            seenAt: new Date(now).toISOString(),
            refreshSeenBefore: new Date(now - LAST_SEEN_REFRESH_MS).toISOString(),
            entityRefs: page.entityRefs,
            checks: page.checks,
          });
        },
        onCheckDone: async (output: CheckRunOutput) => {
          checkRuns.push({
            checkId: output.checkId,
            outcome: output.outcome,
            durationMs: output.durationMs,
            findingCount: output.failCount,
            errorCount: output.errorCount,
            message: output.message,
          });
          const seenAt = new Date().toISOString();
          // Entity checks: what is left after the pages, e.g. an error about the catalog.
          await store.applyCheckFindings({
            scanId: scan.id,
            checkId: output.checkId,
            findings: output.findings,
            seenAt,
            resolveMissing: output.scope === 'deployment' && output.outcome !== 'error',
          });
          if (output.scope === 'entity' && output.passComplete) {
            await store.finishEntityPass({
              scanId: scan.id,
              checkId: output.checkId,
              resolvedAt: seenAt,
            });
          }
          // Published only when run() returned (a thrown or timed-out run publishes nothing), even
          // if some results are errors: one unreachable plugin must not drop a whole matrix.
          for (const { key, data } of output.published) {
            await store.savePublished({
              checkId: output.checkId,
              key,
              scanId: scan.id,
              updatedAt: new Date().toISOString(),
              data,
            });
          }
        },
      });
      const errored = outputs.filter(o => o.outcome === 'error');
      if (outputs.length > 0 && errored.length === outputs.length) {
        status = 'failed';
        message = `All ${outputs.length} checks failed; previous results are kept`;
      } else if (errored.length) {
        status = 'partial';
        message = `${errored.length} of ${outputs.length} checks could not complete: ${errored
          .map(o => o.checkId)
          .join(', ')}`;
      } else {
        status = 'succeeded';
      }
    } catch (e) {
      status = 'failed';
      message = `Scan failed: ${factory.scrub(toError(e).message)}; previous results are kept`;
      logger.error(`Security posture scan ${scan.id} failed: ${message}`);
    }

    await store
      .clearEntityPasses(scan.id)
      .catch(e => logger.warn(`Could not clear the scan's entity pass: ${toError(e).message}`));
    const finishedAt = new Date().toISOString();
    await writeProgress(true);
    const enabled = this.deps.registry.list().filter(c => c.enabled);
    if (status !== 'failed') {
      // Findings of checks that were disabled or removed no longer describe the deployment.
      // Resolved before the scan is marked finished: cached scores follow the scan's state.
      await store.resolveFindingsOfRetiredChecks(
        enabled.map(c => c.check.meta.id),
        finishedAt,
      );
    }
    await store.updateScan(scan.id, { status, finishedAt, message, checkRuns });
    if (status !== 'failed') {
      const categories = [...new Set(enabled.map(c => c.check.meta.category))];
      const summary = await computeSummary(store, categories);
      await store.saveSummary({
        scanId: scan.id,
        finishedAt,
        status,
        score: summary.score,
        grade: summary.grade,
        categories: summary.categories.map(c => ({ category: c.category, score: c.score })),
        counts: summary.counts,
      });
    }
    logger.info(`Security posture scan ${scan.id} finished: ${status}${message ? ` (${message})` : ''}`);
  }
}
