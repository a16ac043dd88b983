import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { JsonValue } from '@backstage/types';
import { CheckOutcome } from '@security-posture/plugin-security-posture-common';
import {
  CheckInstanceMetadata,
  CheckServices,
  EntitySecurityCheck,
  SecurityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import {
  CheckRegistry,
  countOutcomes,
  EntityEvaluationPool,
  EvaluationSession,
  EventLoopTurns,
  FindingFactory,
  OutcomeCounts,
  ResolvedCheck,
  withOverride,
  withTimeout,
} from '@security-posture/checks';
import {
  EntityEvaluation,
  EntityPageCheck,
  NewFinding,
} from '../database/PostureStore';
import { CatalogEntitySource } from './CatalogEntitySource';
import { asError } from './errors';
import { runEntityPass } from './EntityPass';
import { EntityCheckState } from './entityPassState';
import { HeldLogs, scrubbingLogger } from './heldLogs';
import { IncrementalPassOptions } from './incrementalPass';

/** What one check produced in one scan. */
export interface CheckRunOutput {
  checkId: string;
  outcome: CheckOutcome;
  durationMs: number;
  /** Findings not yet delivered through `onEntityPage` (all of them without it). */
  findings: NewFinding[];
  /** Failed results of the whole run, including findings delivered page by page. */
  failCount: number;
  errorCount: number;
  message?: string;
  /** Data the check published; empty when its run threw or timed out. */
  published: Array<{ key: string; data: JsonValue }>;
  scope: 'deployment' | 'entity';
  /** Entity checks: whether the catalog pass read every entity (no catalog failure or abort). */
  passComplete?: boolean;
  /** Entity checks, incremental passes: entities not evaluated as nothing they depend on changed. */
  skippedEntities?: number;
  /** Entity checks, incremental passes: entities evaluated (by at least the checks that apply). */
  evaluatedEntities?: number;
}

/** One catalog page of the entity pass, with what each entity check found on it. */
export interface EntityPageOutput {
  /** Entities of the page the checks evaluated. */
  entityRefs: string[];
  /**
   * Incremental passes: entities of the page met but not written, skipped as unchanged or found
   * with exactly their recorded findings (their findings stand).
   */
  unchangedEntityRefs: string[];
  /** Evaluated entities to record with their hashes and findings digests (what changed or is due). */
  evaluations: EntityEvaluation[];
  /** Entities a check failed on whose recorded evaluation must be forgotten. */
  forgetEvaluations: string[];
  checks: EntityPageCheck[];
}

export interface RunProgress {
  done: number;
  total: number;
}

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>(r => {
    resolve = r;
  });
  return { promise, resolve };
}

const PUBLISH_KEY = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const DEPLOYMENT_CHECK_CONCURRENCY = 4;

/** A check errored if anything errored; it is not applicable only if nothing else was seen. */
function overallOutcome(counts: OutcomeCounts, thrown: number): CheckOutcome {
  if (thrown > 0 || counts.error > 0) return 'error';
  if (counts.fail > 0) return 'fail';
  if (counts.notApplicable > 0 && counts.pass === 0) return 'notApplicable';
  return 'pass';
}

/**
 * Runs every enabled check (or the requested ones) once: deployment checks with a timeout each, entity checks over a
 * single paged pass of the catalog. A check that throws or hangs yields an `error` outcome and
 * the run goes on; a catalog that fails mid-stream turns the entity checks into errors.
 */
export class CheckRunner {
  constructor(
    private readonly deps: {
      registry: CheckRegistry;
      catalog: CatalogEntitySource;
      instanceMetadata: CheckInstanceMetadata;
      config: Config;
      logger: LoggerService;
      services: CheckServices;
      getPublished(
        checkId: string,
        key: string,
      ): Promise<JsonValue | undefined>;
      entityPageSize?: number;
      /** Evaluates the entity checks that allow it off the event loop; all on it without. */
      evaluationPool?: EntityEvaluationPool;
    },
  ) {}

