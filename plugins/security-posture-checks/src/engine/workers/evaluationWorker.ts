import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { JsonObject, JsonValue } from '@backstage/types';
import {
  EntityCheckContext,
  EntitySecurityCheck,
  SecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from './threadPriority';
import { FindingFactory } from '../FindingFactory';
import { yieldToEventLoop } from '../eventLoopTurns';
import { evaluateEntityCheck } from '../entityEvaluation';
import {
  heldPageRequests,
  readCatalogPage,
  summarizeCatalogPage,
} from './catalogPageReading';
import {
  EvaluationRequestItem,
  FromWorker,
  ReadEntity,
  ToWorker,
  WorkerCheckSpec,
  WorkerInit,
  WorkerLogLine,
} from './protocol';
import { packEvaluations, transferablesOf } from './packedEvaluations';
import { packReadEntities } from './readEntities';

/**
 * This module's file, which a worker thread requires to reach `runEntityEvaluationWorker`: in the
 * sources and in the built package (one file per module) alike.
 */
export const EVALUATION_WORKER_MODULE = __filename;

// Log lines a batch may carry back; the rest are counted.
const MAX_LOG_LINES_PER_BATCH = 1000;

// Pages read and not yet evaluated that a worker holds at most (a pass holds two or three); a
// page beyond that lets the oldest go, so a pass that stopped never leaves memory behind.
const MAX_HELD_PAGES = 8;

// Entities evaluated between two turns of the worker's event loop, so a page it was asked to
// read is read (and the main thread can plan it) while it evaluates the page before.
const YIELD_EVERY = 25;

function loadCheck(spec: WorkerCheckSpec): EntitySecurityCheck {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(spec.workerModule.module)[
    spec.workerModule.exportName
  ] as SecurityCheck | SecurityCheck[] | undefined;
  const candidates = Array.isArray(exported) ? exported : [exported];
  const check = candidates.find(c => c?.meta?.id === spec.id);
  if (!check) {
    throw new Error(
      `export '${spec.workerModule.exportName}' of '${spec.workerModule.module}' holds no check '${spec.id}'`,
    );
  }
  if (check.scope !== 'entity')
    throw new Error(`'${spec.id}' is not an entity check`);
  return check;
}

/** Context parts a worker cannot offer: using one is the check's error, said plainly. */
function unavailableInWorker(what: string): never {
  throw new Error(
    `${what} is not available to checks evaluated in a worker thread; leave the check's workerModule unset to run it on the main thread`,
  );
}

/**
 * The body of an evaluation worker thread: loads the checks named in `workerData`, then
 * evaluates batches of entities and answers with masked findings. Started by
 * `EntityEvaluationPool`; exported so a worker can reach it in the built package too.
 */
export function runEntityEvaluationWorker(): void {
  const port = parentPort;
  if (!port)
    throw new Error('runEntityEvaluationWorker runs in a worker thread');
  const init = workerData as WorkerInit;
  const niceness = lowerThreadPriority(init.niceness ?? 0);
  const config = new ConfigReader(init.config);
  const checks = new Map<
    string,
    { check: EntitySecurityCheck; spec: WorkerCheckSpec }
  >();
  const unavailable: Array<{ checkId: string; reason: string }> = [];
  for (const spec of init.checks) {
    try {
      checks.set(spec.id, { check: loadCheck(spec), spec });
    } catch (e) {
      unavailable.push({
        checkId: spec.id,
        reason: e instanceof Error ? e.message : String(e),
      });
    }
  }

  let factory = new FindingFactory();
  let logs: WorkerLogLine[] = [];
  let pendingLogs: WorkerLogLine[] = [];
  let dropped = 0;
  const loggerFor = (
    checkId: string,
    meta?: JsonObject,
  ): EntityCheckContext['logger'] => {
    const line =
      (level: WorkerLogLine['level']) =>
      (message: string, extra?: Error | JsonObject) => {
        if (logs.length + pendingLogs.length >= MAX_LOG_LINES_PER_BATCH) {
          dropped += 1;
          return;
        }
        const lineMeta =
          extra instanceof Error ? { error: extra.message } : extra;
        pendingLogs.push({
          checkId,
          level,
          message,
          meta: { ...meta, ...lineMeta },
        });
      };
    return {
      error: line('error'),
      warn: line('warn'),
      info: line('info'),
      debug: line('debug'),
      child: childMeta => loggerFor(checkId, { ...meta, ...childMeta }),
    };
  };
  const scrubLine = (line: WorkerLogLine): WorkerLogLine => ({
    ...line,
    message: factory.scrub(line.message),
    meta: line.meta && (factory.scrubJson(line.meta) as JsonObject),
  });

  // Published data is read through the main thread; answers arrive as `published` messages.
  let nextRequestId = 1;
  const requests = new Map<
    number,
    { resolve(data?: JsonValue): void; reject(e: Error): void }
  >();
  const getPublished = (checkId: string, key: string) =>
    new Promise<JsonValue | undefined>((resolve, reject) => {
      const requestId = nextRequestId++;
      requests.set(requestId, { resolve, reject });
      const request: FromWorker = {
        type: 'getPublished',
        requestId,
        checkId,
        key,
      };
      port.postMessage(request);
    });

  // Fresh contexts per scan: checks may cache per context what they read once per scan.
  let contexts = new Map<string, EntityCheckContext>();
  const newContexts = () => {
    contexts = new Map();
    for (const [id, { spec }] of checks) {
      contexts.set(id, {
        config,
        options: new ConfigReader(spec.options),
        logger: loggerFor(id),
        signal: new AbortController().signal,
        get instanceMetadata(): never {
          return unavailableInWorker('instanceMetadata');
        },
        get services(): never {
          return unavailableInWorker('services');
        },
        getPublished,
      });
    }
  };
  newContexts();

  /** Catalog pages this worker read, by page id, until they are evaluated or released. */
  const heldPages = new Map<
    number,
    { items: Entity[]; entities: ReadEntity[]; checkIds: string[] }
  >();
  const readPage = (message: Extract<ToWorker, { type: 'readPage' }>) => {
    const answer = (
      page: Omit<Extract<FromWorker, { type: 'pageRead' }>, 'type' | 'pageId'>,
      transfer: ArrayBuffer[] = [],
    ) => {
      const pageRead: FromWorker = {
        type: 'pageRead',
        pageId: message.pageId,
        ...page,
      };
      port.postMessage(pageRead, transfer);
    };
    readCatalogPage(message.request)
      .then(page => {
        const pageChecks = message.checkIds.map(id => {
          const loaded = checks.get(id);
          if (!loaded)
            throw new Error(`check '${id}' is not loaded in this worker`);
          return loaded.check;
        });
        const entities = summarizeCatalogPage(
          page.items,
          pageChecks,
          message.incremental,
        );
        heldPages.set(message.pageId, {
          items: page.items,
          entities,
          checkIds: message.checkIds,
        });
        if (heldPages.size > MAX_HELD_PAGES)
          heldPages.delete(heldPages.keys().next().value!);
        const packed = packReadEntities(entities);
        answer(
          {
            page: {
              totalItems: page.totalItems,
              nextCursor: page.nextCursor,
              entities: packed,
            },
          },
          [packed.planEnds.buffer as ArrayBuffer],
        );
      })
      .catch(e =>
        answer({ error: e instanceof Error ? e.message : String(e) }),
      );
  };
  /** A held page's entities to evaluate, letting the page go. */
  const heldItems = (
    message: Extract<ToWorker, { type: 'evaluatePage' }>,
  ): EvaluationRequestItem[] => {
    const page = heldPages.get(message.pageId);
    heldPages.delete(message.pageId);
    // A page let go (released, or the oldest when a pass holds more than a worker keeps): the
    // batch fails as a whole.
    if (!page)
      throw new Error(`catalog page ${message.pageId} is no longer held`);
    return heldPageRequests(page, message.items);
  };

  const evaluate = async (batchId: number, items: EvaluationRequestItem[]) => {
    logs = [];
    dropped = 0;
    const evaluations = [];
    for (const [position, item] of items.entries()) {
      if (position % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      const { entity, checkIds, unchecked = [], recordedDigests } = item;
      const forEntity = [];
      for (const checkId of checkIds) {
        const loaded = checks.get(checkId);
        if (!loaded)
          throw new Error(`check '${checkId}' is not loaded in this worker`);
        const context = contexts.get(checkId)!;
        forEntity.push(
          await evaluateEntityCheck({
            check: loaded.check,
            settings: loaded.spec.settings,
            entity,
            context,
            factory,
            signal: context.signal,
            appliesChecked: !unchecked.includes(checkId),
            recordedDigest: recordedDigests?.[checkId],
          }),
        );
      }
      // Lines are scrubbed after the entity's results went through the factory, so a secret a
      // check logs while finding it is masked as in its findings.
      logs.push(...pendingLogs.map(scrubLine));
      pendingLogs = [];
      evaluations.push(forEntity);
    }
    const packed = packEvaluations(evaluations);
    const answer: FromWorker = {
      type: 'evaluated',
      batchId,
      evaluations: packed,
      logs,
      droppedLogLines: dropped,
    };
    port.postMessage(answer, transferablesOf(packed));
  };

  // Batches and scan starts are handled one after another: a batch a stopped scan left behind
  // (waiting for published data) must not share its logs, factory or contexts with the next.
  let turn: Promise<void> = Promise.resolve();
  const inTurn = (work: () => void | Promise<void>) => {
    turn = turn.then(work).catch(e =>
      // A batch that fails as a whole (not one check: those are outcomes) ends the worker; the
      // pool turns it into error outcomes and starts another.
      process.nextTick(() => {
        throw e;
      }),
    );
  };
  port.on('message', (message: ToWorker) => {
    if (message.type === 'published') {
      // Not in turn: the running batch is waiting for it.
      const request = requests.get(message.requestId);
      requests.delete(message.requestId);
      if (message.error !== undefined)
        request?.reject(new Error(message.error));
      else request?.resolve(message.data);
    } else if (message.type === 'readPage') {
      // Not in turn: read while the batch before it is evaluated.
      readPage(message);
    } else if (message.type === 'releasePage') {
      heldPages.delete(message.pageId);
    } else if (message.type === 'scan') {
      inTurn(() => {
        factory = new FindingFactory(message.fingerprintKey);
        newContexts();
        heldPages.clear();
      });
    } else if (message.type === 'evaluatePage') {
      inTurn(() => evaluate(message.batchId, heldItems(message)));
    } else {
      inTurn(() => evaluate(message.batchId, message.items));
    }
  });
  const ready: FromWorker = { type: 'ready', unavailable, niceness };
  port.postMessage(ready);
}
