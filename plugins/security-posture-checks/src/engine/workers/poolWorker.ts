import { LoggerService } from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import { Worker } from 'node:worker_threads';
import { EVALUATION_WORKER_MODULE } from './evaluationWorker';
import { TimeoutError } from '../entityEvaluation';
import { EvaluationResults } from './packedEvaluations';
import { FromWorker, ReadPageAnswer, ToWorker, WorkerInit } from './protocol';

/** A page a worker could not read because the catalog failed (not the worker). */
export class CatalogPageReadError extends Error {
  name = 'CatalogPageReadError';
}

// Loading the checks (and, in development, compiling them) takes seconds, not minutes.
const STARTUP_TIMEOUT_MS = 120_000;
interface PendingBatch {
  resolve(evaluations: EvaluationResults): void;
  reject(error: Error): void;
}

/** A worker thread and the batches sent to it (it works on them in order). */
export class EvaluationWorker {
  readonly ready: Promise<Array<{ checkId: string; reason: string }>>;
  /** The thread's niceness once ready, where it lowered its priority. */
  niceness?: number;
  /** By batch id: a batch a stopped scan left behind still answers to its own promise. */
  private readonly pending = new Map<number, PendingBatch>();
  /** Catalog pages being read, by page id. */
  private readonly reads = new Map<
    number,
    { resolve(page: ReadPageAnswer): void; reject(error: Error): void }
  >();
  private failure?: Error;
  private readonly worker: Worker;
  /** Settles when the last batch sent is answered (or failed). */
  private previousBatch: Promise<void> = Promise.resolve();
  /** The current scan's reader of published data, for the workers' checks. */
  getPublished: (
    checkId: string,
    key: string,
  ) => Promise<JsonValue | undefined> = async () => undefined;

  constructor(
    init: WorkerInit,
    execArgv: string[] | undefined,
    private readonly logger: LoggerService,
  ) {
    this.worker = new Worker(
      `require(${JSON.stringify(
        EVALUATION_WORKER_MODULE,
      )}).runEntityEvaluationWorker()`,
      { eval: true, workerData: init, execArgv },
    );
    // An idle pool does not keep the backend process alive.
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const startup: { timer?: NodeJS.Timeout } = {};
      const fail = (error: Error) => {
        clearTimeout(startup.timer);
        this.failure ??= error;
        reject(error);
        const pending = [...this.pending.values(), ...this.reads.values()];
        this.pending.clear();
        this.reads.clear();
        for (const waiting of pending) waiting.reject(error);
      };
      // A worker stuck loading a check module must not hold up the scan.
      startup.timer = setTimeout(() => {
        fail(
          new Error(
            `evaluation worker did not start within ${STARTUP_TIMEOUT_MS} ms`,
          ),
        );
        this.worker.terminate().catch(() => {});
      }, STARTUP_TIMEOUT_MS);
      startup.timer.unref();
      this.worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          clearTimeout(startup.timer);
          this.niceness = message.niceness;
          resolve(message.unavailable);
          return;
        }
        if (message.type === 'getPublished') {
          this.answerGetPublished(
            message.requestId,
            message.checkId,
            message.key,
          );
          return;
        }
        if (message.type === 'pageRead') {
          const read = this.reads.get(message.pageId);
          this.reads.delete(message.pageId);
          this.unrefWhenIdle();
          if (message.page) read?.resolve(message.page);
          else read?.reject(new CatalogPageReadError(message.error));
          return;
        }
        for (const line of message.logs) {
          this.logger
            .child({ check: line.checkId })
            [line.level](line.message, line.meta);
        }
        if (message.droppedLogLines) {
          this.logger.warn(
            `${message.droppedLogLines} log lines of checks in a worker were dropped`,
          );
        }
        const pending = this.pending.get(message.batchId);
        this.pending.delete(message.batchId);
        this.unrefWhenIdle();
        pending?.resolve(EvaluationResults.from([message.evaluations]));
      });
      this.worker.on('error', fail);
      this.worker.on('exit', code =>
        fail(new Error(`evaluation worker exited with code ${code}`)),
      );
    });
    // Nobody may be waiting for `ready` when the worker fails later.
    this.ready.catch(() => {});
  }

  private answerGetPublished(requestId: number, checkId: string, key: string) {
    this.getPublished(checkId, key).then(
      data => this.send({ type: 'published', requestId, data }),
      e =>
        this.send({
          type: 'published',
          requestId,
          error: e instanceof Error ? e.message : String(e),
        }),
    );
  }

  private unrefWhenIdle() {
    if (!this.pending.size && !this.reads.size) this.worker.unref();
  }

  get usable(): boolean {
    return !this.failure;
  }

  send(message: ToWorker) {
    this.worker.postMessage(message);
  }

  /** Evaluates a batch: entities sent along, or entities of a page this worker holds. */
  async evaluate(
    message: Extract<ToWorker, { type: 'evaluate' | 'evaluatePage' }>,
    deadlineMs: number,
  ) {
    // The deadline counts from a started worker: loading the checks is not the batch's time.
    await this.ready;
    const answer = this.awaitAnswer(
      message.batchId,
      message.items.length,
      deadlineMs,
    );
    if (!this.failure) {
      this.worker.ref();
      this.send(message);
    }
    return answer;
  }

  /** Reads a catalog page into this worker; rejects with the worker's failure if it fails. */
  async readPage(
    message: Extract<ToWorker, { type: 'readPage' }>,
  ): Promise<ReadPageAnswer> {
    await this.ready;
    if (this.failure) throw this.failure;
    const answer = new Promise<ReadPageAnswer>((resolve, reject) =>
      this.reads.set(message.pageId, { resolve, reject }),
    );
    this.worker.ref();
    this.send(message);
    return answer;
  }

  /**
   * The answer to a batch. Its closures do not hold the batch's entities (copied to the worker
   * when sent): held until the answer, they would outlive young collections.
   */
  private awaitAnswer(batchId: number, count: number, deadlineMs: number) {
    // Batches are sent ahead (the worker never waits for the main thread), but a batch's deadline
    // starts when the one before it is answered: waiting in line is not its time either.
    const turn = this.previousBatch;
    let settle = () => {};
    this.previousBatch = new Promise<void>(resolve => {
      settle = resolve;
    });
    return new Promise<EvaluationResults>((resolve, reject) => {
      if (this.failure) {
        settle();
        reject(this.failure);
        return;
      }
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const end = () => {
        done = true;
        clearTimeout(timer);
        settle();
      };
      turn.then(() => {
        if (done) return;
        timer = setTimeout(() => {
          const error = new TimeoutError(
            `evaluation worker did not finish a batch of ${count} entities in ${deadlineMs} ms`,
          );
          this.failure = error;
          this.pending.delete(batchId);
          end();
          reject(error);
          // The other batches sent to it fail with the worker's exit.
          this.worker.terminate().catch(() => {});
        }, deadlineMs);
      });
      this.pending.set(batchId, {
        resolve: evaluations => {
          end();
          resolve(evaluations);
        },
        reject: error => {
          end();
          reject(error);
        },
      });
    });
  }

  terminate() {
    this.failure ??= new Error('evaluation worker terminated');
    return this.worker.terminate();
  }
}
