import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { JsonObject, JsonValue } from '@backstage/types';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  CheckOutcome,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import {
  CheckInstanceMetadata,
  CheckResult,
  CheckServices,
  EntitySecurityCheck,
  SecurityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import { EntityEvaluation, NewFinding } from '../database/PostureStore';
import { CatalogEntitySource } from './CatalogEntitySource';
import { asError } from './errors';
import {
  entityContentHash,
  evaluatorKey,
  evaluatorsHash,
  IncrementalPassOptions,
} from './incrementalPass';
import {
  CheckRegistry,
  FindingFactory,
  ResolvedCheck,
} from '@security-posture/checks';

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
  /** Incremental passes: entities of the page skipped as unchanged (their findings stand). */
  unchangedEntityRefs: string[];
  /** Evaluated entities to record with their hashes (those whose hashes changed). */
  evaluations: EntityEvaluation[];
  /** Entities a check failed on whose recorded evaluation must be forgotten. */
  forgetEvaluations: string[];
  checks: Array<{
    checkId: string;
    findings: NewFinding[];
    /** Entities of the page the check failed on (threw, or returned an error result). */
    unevaluatedEntityRefs: string[];
  }>;
}

export interface RunProgress {
  done: number;
  total: number;
}

// Per-entity error findings are capped per check; the error count keeps the full number.
const MAX_ERROR_FINDINGS_PER_CHECK = 20;
const PUBLISH_KEY = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const DEPLOYMENT_CHECK_CONCURRENCY = 4;

class TimeoutError extends Error {
  name = 'TimeoutError';
}

