import { lowerCaseEn } from '@security-posture/static-analysis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  CheckRunSummary,
  Scan,
  ScanStatus,
} from '@security-posture/plugin-security-posture-common';
import { PostureStore } from '../database/PostureStore';
import { CheckRunner, CheckRunOutput, RunProgress } from './CheckRunner';
import { CheckRegistry, FindingFactory } from '@security-posture/checks';
import { asError, TooManyRequestsError } from './errors';
import { PhaseTimer } from './phaseTimer';
import { KEPT, outcomeOfChecks, ScanCompletion } from './ScanCompletion';

const PROGRESS_WRITE_INTERVAL_MS = 500;

/**
 * How often an unchanged open entity finding's last sighting is written. Entity findings are
 * resolved per evaluated entity, not by last sighting, so scans do not rewrite every finding
 * they see again; `lastSeenAt` of such a finding is at most this old while it stays open.
 */
const LAST_SEEN_REFRESH_MS = 24 * 60 * 60 * 1000;

/** Starts scans and moves them through queued → running → succeeded | partial | failed. */
export interface ScanService {
  /**
   * Queues a scan and asks for it to run now; returns the queued scan. With `fullPass`, the next
   * catalog pass evaluates every entity (not only those that changed). With `checkIds` (enabled
   * checks; the caller validates them), the scan runs only those checks and leaves the findings
   * of all others as they are.
   */
  requestScan(options: {
    trigger: Scan['trigger'];
    requestedBy?: string;
    fullPass?: boolean;
    checkIds?: string[];
  }): Promise<Scan>;
  /**
   * Closes abandoned scans, then runs queued scans on this replica while no replica runs one;
   * resolves when the queue is empty or another replica runs a scan.
   */
  processQueue(): Promise<void>;
}

/** Why a scan stopped before its end; `message` is what the scan record says. */
export class ScanInterruptedError extends Error {
  name = 'ScanInterruptedError';

  constructor(
    message: string,
    /** The scan was closed by another replica: nothing more is written for it. */
    readonly takenOver = false,
  ) {
    super(message);
  }
}

/** A database write of the scan failed; the scan record says so without database text. */
class ScanWriteError extends Error {
  name = 'ScanWriteError';
}