  async run(options: {
    signal: AbortSignal;
    factory: FindingFactory;
    onProgress(progress: RunProgress): void;
    onCheckDone(output: CheckRunOutput): Promise<void>;
    /**
     * Receives each catalog page's entity findings, so a scan's memory does not grow with the
     * catalog; `onCheckDone` then gets only the rest. Without it, findings are kept until the
     * check is done.
     */
    onEntityPage?(page: EntityPageOutput): Promise<void>;
    /**
     * Skip entities whose content and evaluating checks are unchanged since they were last
     * evaluated (needs `onEntityPage`, which records the evaluations).
     */
    incremental?: IncrementalPassOptions;
    /** Runs only these enabled checks (a check-limited scan); every enabled check without it. */
    checkIds?: string[];
  }): Promise<CheckRunOutput[]> {
    const { signal, factory, onProgress, onCheckDone, onEntityPage, checkIds } =
      options;
    const incremental = onEntityPage ? options.incremental : undefined;
    const only = checkIds && new Set(checkIds);
    const enabled = this.deps.registry
      .list()
      .filter(c => c.enabled && (!only || only.has(c.check.meta.id)));
    const deploymentChecks = enabled.filter(
      c => c.check.scope === 'deployment',
    );
    const entityChecks = enabled.filter(c => c.check.scope === 'entity');
    const logger = scrubbingLogger(this.deps.logger, factory);
    const progress: RunProgress = { done: 0, total: deploymentChecks.length };
    onProgress({ ...progress });

    const outputs: CheckRunOutput[] = [];
    const finish = async (output: CheckRunOutput) => {
      outputs.push(output);
      await onCheckDone(output);
    };

    // Deployment checks and the catalog pass run side by side. An entity check that reads what a
    // deployment check of this run publishes (e.g. the permission coverage matrix) waits for it,
    // so it sees this scan's data as when the deployment checks ran first.
    const deploymentDone = new Map(
      deploymentChecks.map(c => [c.check.meta.id, deferred()]),
    );
    const getPublished = async (checkId: string, key: string) => {
      await deploymentDone.get(checkId)?.promise;
      return this.deps.getPublished(checkId, key);
    };
    const queue = [...deploymentChecks];
    const runDeploymentChecks = async () => {
      const deploymentStart = performance.now();
      try {
        await Promise.all(
          Array.from(
            { length: Math.min(DEPLOYMENT_CHECK_CONCURRENCY, queue.length) },
            async () => {
              for (let next = queue.shift(); next; next = queue.shift()) {
                const output = await this.runDeploymentCheck(
                  next,
                  factory,
                  logger,
                  signal,
                );
                // A stopped scan records nothing more: its checks' errors are the stop, not findings.
                signal.throwIfAborted();
                await finish(output);
                deploymentDone.get(output.checkId)?.resolve();
                progress.done += 1;
                onProgress({ ...progress });
              }
            },
          ),
        );
      } finally {
        // Nothing waits forever on a check that did not get to publish.
        for (const done of deploymentDone.values()) done.resolve();
        logger.debug(
          `Deployment checks: ${Math.round(
            performance.now() - deploymentStart,
          )} ms`,
        );
      }
    };
    const deploymentPass = runDeploymentChecks();
    const runCatalogPass = async () => {
      if (!entityChecks.length) return;
      const entityOutputs = await this.runEntityChecks(
        entityChecks,
        factory,
        logger,
        signal,
        progress,
        onProgress,
        getPublished,
        onEntityPage,
        incremental,
      );
      // Deployment checks finish first, so outputs keep their order (deployment, then entity).
      await deploymentPass;
      for (const output of entityOutputs) {
        signal.throwIfAborted();
        await finish(output);
      }
    };
    const results = await Promise.allSettled([
      deploymentPass,
      runCatalogPass(),
    ]);
    for (const result of results) {
      if (result.status === 'rejected') throw result.reason;
    }
    return outputs;
  }

  private contextFor(
    resolved: ResolvedCheck,
    logger: LoggerService,
    logs: HeldLogs,
    signal: AbortSignal,
    published: Map<string, JsonValue> = new Map(),
  ): SecurityCheckContext {
    const checkId = resolved.check.meta.id;
    return {
      config: this.deps.config,
      logger: logs.logger(() => logger.child({ check: checkId })),
      catalog: this.deps.catalog,
      instanceMetadata: this.deps.instanceMetadata,
      services: this.deps.services,
      signal,
      options: resolved.options,
      publish(key, data) {
        if (!PUBLISH_KEY.test(key)) {
          throw new Error(
            `Check ${checkId} published under invalid key '${key}'`,
          );
        }
        published.set(key, data);
      },
      getPublished: (otherCheckId, key) =>
        this.deps.getPublished(otherCheckId, key),
    };
  }