async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent: AbortSignal,
): Promise<T> {
  parent.throwIfAborted();
  const controller = new AbortController();
  let rejectOnAbort: (reason: unknown) => void = () => {};
  // A stopped scan does not wait for a check that ignores its signal.
  const onParentAbort = () => {
    controller.abort(parent.reason);
    rejectOnAbort(parent.reason);
  };
  parent.addEventListener('abort', onParentAbort);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<never>((_, reject) => {
        rejectOnAbort = reject;
        timer = setTimeout(() => {
          const error = new TimeoutError(`timed out after ${timeoutMs} ms`);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
  }
}

/** A configured severity override replaces the severity each result carries. */
function withOverride(
  results: CheckResult[],
  override: Severity | undefined,
): CheckResult[] {
  return override ? results.map(r => ({ ...r, severity: override })) : results;
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>)?.then === 'function';
}

/** Logs through the plugin logger with every secret seen so far in the scan masked. */
function scrubbingLogger(
  logger: LoggerService,
  factory: FindingFactory,
): LoggerService {
  const wrap =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, meta?: Error | JsonObject) => {
      const scrubbed =
        meta instanceof Error
          ? { error: factory.scrub(meta.message) }
          : meta &&
            Object.fromEntries(
              Object.entries(meta).map(([k, v]) => [
                k,
                typeof v === 'string' ? factory.scrub(v) : v,
              ]),
            );
      logger[level](factory.scrub(message), scrubbed as JsonObject | undefined);
    };
  return {
    error: wrap('error'),
    warn: wrap('warn'),
    info: wrap('info'),
    debug: wrap('debug'),
    child: meta =>
      scrubbingLogger(
        logger.child(
          Object.fromEntries(
            Object.entries(meta).map(([k, v]) => [
              k,
              typeof v === 'string' ? factory.scrub(v) : v,
            ]),
          ),
        ),
        factory,
      ),
  };
}

// Lines a check may log while it runs before the rest are dropped (they are held in memory).
const MAX_HELD_LOG_LINES = 1000;

type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * Holds a check's own log lines until its results went through the factory, so a secret that a
 * check logs while finding it is masked there as in its findings. After `release()` (e.g. a
 * check that outlived its timeout) lines are written at once, scrubbed of the secrets known then.
 */
class HeldLogs {
  private held: Array<() => void> | undefined = [];
  private dropped = 0;

  /** `target` is resolved when a line is written, so child loggers scrub their metadata late. */
  logger(target: () => LoggerService): LoggerService {
    const hold =
      (level: LogLevel) => (message: string, meta?: Error | JsonObject) => {
        const write = () => target()[level](message, meta);
        if (!this.held) write();
        else if (this.held.length < MAX_HELD_LOG_LINES) this.held.push(write);
        else this.dropped += 1;
      };
    return {
      error: hold('error'),
      warn: hold('warn'),
      info: hold('info'),
      debug: hold('debug'),
      child: meta => this.logger(() => target().child(meta)),
    };
  }

  /** Writes the held lines; with `release`, later lines are no longer held. */
  flush(options: { release?: boolean; via: LoggerService }) {
    const held = this.held ?? [];
    this.held = options.release ? undefined : [];
    for (const write of held) write();
    if (this.dropped) {
      options.via.warn(`${this.dropped} log lines of the check were dropped`);
      this.dropped = 0;
    }
  }
}

type OutcomeCounts = Record<CheckOutcome, number>;

function countOutcomes(
  results: CheckResult[],
  into?: OutcomeCounts,
): OutcomeCounts {
  const counts = into ?? { fail: 0, pass: 0, error: 0, notApplicable: 0 };
  for (const result of results) counts[result.outcome] += 1;
  return counts;
}

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

    const queue = [...deploymentChecks];
    const workers = Array.from(
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
          progress.done += 1;
          onProgress({ ...progress });
        }
      },
    );
    await Promise.all(workers);

    if (entityChecks.length) {
      for (const output of await this.runEntityChecks(
        entityChecks,
        factory,
        logger,
        signal,
        progress,
        onProgress,
        onEntityPage,
        incremental,
      )) {
        signal.throwIfAborted();
        await finish(output);
      }
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
      const findings = factory.fromResults(
        check.meta,
        severity,
        withOverride(results, resolved.severityOverride),
      );
      const counts = countOutcomes(results);
      return {
        checkId: check.meta.id,
        outcome: overallOutcome(counts, 0),
        durationMs: Math.round(performance.now() - started),
        findings,
        failCount: findings.filter(f => f.outcome === 'fail').length,
        errorCount: counts.error,
        published: [...published].map(([key, data]) => ({
          key,
          data: factory.scrubJson(data),
        })),
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
    onEntityPage?: (page: EntityPageOutput) => Promise<void>,
    incremental?: IncrementalPassOptions,
  ): Promise<CheckRunOutput[]> {
    type State = {
      resolved: ResolvedCheck;
      check: EntitySecurityCheck;
      context: SecurityCheckContext;
      logs: HeldLogs;
      counts: OutcomeCounts;
      findings: NewFinding[];
      failCount: number;
      errorCount: number;
      durationMs: number;
      firstError?: string;
      /** Entities of the current page the check failed on. */
      pageUnevaluated: string[];
    };
    const states: State[] = checks.map(resolved => {
      const logs = new HeldLogs();
      return {
        resolved,
        check: resolved.check as EntitySecurityCheck,
        context: this.contextFor(resolved, logger, logs, signal),
        logs,
        counts: countOutcomes([]),
        findings: [],
        failCount: 0,
        errorCount: 0,
        durationMs: 0,
        pageUnevaluated: [],
      };
    });

    // Entities a check failed on, over the pass: an entity that adds to it is not recorded.
    let failures = 0;
    const evaluate = async (
      state: State,
      entity: Entity,
      applies?: boolean,
    ) => {
      const { check, severity, timeoutMs } = {
        ...state.resolved,
        check: state.check,
      };
      const started = performance.now();
      try {
        if (!applies && check.appliesTo && !check.appliesTo(entity)) return;
        const pending = check.evaluate(entity, state.context);
        const results = isPromiseLike<CheckResult[]>(pending)
          ? await withTimeout(() => Promise.resolve(pending), timeoutMs, signal)
          : pending;
        countOutcomes(results, state.counts);
        if (results.some(r => r.outcome === 'error')) {
          state.pageUnevaluated.push(stringifyEntityRef(entity));
          failures += 1;
        }
        for (const found of factory.fromResults(
          check.meta,
          severity,
          withOverride(results, state.resolved.severityOverride),
          entity,
        )) {
          state.findings.push(found);
          if (found.outcome === 'fail') state.failCount += 1;
        }
      } catch (e) {
        const error = asError(e);
        state.errorCount += 1;
        state.firstError ??= factory.scrub(error.message);
        state.pageUnevaluated.push(stringifyEntityRef(entity));
        failures += 1;
        if (state.errorCount <= MAX_ERROR_FINDINGS_PER_CHECK) {
          state.findings.push(
            factory.fromError(check.meta, severity, error, entity),
          );
        }
      } finally {
        state.durationMs += performance.now() - started;
        state.logs.flush({ via: logger });
      }
    };

    // A page's findings are written while the next page is evaluated: the database works while
    // the checks compute. A failed write ends the pass and fails the scan.
    let pendingWrite: Promise<void> = Promise.resolve();
    let writeError: Error | undefined;
    let pageEvaluated: string[] = [];
    let pageUnchanged: string[] = [];
    let pageEvaluations: EntityEvaluation[] = [];
    let pageForget: string[] = [];
    const deliverPage = async () => {
      await pendingWrite;
      if (writeError) throw writeError;
      if (!onEntityPage) {
        for (const state of states) state.pageUnevaluated = [];
        pageEvaluated = [];
        return;
      }
      const page: EntityPageOutput = {
        entityRefs: pageEvaluated,
        unchangedEntityRefs: pageUnchanged,
        evaluations: pageEvaluations,
        forgetEvaluations: pageForget,
        checks: states.map(state => ({
          checkId: state.check.meta.id,
          findings: state.findings,
          unevaluatedEntityRefs: state.pageUnevaluated,
        })),
      };
      for (const state of states) {
        state.findings = [];
        state.pageUnevaluated = [];
      }
      pageEvaluated = [];
      pageUnchanged = [];
      pageEvaluations = [];
      pageForget = [];
      pendingWrite = onEntityPage(page).catch(e => {
        writeError = asError(e);
      });
    };

    // Incremental passes: each check's part of the evaluator hash, read once per scan.
    const keys = incremental
      ? await Promise.all(
          states.map(state => evaluatorKey(state.resolved, state.context)),
        )
      : [];
    const keyId = factory.keyId;
    let skipped = 0;

    /**
     * Evaluates an entity unless it and the checks that apply to it are unchanged since it was
     * last evaluated; records what it was evaluated under, unless a check failed on it.
     */
    const evaluateIncrementally = async (
      entity: Entity,
      pass: IncrementalPassOptions,
      stored: Map<string, { contentHash: string; evaluatorsHash: string }>,
    ) => {
      const entityRef = stringifyEntityRef(entity);
      const ref = entityRef.toLocaleLowerCase('en-US');
      const applying: Array<{ state: State; checked: boolean }> = [];
      const applyingKeys: string[] = [];
      states.forEach((state, i) => {
        let applies = true;
        let checked = true;
        try {
          applies = !state.check.appliesTo || state.check.appliesTo(entity);
        } catch {
          // evaluate() asks again and reports the error as the check's.
          checked = false;
        }
        if (applies) {
          applying.push({ state, checked });
          applyingKeys.push(keys[i]);
        }
      });
      const contentHash = entityContentHash(entity);
      const evaluators = evaluatorsHash(applyingKeys, keyId);
      const before = stored.get(ref);
      const unchanged =
        before?.contentHash === contentHash &&
        before.evaluatorsHash === evaluators;
      if (unchanged && !pass.full) {
        pageUnchanged.push(entityRef);
        skipped += 1;
        return;
      }
      const failuresBefore = failures;
      for (const { state, checked } of applying)
        await evaluate(state, entity, checked);
      pageEvaluated.push(entityRef);
      if (failures > failuresBefore) {
        if (before) pageForget.push(ref);
      } else if (!unchanged) {
        pageEvaluations.push({
          entityRef: ref,
          contentHash,
          evaluatorsHash: evaluators,
        });
      }
    };

    let seen = 0;
    let catalogError: Error | undefined;
    let counted = false;
    try {
      for await (const page of this.deps.catalog.pages({
        pageSize: this.deps.entityPageSize,
      })) {
        if (!counted) {
          progress.total += page.totalItems;
          counted = true;
          // The catalog's size is known now: say so before the page is evaluated.
          onProgress({ ...progress });
        }
        let stored = new Map<
          string,
          { contentHash: string; evaluatorsHash: string }
        >();
        if (incremental) {
          // A failed read is a database failure, not the catalog's: it fails the scan.
          try {
            stored = await incremental.lookup(
              page.items.map(entity => stringifyEntityRef(entity)),
            );
          } catch (e) {
            writeError = asError(e);
            throw writeError;
          }
        }
        for (const entity of page.items) {
          if (signal.aborted)
            throw asError(signal.reason ?? new Error('scan aborted'));
          if (incremental) {
            await evaluateIncrementally(entity, incremental, stored);
          } else {
            const failuresBefore = failures;
            for (const state of states) {
              await evaluate(state, entity);
            }
            const entityRef = stringifyEntityRef(entity);
            pageEvaluated.push(entityRef);
            // E.g. a check-limited pass: the entity's recorded evaluation no longer holds, so the
            // next incremental pass evaluates it again instead of keeping the error.
            if (failures > failuresBefore) {
              pageForget.push(entityRef.toLocaleLowerCase('en-US'));
            }
          }
        }
        seen += page.items.length;
        progress.done += page.items.length;
        progress.total = Math.max(progress.total, progress.done);
        onProgress({ ...progress });
        await deliverPage();
      }
    } catch (e) {
      if (writeError) throw writeError;
      if (signal.aborted) {
        // A stopped scan is not a catalog failure: let the page being written finish, then stop.
        await pendingWrite;
        throw asError(signal.reason);
      }
      catalogError = asError(e);
      logger.error(
        `Catalog read failed after ${seen} entities; entity checks are incomplete: ${catalogError.message}`,
      );
    }
    await pendingWrite;
    if (writeError) throw writeError;

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