function humanDuration(ms: number) {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The current host, process and a random instance tag: replicas may share a pid (containers). */
export function defaultRunnerId() {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export class DefaultScanService implements ScanService {
  private draining: Promise<void> | undefined;
  private pending = false;
  private stopping = false;
  private current: AbortController | undefined;
  private ownRunnerId: string | undefined;
  private readonly completion: ScanCompletion;

  constructor(
    private readonly deps: {
      store: PostureStore;
      runner: CheckRunner;
      registry: CheckRegistry;
      logger: LoggerService;
      /**
       * Asks for queued scans to run soon. Default: this replica's `processQueue`, not awaited
       * (the request returns while the scan runs).
       */
      trigger?(): Promise<void>;
      /** Identifies this replica on the scans it runs (default: host, pid, instance tag). */
      runnerId?: string;
      /** A scan running longer is stopped and fails. */
      timeoutMs: number;
      /** How often a running scan renews its lease. */
      heartbeatMs: number;
      /** A running scan without a heartbeat for this long is closed as interrupted. */
      staleAfterMs: number;
      retentionMs: number;
      /**
       * Least time between two manual scan starts (across replicas: decided under the store's
       * scans lock); 0 or unset: no limit. Scheduled scans are exempt.
       */
      manualCooldownMs?: number;
      /** Key of secret fingerprints (HMAC); from config or generated once per installation. */
      fingerprintKey?(): Promise<string>;
      /**
       * Incremental rescans skip entities that did not change since they were last evaluated;
       * a full pass (every entity evaluated) runs when the last complete one is older than this.
       * 0 or unset: every pass is full (the plugin passes `securityPosture.scans.fullPassEvery`,
       * default 1 day).
       */
      fullPassEveryMs?: number;
      /**
       * Post-scan hook: called (not awaited) once a scan's end and summary are recorded, e.g. to
       * publish events. Its failure is logged; the scan stays as recorded.
       */
      onScanFinished?(scan: {
        scanId: string;
        status: 'succeeded' | 'partial' | 'failed';
        finishedAt: string;
      }): Promise<void>;
    },
  ) {
    this.completion = new ScanCompletion(deps, () => this.stopping);
  }

  private get runnerId() {
    return (this.ownRunnerId ??= this.deps.runnerId ?? defaultRunnerId());
  }

  async requestScan(options: {
    trigger: Scan['trigger'];
    requestedBy?: string;
    fullPass?: boolean;
    checkIds?: string[];
  }): Promise<Scan> {
    // A scan still waiting to start covers this request too if it runs every check this one asks
    // for: "Scan now" pressed twice runs once (and the queue stays short, so the latest scans
    // always include the running one).
    const { fullPass, checkIds, ...request } = options;
    const wanted = checkIds?.length ? [...new Set(checkIds)].sort() : undefined;
    const covers = (queued: Scan) =>
      !queued.checkIds ||
      (!!wanted && wanted.every(id => queued.checkIds!.includes(id)));
    const scan = await this.deps.store.enqueueScan(
      { ...request, checkIds: wanted },
      recent => {
        const queued = recent.find(s => s.status === 'queued' && covers(s));
        if (queued) return queued;
        if (options.trigger === 'manual') this.assertCooledDown(recent);
        return undefined;
      },
    );
    // Without a recorded full pass the next pass is full, on whichever replica runs it. After the
    // cooldown check: a refused start changes nothing.
    if (fullPass) await this.deps.store.forgetEntityPasses();
    this.kick();
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
        `A scan was started less than ${Math.ceil(
          cooldownMs / 1000,
        )} s ago; try again in ${seconds} s`,
        seconds,
      );
    }
  }

  private kick() {
    const trigger = this.deps.trigger ?? (() => this.processQueue());
    // Not awaited: the scan runs after the request returns.
    trigger().catch(e =>
      this.deps.logger.warn(
        `Queued scans could not be processed now: ${asError(e).message}`,
      ),
    );
  }

  /**
   * The scheduled task (global scope: one replica per period): queues a scheduled scan and
   * prunes old history. The scan itself runs outside the task, under the scans lease, so a
   * replica killed mid-scan does not hold the task's lock until the task timeout.
   */
  async runScheduled() {
    await this.deps.store.enqueueScan({ trigger: 'schedule' }, recent =>
      recent.find(s => s.status === 'queued'),
    );
    await this.deps.store.prune(
      new Date(Date.now() - this.deps.retentionMs).toISOString(),
    );
    this.kick();
  }

  processQueue(): Promise<void> {
    this.pending = true;
    if (!this.draining) {
      this.draining = (async () => {
        try {
          // Requests arriving while a drain runs are served by the same drain.
          while (this.pending && !this.stopping) {
            this.pending = false;
            await this.drainOnce();
          }
        } finally {
          this.draining = undefined;
        }
      })();
    }
    return this.draining;
  }

  /** Stops the running scan (recorded as interrupted) and waits for it, at most `waitMs`. */
  async stop(waitMs = 5000) {
    this.stopping = true;
    this.current?.abort(
      new ScanInterruptedError(
        `Scan was interrupted: the backend shut down; ${KEPT}`,
      ),
    );
    if (this.draining) {
      await Promise.race([this.draining.catch(() => {}), sleep(waitMs)]);
    }
  }

  private async drainOnce() {
    const { store, logger, staleAfterMs } = this.deps;
    const abandoned = await store.failStaleScans(
      new Date(Date.now() - staleAfterMs).toISOString(),
      `Scan was interrupted: the backend running it stopped (no heartbeat for ${humanDuration(
        staleAfterMs,
      )}); ${KEPT}`,
    );
    if (abandoned.length) {
      logger.warn(
        `Closed abandoned scan(s) ${abandoned.join(', ')} as interrupted`,
      );
      // Its backend stopped before the end of its pass, which builds the deferred indexes.
      await this.completion.restoreDeferredIndexes();
    }
    while (!this.stopping) {
      const scan = await store.claimQueuedScan({
        startedAt: new Date().toISOString(),
        runner: this.runnerId,
      });
      if (!scan) break;
      await this.execute(scan);
    }
  }

  /**
   * Renews the scan's lease every `heartbeatMs`. A renewal that finds the scan closed (another
   * replica took it as abandoned) or cannot reach the database stops the scan: a replica that
   * cannot renew its lease must not go on writing as if it still held it.
   */
  private startHeartbeat(scanId: string, controller: AbortController) {
    let inFlight = false;
    const timer = setInterval(() => {
      if (inFlight) return;
      inFlight = true;
      this.deps.store
        .heartbeatScan(scanId, new Date().toISOString())
        .then(
          alive => {
            if (!alive) {
              controller.abort(
                new ScanInterruptedError(
                  'Scan was closed by another replica',
                  true,
                ),
              );
            }
          },
          e => {
            this.deps.logger.warn(
              `Security posture scan ${scanId} could not renew its lease: ${
                asError(e).message
              }`,
            );
            controller.abort(
              new ScanInterruptedError(
                `Scan failed: the database could not be reached during the scan; ${KEPT}`,
              ),
            );
          },
        )
        .finally(() => {
          inFlight = false;
        });
    }, this.deps.heartbeatMs);
    return () => clearInterval(timer);
  }

  /** What the scan record says about an error that ended the scan; the real one is logged. */
  private failureMessage(scan: Scan, error: Error): string {
    if (error instanceof ScanInterruptedError) return error.message;
    if (error instanceof ScanWriteError) {
      return `Scan failed: its results could not be written to the database; ${KEPT}`;
    }
    return `Scan failed with an internal error (see the backend log for scan ${scan.id}); ${KEPT}`;
  }

  private async execute(scan: Scan) {
    const { store, runner, logger } = this.deps;
    const controller = new AbortController();
    this.current = controller;
    const timeout = setTimeout(
      () =>
        controller.abort(
          new ScanInterruptedError(
            `Scan failed: it ran longer than the scan timeout (${humanDuration(
              this.deps.timeoutMs,
            )}); ${KEPT}`,
          ),
        ),
      this.deps.timeoutMs,
    );
    const stopHeartbeat = this.startHeartbeat(scan.id, controller);
    const { signal } = controller;
    // Store writes of the scan: a failure is reported as such, not with the database's text.
    const written = <T>(write: Promise<T>): Promise<T> =>
      write.catch(e => {
        logger.error(
          `Security posture scan ${scan.id} could not write its results`,
          asError(e),
        );
        throw new ScanWriteError('write failed');
      });

    const checkRuns: CheckRunSummary[] = [];
    // Entity checks whose catalog pass read the whole catalog.
    const passChecks: string[] = [];
    // Every entity the catalog pass met (lower-cased): entities with findings that it did not
    // meet have left the catalog. In memory: ~100 bytes per entity, less than a row per entity
    // per scan costs the database.
    const met = new Set<string>();
    let lastWrite = 0;
    let trailingWrite: NodeJS.Timeout | undefined;
    let latest: RunProgress = { done: 0, total: 0 };
    // At most one write per interval, and the latest progress always written in the end: a long
    // step after a skipped update must not leave the scan showing stale progress.
    const writeProgress = () => {
      const waitMs = lastWrite + PROGRESS_WRITE_INTERVAL_MS - Date.now();
      if (waitMs > 0) {
        trailingWrite ??= setTimeout(() => {
          trailingWrite = undefined;
          writeProgress();
        }, waitMs);
        return;
      }
      lastWrite = Date.now();
      store
        .updateScan(scan.id, { progress: latest })
        .catch(e =>
          logger.warn(`Could not record scan progress: ${asError(e).message}`),
        );
    };

    logger.info(
      `Security posture scan ${scan.id} started (${scan.trigger}${
        scan.checkIds ? `, checks ${scan.checkIds.join(', ')}` : ''
      }) on ${this.runnerId}`,
    );
    let status: ScanStatus;
    let message: string | null = null;
    let takenOver = false;
    const phases = new PhaseTimer();
    try {
      // Inside the try: the scan must end (and its heartbeat stop) whatever fails.
      const factory = new FindingFactory(await this.deps.fingerprintKey?.());
      // A check-limited scan verifies a fix: it evaluates every entity for its checks and records
      // no entity evaluations (those stand for all checks that apply to an entity) and no pass.
      const limited = Boolean(scan.checkIds);
      const fullPass = limited || (await written(this.isFullPassDue()));
      // Before a store's first pass nothing is recorded: no lookup per page (only this scan
      // records evaluations, of entities it has evaluated already).
      const recorded = !limited && (await written(store.hasEntityEvaluations()));
      const outputs = await runner.run({
        signal,
        factory,
        checkIds: scan.checkIds,
        incremental: limited
          ? undefined
          : {
              full: fullPass,
              lookup: entityRefs =>
                recorded
                  ? written(store.getEntityEvaluations(entityRefs))
                  : Promise.resolve(new Map()),
              seenRefreshBefore: new Date(
                Date.now() - LAST_SEEN_REFRESH_MS,
              ).toISOString(),
            },
        onProgress: progress => {
          latest = progress;
          writeProgress();
        },
        onEntityPage: page => {
          for (const ref of page.entityRefs) met.add(lowerCaseEn(ref));
          for (const ref of page.unchangedEntityRefs) met.add(lowerCaseEn(ref));
          const now = Date.now();
          return written(
            store.applyEntityPage({
              scanId: scan.id,
              seenAt: new Date(now).toISOString(),
              refreshSeenBefore: new Date(
                now - LAST_SEEN_REFRESH_MS,
              ).toISOString(),
              entityRefs: page.entityRefs,
              checks: page.checks,
              evaluations: page.evaluations,
              forgetEvaluations: page.forgetEvaluations,
            }),
          );
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
          await written(
            store.applyCheckFindings({
              scanId: scan.id,
              checkId: output.checkId,
              findings: output.findings,
              seenAt,
              resolveMissing:
                output.scope === 'deployment' && output.outcome !== 'error',
            }),
          );
          if (output.scope === 'entity' && output.passComplete)
            passChecks.push(output.checkId);
          // Published only when run() returned (a thrown or timed-out run publishes nothing), even
          // if some results are errors: one unreachable plugin must not drop a whole matrix.
          for (const { key, data } of output.published) {
            await written(
              store.savePublished({
                checkId: output.checkId,
                key,
                scanId: scan.id,
                updatedAt: new Date().toISOString(),
                data,
              }),
            );
          }
        },
      });
      // A lease lost after the last check still means another replica closed the scan.
      signal.throwIfAborted();
      phases.mark('checks');
      await this.completion.recordCatalogPass({
        scanId: scan.id,
        passChecks,
        met,
        // A check-limited scan did not ask (it looks nothing up): it forgets as before.
        evaluationsRecordedBefore: limited || recorded,
        full: fullPass,
        limited,
        outputs,
        phases,
        written,
      });
      ({ status, message } = outcomeOfChecks(outputs));
    } catch (e) {
      // An abort ends the run with the abort's reason, whatever the runner was doing then.
      const error = signal.aborted ? asError(signal.reason) : asError(e);
      takenOver = error instanceof ScanInterruptedError && error.takenOver;
      status = 'failed';
      message = this.failureMessage(scan, error);
      logger.error(
        `Security posture scan ${scan.id} failed: ${message}`,
        error instanceof ScanInterruptedError ? undefined : error,
      );
    } finally {
      clearTimeout(timeout);
      clearTimeout(trailingWrite);
      this.current = undefined;
    }

    try {
      if (takenOver) {
        logger.warn(
          `Security posture scan ${scan.id} was closed by another replica; not recorded`,
        );
        return;
      }
      await this.completion.finish(scan, {
        status,
        message,
        checkRuns,
        progress: latest,
        phases,
      });
    } catch (e) {
      logger.error(
        `Security posture scan ${scan.id} could not be recorded as ${status}; another replica ` +
          `closes it as interrupted once its heartbeat is ${humanDuration(
            this.deps.staleAfterMs,
          )} old`,
        asError(e),
      );
    } finally {
      stopHeartbeat();
    }
  }

  /** Whether this scan's catalog pass evaluates every entity: none yet, or the last is too old. */
  private async isFullPassDue(): Promise<boolean> {
    const everyMs = this.deps.fullPassEveryMs ?? 0;
    if (everyMs <= 0) return true;
    const last = await this.deps.store.lastFullEntityPassAt();
    return !last || Date.parse(last) <= Date.now() - everyMs;
  }
}
