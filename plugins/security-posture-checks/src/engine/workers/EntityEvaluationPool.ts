import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { JsonObject, JsonValue } from '@backstage/types';
import { EntitySecurityCheck } from '@security-posture/plugin-security-posture-node';
import { availableParallelism } from 'node:os';
import { ResolvedCheck } from '../CheckRegistry';
import { CatalogPageReadError, EvaluationWorker } from './poolWorker';
import { DEFAULT_WORKER_NICENESS } from './threadPriority';
import { checksOfReadEntities } from './catalogPageReading';
import { errorSubject, readEntitySubject } from './errorSubject';
import { FindingFactory } from '../FindingFactory';
import { emptyCounts, EntityCheckEvaluation } from '../entityEvaluation';
import { stableHash } from '../stableHash';
import { EvaluationResults } from './packedEvaluations';
import { ReadEntities } from './readEntities';
import {
  CatalogPageRequest,
  EvaluationRequestItem,
  HeldPageItem,
  ReadPageAnswer,
  ToWorker,
  WorkerCheckSpec,
  WorkerInit,
} from './protocol';

/** Default pool size: every core but the one the event loop runs on, at least one. */
export function defaultEvaluationWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** One item of a batch: an entity and the worker-evaluated checks that apply to it. */
export type EvaluationItem = EvaluationRequestItem;

/** A catalog page read by a worker, which holds its entities until they are evaluated. */
export interface HeldCatalogPage {
  totalItems: number;
  nextCursor?: string;
  /** Per entity of the page, in catalog order: what the pass plans with. */
  entities: ReadEntities;
  /**
   * Evaluates entities of the page (by position) in the worker holding it, then the page is let
   * go; as `evaluate`, a worker that fails yields `error` evaluations.
   */
  evaluate(items: HeldPageItem[]): Promise<EvaluationResults>;
  /** Lets the page go unevaluated (nothing on it to evaluate). */
  release(): void;
}

/** A scan's use of the pool. */
export interface EvaluationSession {
  /** Checks evaluated in the workers; the others run on the main thread. */
  readonly checkIds: ReadonlySet<string>;
  /**
   * Evaluates the items across the workers; per item, per check id, in the order asked. A
   * worker that crashes or outlives the batch deadline yields `error` evaluations for its part
   * of the batch and is replaced.
   */
  evaluate(items: EvaluationItem[]): Promise<EvaluationResults>;
  /**
   * Has a worker read a catalog page and hold it (workers take turns), so the main thread never
   * parses, holds or copies the entities. `checkIds`: the pass's checks, in order (all evaluated
   * in the workers); `incremental`: ask their `appliesTo` and hash content, as the pass would. A
   * worker that fails while reading is replaced and the page read again, once; a catalog failure
   * rejects with `CatalogPageReadError`.
   */
  readPage(
    request: CatalogPageRequest,
    options: { checkIds: string[]; incremental: boolean },
  ): Promise<HeldCatalogPage>;
}

/** What a scan's batches are evaluated under: for their deadlines and error findings. */
interface BatchContext {
  deadlineMs: number;
  factory: FindingFactory;
  checks: Map<string, ResolvedCheck>;
  init: WorkerInit;
}

/**
 * Worker threads that evaluate entity checks off the backend's event loop, while the main thread
 * streams the catalog and writes findings. Each worker masks what it finds with its own finding
 * factory (same fingerprint key as the scan's), so raw secrets never cross back. Checks without
 * a `workerModule`, or whose module a worker cannot load, run on the main thread.
 */
export class EntityEvaluationPool {
  private workers: EvaluationWorker[] = [];
  private initKey?: string;
  private unavailable = new Map<string, string>();
  private nextBatchId = 1;
  private nextPageId = 1;
  private nextReader = 0;
  private evaluated = 0;

  constructor(
    private readonly options: {
      /** Worker threads; 0 turns the pool off (everything runs on the main thread). */
      size: number;
      logger: LoggerService;
      /** The workers' Node options; the main thread's by default (e.g. its `--require` hooks). */
      execArgv?: string[];
      /**
       * CPU niceness of the worker threads (Linux: per thread), so requests on the event loop
       * and the database come first on a busy machine; 0 leaves them at the process's.
       * Default `DEFAULT_WORKER_NICENESS`.
       */
      niceness?: number;
    },
  ) {}

  /** Entities the workers evaluated since the pool was made (not counting failed batches). */
  get evaluatedEntities(): number {
    return this.evaluated;
  }