  private async runDeploymentCheck(
    resolved: ResolvedCheck,
    factory: FindingFactory,
    logger: LoggerService,
    scanSignal: AbortSignal,
  ): Promise<CheckRunOutput> {
    const { check, severity, timeoutMs } = resolved;
    if (check.scope !== 'deployment') throw new Error('not a deployment check');
    const started = performance.now();
    const logs = new HeldLogs();
    const published = new Map<string, JsonValue>();
    try {
      const results = await withTimeout(
        signal =>
          check.run(this.contextFor(resolved, logger, logs, signal, published)),
        timeoutMs,
        scanSignal,
      );
      // On the event loop the portal's requests share: thousands of results (or a large
      // published record) are converted with turns of the loop in between.
      const turns = new EventLoopTurns();
      const findings = await factory.fromResultsInTurns(
        check.meta,
        severity,
        withOverride(results, resolved.severityOverride),
        turns,
      );
      const counts = countOutcomes(results);
      const scrubbedPublished = [];
      for (const [key, data] of published) {
        scrubbedPublished.push({ key, data: await factory.scrubJsonInTurns(data, turns) });
      }
      return {
        checkId: check.meta.id,
        outcome: overallOutcome(counts, 0),
        durationMs: Math.round(performance.now() - started),
        findings,
        failCount: findings.filter(f => f.outcome === 'fail').length,
        errorCount: counts.error,
        published: scrubbedPublished,
        scope: 'deployment',
      };
    } catch (e) {
      const error = asError(e);
      // A stopped scan says why once; its checks did not fail.
      if (!scanSignal.aborted)
        logger.warn(`Security check ${check.meta.id} failed: ${error.message}`);
      return {
        checkId: check.meta.id,
        outcome: 'error',
        durationMs: Math.round(performance.now() - started),
        findings: [factory.fromError(check.meta, severity, error)],
        failCount: 0,
        errorCount: 1,
        message: factory.scrub(error.message),
        published: [],
        scope: 'deployment',
      };
    } finally {
      logs.flush({ release: true, via: logger });
    }
  }

  private async runEntityChecks(
    checks: ResolvedCheck[],
    factory: FindingFactory,
    logger: LoggerService,
    signal: AbortSignal,
    progress: RunProgress,
    onProgress: (progress: RunProgress) => void,
    getPublished: (
      checkId: string,
      key: string,
    ) => Promise<JsonValue | undefined>,
    onEntityPage?: (page: EntityPageOutput) => Promise<void>,
    incremental?: IncrementalPassOptions,
  ): Promise<CheckRunOutput[]> {
    let session: EvaluationSession | undefined;
    try {
      session = await this.deps.evaluationPool?.startScan({
        config: this.deps.config,
        checks,
        fingerprintKey: factory.fingerprintKey,
        factory,
        getPublished,
      });
    } catch (e) {
      logger.warn(
        `Evaluation workers are not available, entity checks run on the main thread: ${
          asError(e).message
        }`,
      );
    }
    if (session) {
      const niceness = this.deps.evaluationPool!.workerNiceness.filter(
        n => n !== undefined,
      );
      logger.info(
        `Catalog pass: ${[...session.checkIds].join(', ')} evaluated in ${
          this.deps.evaluationPool!.size
        } evaluation worker(s)${
          niceness.length ? ` at CPU niceness ${niceness[0]}` : ''
        }`,
      );
    }
    const states: EntityCheckState[] = checks.map(resolved => {
      const logs = new HeldLogs();
      return {
        resolved,
        check: resolved.check as EntitySecurityCheck,
        context: {
          ...this.contextFor(resolved, logger, logs, signal),
          getPublished,
        },
        logs,
        counts: countOutcomes([]),
        findings: [],
        failCount: 0,
        errorCount: 0,
        durationMs: 0,
        pageUnevaluated: [],
        pageKept: [],
        pageKeptRefresh: [],
        inWorker: Boolean(session?.checkIds.has(resolved.check.meta.id)),
      };
    });
    const { seen, skipped, catalogError, timings } = await runEntityPass({
      states,
      catalog: this.deps.catalog,
      pageSize: this.deps.entityPageSize,
      factory,
      logger,
      signal,
      progress,
      onProgress,
      onEntityPage,
      incremental,
      session,
    });
    logger.debug(
      `Catalog pass of ${seen} entities: ${Object.entries(timings)
        .map(([phase, ms]) => `${phase} ${Math.round(ms)} ms`)
        .join(', ')}`,
    );

    return states.map(state => {
      const { meta } = state.check;
      state.logs.flush({ release: true, via: logger });
      if (catalogError) {
        const error = new Error(
          `Catalog read failed after ${seen} entities: ${catalogError.message}`,
        );
        state.findings.push(
          factory.fromError(meta, state.resolved.severity, error),
        );
      }
      const errorCount = state.errorCount + (catalogError ? 1 : 0);
      return {
        checkId: meta.id,
        outcome: overallOutcome(state.counts, errorCount),
        durationMs: Math.round(state.durationMs),
        findings: state.findings,
        failCount: state.failCount,
        errorCount: errorCount + state.counts.error,
        published: [],
        scope: 'entity' as const,
        passComplete: !catalogError,
        skippedEntities: incremental ? skipped : undefined,
        evaluatedEntities: incremental ? seen - skipped : undefined,
        message: catalogError
          ? factory.scrub(
              `Catalog read failed after ${seen} entities: ${catalogError.message}`,
            )
          : (state.firstError &&
              `${state.errorCount} entities could not be evaluated; first error: ${state.firstError}`) ||
            (skipped
              ? `Incremental pass: ${skipped} unchanged entities were not evaluated again; their findings stand`
              : undefined),
      };
    });
  }
}
