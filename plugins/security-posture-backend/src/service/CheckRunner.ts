import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { toError } from '@backstage/errors';
import { JsonObject } from '@backstage/types';
import { CheckOutcome } from '@security-posture/plugin-security-posture-common';
import {
  CheckInstanceMetadata,
  CheckResult,
  EntitySecurityCheck,
  SecurityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import { NewFinding } from '../database/PostureStore';
import { CatalogEntitySource } from './CatalogEntitySource';
import { CheckRegistry, ResolvedCheck } from './CheckRegistry';
import { FindingFactory } from './FindingFactory';

/** What one check produced in one scan. */
export interface CheckRunOutput {
  checkId: string;
  outcome: CheckOutcome;
  durationMs: number;
  findings: NewFinding[];
  errorCount: number;
  message?: string;
}

export interface RunProgress {
  done: number;
  total: number;
}

// Per-entity error findings are capped per check; the error count keeps the full number.
const MAX_ERROR_FINDINGS_PER_CHECK = 20;
const DEPLOYMENT_CHECK_CONCURRENCY = 4;

class TimeoutError extends Error {
  name = 'TimeoutError';
}

async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<never>((_, reject) => {
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

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>)?.then === 'function';
}

/** Logs through the plugin logger with every secret seen so far in the scan masked. */
function scrubbingLogger(logger: LoggerService, factory: FindingFactory): LoggerService {
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
    child: meta => scrubbingLogger(logger.child(meta), factory),
  };
}

type OutcomeCounts = Record<CheckOutcome, number>;

function countOutcomes(results: CheckResult[], into?: OutcomeCounts): OutcomeCounts {
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
 * Runs every enabled check once: deployment checks with a timeout each, entity checks over a
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
      entityPageSize?: number;
    },
  ) {}

  async run(options: {
    signal: AbortSignal;
    factory: FindingFactory;
    onProgress(progress: RunProgress): void;
    onCheckDone(output: CheckRunOutput): Promise<void>;
  }): Promise<CheckRunOutput[]> {
    const { signal, factory, onProgress, onCheckDone } = options;
    const enabled = this.deps.registry.list().filter(c => c.enabled);
    const deploymentChecks = enabled.filter(c => c.check.scope === 'deployment');
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
          await finish(await this.runDeploymentCheck(next, factory, logger, signal));
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
      )) {
        await finish(output);
      }
    }
    return outputs;
  }

  private contextFor(
    resolved: ResolvedCheck,
    logger: LoggerService,
    signal: AbortSignal,
  ): SecurityCheckContext {
    return {
      config: this.deps.config,
      logger: logger.child({ check: resolved.check.meta.id }),
      catalog: this.deps.catalog,
      instanceMetadata: this.deps.instanceMetadata,
      signal,
      options: resolved.options,
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
    try {
      const results = await withTimeout(
        signal => check.run(this.contextFor(resolved, logger, signal)),
        timeoutMs,
        scanSignal,
      );
      const findings = results
        .filter(r => r.outcome === 'fail' || r.outcome === 'error')
        .map(r => factory.fromResult(check.meta, severity, r));
      const counts = countOutcomes(results);
      return {
        checkId: check.meta.id,
        outcome: overallOutcome(counts, 0),
        durationMs: Math.round(performance.now() - started),
        findings,
        errorCount: counts.error,
      };
    } catch (e) {
      const error = toError(e);
      logger.warn(`Security check ${check.meta.id} failed: ${error.message}`);
      return {
        checkId: check.meta.id,
        outcome: 'error',
        durationMs: Math.round(performance.now() - started),
        findings: [factory.fromError(check.meta, severity, error)],
        errorCount: 1,
        message: factory.scrub(error.message),
      };
    }
  }

  private async runEntityChecks(
    checks: ResolvedCheck[],
    factory: FindingFactory,
    logger: LoggerService,
    signal: AbortSignal,
    progress: RunProgress,
    onProgress: (progress: RunProgress) => void,
  ): Promise<CheckRunOutput[]> {
    type State = {
      resolved: ResolvedCheck;
      check: EntitySecurityCheck;
      context: SecurityCheckContext;
      counts: OutcomeCounts;
      findings: NewFinding[];
      errorCount: number;
      durationMs: number;
      firstError?: string;
    };
    const states: State[] = checks.map(resolved => ({
      resolved,
      check: resolved.check as EntitySecurityCheck,
      context: this.contextFor(resolved, logger, signal),
      counts: countOutcomes([]),
      findings: [],
      errorCount: 0,
      durationMs: 0,
    }));

    const evaluate = async (state: State, entity: Entity) => {
      const { check, severity, timeoutMs } = {
        ...state.resolved,
        check: state.check,
      };
      const started = performance.now();
      try {
        if (check.appliesTo && !check.appliesTo(entity)) return;
        const pending = check.evaluate(entity, state.context);
        const results = isPromiseLike<CheckResult[]>(pending)
          ? await withTimeout(() => Promise.resolve(pending), timeoutMs, signal)
          : pending;
        countOutcomes(results, state.counts);
        for (const result of results) {
          if (result.outcome === 'fail' || result.outcome === 'error') {
            state.findings.push(factory.fromResult(check.meta, severity, result, entity));
          }
        }
      } catch (e) {
        const error = toError(e);
        state.errorCount += 1;
        state.firstError ??= factory.scrub(error.message);
        if (state.errorCount <= MAX_ERROR_FINDINGS_PER_CHECK) {
          state.findings.push(factory.fromError(check.meta, severity, error, entity));
        }
      } finally {
        state.durationMs += performance.now() - started;
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
        }
        for (const entity of page.items) {
          if (signal.aborted) throw toError(signal.reason ?? new Error('scan aborted'));
          for (const state of states) {
            await evaluate(state, entity);
          }
        }
        seen += page.items.length;
        progress.done += page.items.length;
        progress.total = Math.max(progress.total, progress.done);
        onProgress({ ...progress });
      }
    } catch (e) {
      catalogError = toError(e);
      logger.error(
        `Catalog read failed after ${seen} entities; entity checks are incomplete: ${catalogError.message}`,
      );
    }

    return states.map(state => {
      const { meta } = state.check;
      if (catalogError) {
        const error = new Error(
          `Catalog read failed after ${seen} entities: ${catalogError.message}`,
        );
        state.findings.push(factory.fromError(meta, state.resolved.severity, error));
      }
      const errorCount = state.errorCount + (catalogError ? 1 : 0);
      return {
        checkId: meta.id,
        outcome: overallOutcome(state.counts, errorCount),
        durationMs: Math.round(state.durationMs),
        findings: state.findings,
        errorCount: errorCount + state.counts.error,
        message: catalogError
          ? factory.scrub(`Catalog read failed after ${seen} entities: ${catalogError.message}`)
          : state.firstError &&
            `${state.errorCount} entities could not be evaluated; first error: ${state.firstError}`,
      };
    });
  }
}