  /** The niceness of each started worker thread, where it lowered its priority. */
  get workerNiceness(): Array<number | undefined> {
    return this.workers.map(w => w.niceness);
  }

  get size(): number {
    return Math.max(0, Math.floor(this.options.size));
  }

  /**
   * Prepares the workers for a scan of these checks, starting (or restarting, when the checks'
   * settings changed) them as needed. Undefined when no check can run in a worker.
   */
  async startScan(options: {
    /** The root config entity checks read. */
    config: Config;
    checks: ResolvedCheck[];
    fingerprintKey?: string;
    /** The scan's own factory: makes the error findings of a failed batch. */
    factory: FindingFactory;
    /** Reads data checks published (already scrubbed), for checks in the workers. */
    getPublished(checkId: string, key: string): Promise<JsonValue | undefined>;
  }): Promise<EvaluationSession | undefined> {
    if (!this.size) return undefined;
    const specs = options.checks.flatMap((resolved): WorkerCheckSpec[] => {
      const check = resolved.check as EntitySecurityCheck;
      if (check.scope !== 'entity' || !check.workerModule) return [];
      return [
        {
          id: check.meta.id,
          workerModule: check.workerModule,
          options: resolved.options.get<JsonObject>() ?? {},
          settings: {
            severity: resolved.severity,
            severityOverride: resolved.severityOverride,
            timeoutMs: resolved.timeoutMs,
          },
        },
      ];
    });
    if (!specs.length) return undefined;
    const init: WorkerInit = {
      config: options.config.get<JsonObject>() ?? {},
      checks: specs,
      niceness: this.options.niceness ?? DEFAULT_WORKER_NICENESS,
    };
    const initKey = stableHash(init);
    if (
      initKey !== this.initKey ||
      !this.workers.length ||
      this.workers.some(w => !w.usable)
    ) {
      await this.close();
      this.unavailable = new Map();
      // A worker that cannot even be constructed throws here: the caller runs the checks itself.
      const started: EvaluationWorker[] = [];
      try {
        while (started.length < this.size) started.push(this.startWorker(init));
      } catch (e) {
        await Promise.all(started.map(w => w.terminate().catch(() => 0)));
        throw e;
      }
      this.workers = started;
      this.initKey = initKey;
    }
    try {
      for (const worker of this.workers) {
        for (const { checkId, reason } of await worker.ready)
          this.unavailable.set(checkId, reason);
      }
    } catch (e) {
      this.options.logger.warn(
        `Evaluation workers could not start, entity checks run on the main thread: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
      await this.close();
      return undefined;
    }
    for (const [checkId, reason] of this.unavailable) {
      this.options.logger.warn(
        `Check ${checkId} cannot run in an evaluation worker, it runs on the main thread: ${reason}`,
      );
    }
    const checkIds = new Set(
      specs.map(s => s.id).filter(id => !this.unavailable.has(id)),
    );
    if (!checkIds.size) return undefined;
    this.getPublished = options.getPublished;
    this.scanMessage = { type: 'scan', fingerprintKey: options.fingerprintKey };
    for (const worker of this.workers) {
      worker.getPublished = options.getPublished;
      worker.send(this.scanMessage);
    }
    const deadlineMs = Math.max(...specs.map(s => s.settings.timeoutMs));
    const checksById = new Map(
      options.checks.map(resolved => [resolved.check.meta.id, resolved]),
    );
    const batches: BatchContext = {
      deadlineMs,
      factory: options.factory,
      checks: checksById,
      init,
    };
    return {
      checkIds,
      evaluate: items => this.evaluate(items, batches),
      readPage: (request, readOptions) =>
        this.readPage(request, readOptions, batches),
    };
  }

  private getPublished: (
    checkId: string,
    key: string,
  ) => Promise<JsonValue | undefined> = async () => undefined;
  /** The current scan (its fingerprint key), for workers started during it. */
  private scanMessage?: ToWorker;

  private startWorker(init: WorkerInit) {
    const worker = new EvaluationWorker(
      init,
      this.options.execArgv,
      this.options.logger,
    );
    worker.getPublished = this.getPublished;
    if (this.scanMessage) worker.send(this.scanMessage);
    return worker;
  }

  private evaluate(
    items: EvaluationItem[],
    batches: BatchContext,
  ): Promise<EvaluationResults> {
    const chunkSize = Math.ceil(items.length / this.workers.length) || 1;
    const parts: Array<Promise<EvaluationResults>> = [];
    for (let i = 0; i < this.workers.length; i++) {
      const part = items.slice(i * chunkSize, (i + 1) * chunkSize);
      if (!part.length) {
        parts.push(Promise.resolve(EvaluationResults.of([])));
        continue;
      }
      // What is kept for a failed batch's error findings is not the entities.
      const failed = part.map(item => ({
        subject: errorSubject(item.entity),
        checkIds: item.checkIds,
      }));
      const message: ToWorker = {
        type: 'evaluate',
        batchId: this.nextBatchId++,
        items: part,
      };
      parts.push(
        this.evaluateIn(this.workers[i], message, () => failed, batches),
      );
    }
    return Promise.all(parts).then(EvaluationResults.concat);
  }

  /** A batch in one worker; a failed worker's batch is `error` evaluations, and it is replaced. */
  private evaluateIn(
    worker: EvaluationWorker,
    message: Extract<ToWorker, { type: 'evaluate' | 'evaluatePage' }>,
    /** What a failed batch's error findings are made of (asked only when it failed). */
    failed: () => Array<{ subject: Entity; checkIds: string[] }>,
    batches: BatchContext,
  ): Promise<EvaluationResults> {
    const count = message.items.length;
    return worker.evaluate(message, batches.deadlineMs).then(
      evaluations => {
        this.evaluated += count;
        return evaluations;
      },
      e => {
        const error = e instanceof Error ? e : new Error(String(e));
        this.options.logger.warn(
          `Evaluation worker failed, its batch is recorded as errors: ${error.message}`,
        );
        this.replace(worker, batches.init);
        return EvaluationResults.of(
          failed().map(item =>
            item.checkIds.map(checkId =>
              failedEvaluation(
                batches.factory,
                batches.checks.get(checkId)!,
                item.subject,
                error,
              ),
            ),
          ),
        );
      },
    );
  }

  /** The next batch gets a fresh worker (once, however many of its batches failed). */
  private replace(failed: EvaluationWorker, init: WorkerInit) {
    const index = this.workers.indexOf(failed);
    if (index >= 0) this.workers[index] = this.startWorker(init);
  }

  private async readPage(
    request: CatalogPageRequest,
    options: { checkIds: string[]; incremental: boolean },
    batches: BatchContext,
  ): Promise<HeldCatalogPage> {
    for (let attempt = 1; ; attempt++) {
      if (!this.workers.length) throw new Error('evaluation pool is closed');
      // Workers take turns, so each evaluates the pages it read.
      const worker = this.workers[this.nextReader++ % this.workers.length];
      const pageId = this.nextPageId++;
      let page: ReadPageAnswer;
      try {
        page = await worker.readPage({
          type: 'readPage',
          pageId,
          request,
          ...options,
        });
      } catch (e) {
        if (e instanceof CatalogPageReadError) throw e;
        // The worker failed, not the catalog: a fresh worker reads the page again, once.
        this.replace(worker, batches.init);
        if (attempt >= 2) throw e;
        continue;
      }
      const entities = new ReadEntities(page.entities);
      let settled = false;
      return {
        totalItems: page.totalItems,
        nextCursor: page.nextCursor,
        entities,
        evaluate: items => {
          settled = true;
          const message: ToWorker = {
            type: 'evaluatePage',
            batchId: this.nextBatchId++,
            pageId,
            items,
          };
          const failed = () => {
            const checksOf = checksOfReadEntities(options.checkIds);
            return items.map(item => {
              const entity = entities.at(item.index);
              return {
                subject: readEntitySubject(entity),
                checkIds: checksOf(entity).checkIds,
              };
            });
          };
          return this.evaluateIn(worker, message, failed, batches);
        },
        release: () => {
          if (settled || !worker.usable) return;
          settled = true;
          worker.send({ type: 'releasePage', pageId });
        },
      };
    }
  }

  /** Stops every worker (e.g. on backend shutdown). */
  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    this.initKey = undefined;
    await Promise.all(workers.map(w => w.terminate().catch(() => 0)));
  }
}

/** An entity the worker could not answer for: an `error` outcome, never a silent pass. */
function failedEvaluation(
  factory: FindingFactory,
  resolved: ResolvedCheck,
  entity: Entity,
  error: Error,
): EntityCheckEvaluation {
  return {
    applied: true,
    findings: [],
    counts: emptyCounts(),
    resultErrored: false,
    thrown: {
      message: factory.scrub(error.message),
      finding: factory.fromError(
        resolved.check.meta,
        resolved.severity,
        error,
        entity,
      ),
    },
    durationMs: 0,
  };
}
