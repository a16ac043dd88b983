import { lowerCaseEn } from '@security-posture/static-analysis';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  EntityCheckEvaluation,
  entityContentHash,
  evaluateEntityCheck,
  EvaluationItem,
  EvaluationSession,
  FindingFactory,
  HeldCatalogPage,
  joinFindingsDigests,
  plannedAppliesTo,
  yieldToEventLoop,
} from '@security-posture/checks';
import {
  EntityEvaluation,
  StoredEntityEvaluation,
} from '../database/PostureStore';
import { CatalogEntitySource } from './CatalogEntitySource';
import { entityPages, heldCatalogPages } from './passPageSources';
import {
  EntityCheckState,
  EntityPassResult,
  PassTimings,
  PageEvaluations,
  PlannedEntity,
  recordedDigestsOf,
} from './entityPassState';
import { untilAborted } from './catalogPartitions';
import { GatheredPageWrites } from './gatheredPageWrites';
import { asError } from './errors';
import {
  evaluatorKey,
  evaluatorsHash,
  IncrementalPassOptions,
} from './incrementalPass';
import type { EntityPageOutput, RunProgress } from './CheckRunner';

// Entities handled between two turns of the event loop, so requests are served during a scan.
const YIELD_EVERY = 50;

// Per-entity error findings are capped per check; the error count keeps the full number.
const MAX_ERROR_FINDINGS_PER_CHECK = 20;

/**
 * The catalog pass of a scan: streams the catalog page by page, evaluates every entity check on
 * each entity (in evaluation workers where the check allows it, else on the main thread) and
 * hands each page's findings to `onEntityPage` while the next page is evaluated.
 */
export async function runEntityPass(options: {
  states: EntityCheckState[];
  catalog: CatalogEntitySource;
  pageSize?: number;
  factory: FindingFactory;
  logger: LoggerService;
  signal: AbortSignal;
  progress: RunProgress;
  onProgress(progress: RunProgress): void;
  onEntityPage?(page: EntityPageOutput): Promise<void>;
  incremental?: IncrementalPassOptions;
  session?: EvaluationSession;
}): Promise<EntityPassResult> {
  const {
    states,
    factory,
    logger,
    signal,
    progress,
    onProgress,
    onEntityPage,
    incremental,
  } = options;
  const session = options.session;
  const timings: PassTimings = {
    readingCatalog: 0,
    readingEvaluations: 0,
    planning: 0,
    evaluating: 0,
    waitingForWrites: 0,
    writing: 0,
  };

  // Entities a check failed on, over the pass: an entity that adds to it is not recorded.
  let failures = 0;
  const merge = (
    state: EntityCheckState,
    entityRef: string,
    evaluation: EntityCheckEvaluation,
    refreshDue = false,
  ) => {
    state.durationMs += evaluation.durationMs;
    if (!evaluation.applied) return;
    // Field by field: this runs per entity and check (no entries arrays to collect).
    const { counts } = evaluation;
    state.counts.fail += counts.fail;
    state.counts.pass += counts.pass;
    state.counts.error += counts.error;
    state.counts.notApplicable += counts.notApplicable;
    if (evaluation.resultErrored) {
      state.pageUnevaluated.push(entityRef);
      failures += 1;
    }
    if (evaluation.keptFailures !== undefined) {
      // Found what was recorded: the stored findings stand.
      state.pageKept.push(entityRef);
      if (refreshDue) state.pageKeptRefresh.push(entityRef);
      state.failCount += evaluation.keptFailures;
    }
    for (const found of evaluation.findings) {
      state.findings.push(found);
      if (found.outcome === 'fail') state.failCount += 1;
    }
    if (evaluation.thrown) {
      state.errorCount += 1;
      state.firstError ??= evaluation.thrown.message;
      state.pageUnevaluated.push(entityRef);
      failures += 1;
      if (state.errorCount <= MAX_ERROR_FINDINGS_PER_CHECK) {
        state.findings.push(evaluation.thrown.finding);
      }
    }
  };
  const evaluateHere = async (
    state: EntityCheckState,
    entity: Entity,
    checked: boolean,
    recordedDigest: string | undefined,
  ) => {
    try {
      return await evaluateEntityCheck({
        check: state.check,
        settings: state.resolved,
        entity,
        context: state.context,
        factory,
        signal,
        appliesChecked: checked,
        recordedDigest,
      });
    } finally {
      state.logs.flush({ via: logger });
    }
  };

  const pageSize = options.pageSize ?? 500;
  const writes = new GatheredPageWrites({
    states,
    pageSize,
    onEntityPage,
    timings,
  });

  // Incremental passes: each check's part of the evaluator hash, read once per scan.
  const keys = incremental
    ? await Promise.all(
        states.map(state => evaluatorKey(state.resolved, state.context)),
      )
    : [];
  const keyId = factory.keyId;
  let skipped = 0;
  // Most entities share one set of applying checks: hash each set once per pass, found by the
  // checks' positions (a short key, not the joined check keys, per entity).
  const evaluatorHashes = new Map<string, string>();
  const evaluatorsHashOf = (positions: string) => {
    let hash = evaluatorHashes.get(positions);
    if (!hash) {
      const applyingKeys = positions
        .split(',')
        .filter(Boolean)
        .map(i => keys[Number(i)]);
      hash = evaluatorsHash(applyingKeys, keyId);
      evaluatorHashes.set(positions, hash);
    }
    return hash;
  };

  /** The checks that apply to an entity; an `appliesTo` that throws is asked again and reported. */
  const applyingTo = (entity: Entity) => {
    const applying: PlannedEntity['applying'] = [];
    let positions = '';
    states.forEach((state, i) => {
      const { applies, checked } = plannedAppliesTo(
        state.check,
        entity,
        Boolean(incremental),
      );
      if (applies) {
        applying.push({ state, checked });
        positions += `${i},`;
      }
    });
    return { applying, positions };
  };

  /**
   * Evaluates a page's planned entities: worker checks in the workers, the others here meanwhile.
   * Nothing is merged yet: the next page is planned and sent while the workers evaluate this one.
   */
  const hereChecks = states.some(state => !state.inWorker);
  /** What a worker evaluates of a planned entity: its worker checks and their recorded digests. */
  const workerRequest = (p: PlannedEntity): Omit<EvaluationItem, 'entity'> => {
    const checkIds: string[] = [];
    // An unchecked appliesTo is asked in the worker: it throws there, as here.
    const unchecked: string[] = [];
    let recordedDigests: Record<string, string> | undefined;
    const recorded = recordedDigestsOf(p);
    p.applying.forEach(({ state, checked }, i) => {
      if (!state.inWorker) return;
      const checkId = state.check.meta.id;
      checkIds.push(checkId);
      if (!checked) unchecked.push(checkId);
      const digest = recorded?.[i];
      if (digest !== undefined) (recordedDigests ??= {})[checkId] = digest;
    });
    return { checkIds, unchecked, recordedDigests };
  };
  const startEvaluation = async (
    planned: PlannedEntity[],
    /** The planned entities, in the same order. */
    entities: Entity[],
  ): Promise<PageEvaluations> => {
    const fromWorkers = session
      ? session.evaluate(
          planned.map((p, index) => ({
            entity: entities[index],
            ...workerRequest(p),
          })),
        )
      : Promise.resolve(undefined);
    // Rejections are awaited below; meanwhile they must not count as unhandled.
    fromWorkers.catch(() => {});
    const here: EntityCheckEvaluation[][] = [];
    for (const [index, p] of planned.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1 && hereChecks)
        await yieldToEventLoop();
      if (signal.aborted)
        throw asError(signal.reason ?? new Error('scan aborted'));
      const forEntity: EntityCheckEvaluation[] = [];
      const recorded = recordedDigestsOf(p);
      for (const [i, { state, checked }] of p.applying.entries()) {
        if (!state.inWorker) {
          forEntity.push(
            await evaluateHere(state, entities[index], checked, recorded?.[i]),
          );
        }
      }
      here.push(forEntity);
    }
    // Let go of the entities while the workers evaluate their copies: held until the answer,
    // they would outlive young collections.
    entities.length = 0;
    return { here, workerResults: await fromWorkers };
  };

  /** Evaluates a page a worker read and holds: every check of the pass runs in the workers. */
  const startHeldEvaluation = async (
    held: HeldCatalogPage,
    planned: PlannedEntity[],
    /** The planned entities' positions in the page, in the same order. */
    indices: number[],
  ): Promise<PageEvaluations> => {
    if (!planned.length) {
      held.release();
      return { here: [] };
    }
    // The worker knows each entity's checks (it said which apply): only recorded digests go.
    const workerResults = await held.evaluate(
      planned.map((p, k) => ({
        index: indices[k],
        recordedDigests: p.recordedDigests,
      })),
    );
    return { here: [], workerResults };
  };

  /** Merges a page's evaluations into the checks' states, in page order. */
  const mergePage = (planned: PlannedEntity[], results: PageEvaluations) => {
    const { here, workerResults } = results;
    const evaluated: string[] = [];
    const kept: string[] = [];
    const evaluations: EntityEvaluation[] = [];
    const forget: string[] = [];
    planned.forEach((p, i) => {
      const failuresBefore = failures;
      let hereIndex = 0;
      let workerIndex = 0;
      let allKept = true;
      for (const { state } of p.applying) {
        const evaluation = state.inWorker
          ? workerResults!.evaluation(i, workerIndex++)
          : here[i][hereIndex++];
        merge(state, p.entityRef, evaluation, p.refreshDue);
        if (evaluation.applied && evaluation.keptFailures === undefined)
          allKept = false;
      }
      if (failures > failuresBefore) {
        evaluated.push(p.entityRef);
        // The entity's recorded evaluation no longer holds: the next incremental pass
        // evaluates it again instead of keeping the error.
        if (p.recordedBefore) forget.push(lowerCaseEn(p.entityRef));
        return;
      }
      // Every check found what was recorded: nothing of the entity's is read or written.
      if (allKept) kept.push(p.entityRef);
      else evaluated.push(p.entityRef);
      // Recorded again when something changed, or when kept findings were refreshed (so the
      // next refresh is a day later).
      if (p.evaluation && !(allKept && p.hashesUnchanged && !p.refreshDue)) {
        // Gathered only here: a full pass records few entities again.
        hereIndex = 0;
        workerIndex = 0;
        const digests = p.applying.map(({ state }) =>
          (state.inWorker
            ? workerResults!.findingsDigest(i, workerIndex++)
            : here[i][hereIndex++].findingsDigest) ?? '',
        );
        evaluations.push({
          ...p.evaluation,
          findingsDigests: joinFindingsDigests(digests),
        });
      }
    });
    return { evaluated, kept, evaluations, forget };
  };

  /** A page whose evaluation was started, not yet merged and handed on. */
  interface InFlightPage {
    planned: PlannedEntity[];
    unchangedRefs: string[];
    size: number;
    results: Promise<PageEvaluations>;
  }
  let seen = 0;
  const completePage = async (page: InFlightPage) => {
    const results = await page.results;
    signal.throwIfAborted();
    const { evaluated, kept, evaluations, forget } = mergePage(
      page.planned,
      results,
    );
    seen += page.size;
    progress.done += page.size;
    progress.total = Math.max(progress.total, progress.done);
    onProgress({ ...progress });
    await writes.deliver({
      entityRefs: evaluated,
      unchangedEntityRefs: kept.length
        ? page.unchangedRefs.concat(kept)
        : page.unchangedRefs,
      evaluations,
      forgetEvaluations: forget,
    });
  };

  let mark = performance.now();
  const lap = (phase: keyof PassTimings) => {
    const now = performance.now();
    timings[phase] += now - mark;
    mark = now;
  };

  /**
   * A page read from the catalog whose recorded evaluations are being looked up: its entities
   * here, or held by the worker that read it (which computed what planning needs).
   */
  interface ReadPage {
    entityRefs: string[];
    stored: Promise<Map<string, StoredEntityEvaluation>>;
    applyingAt(index: number): {
      applying: PlannedEntity['applying'];
      positions: string;
    };
    contentHashAt(index: number): string;
    /** Starts evaluating the planned entities, at these positions of the page. */
    evaluate(
      planned: PlannedEntity[],
      indices: number[],
    ): Promise<PageEvaluations>;
  }
  const lookUp = (entityRefs: string[]) => {
    const stored = incremental
      ? incremental.lookup(entityRefs)
      : Promise.resolve(new Map<string, StoredEntityEvaluation>());
    // Awaited when the page is planned; meanwhile a rejection must not count as unhandled.
    stored.catch(() => {});
    return stored;
  };
  const readPage = (items: Entity[]): ReadPage => {
    const entityRefs = items.map(entity => stringifyEntityRef(entity));
    return {
      entityRefs,
      stored: lookUp(entityRefs),
      applyingAt: index => applyingTo(items[index]),
      contentHashAt: index => entityContentHash(items[index]),
      evaluate: (planned, indices) =>
        startEvaluation(
          planned,
          indices.map(index => items[index]),
        ),
    };
  };
  // Per set of applying checks a worker said of an entity: the checks, made once per pass.
  const applyingSets = new Map<string, PlannedEntity['applying']>();
  const readHeldPage = (held: HeldCatalogPage): ReadPage => {
    const { entities } = held;
    const { entityRefs } = entities;
    return {
      entityRefs,
      stored: lookUp(entityRefs),
      applyingAt: index => {
        const { applying: positions, unchecked, key } = entities.checksAt(index);
        let applying = applyingSets.get(key);
        if (!applying) {
          const uncheckedPositions = unchecked.split(',');
          applying = positions
            .split(',')
            .filter(Boolean)
            .map(position => ({
              state: states[Number(position)],
              checked: !uncheckedPositions.includes(position),
            }));
          applyingSets.set(key, applying);
        }
        return { applying, positions };
      },
      contentHashAt: index => entities.contentHashAt(index) ?? '',
      evaluate: (planned, indices) =>
        startHeldEvaluation(held, planned, indices),
    };
  };

  /** Decides what to evaluate on a page (incremental passes skip unchanged entities). */
  const plan = async (page: ReadPage): Promise<InFlightPage> => {
    let stored: Map<string, StoredEntityEvaluation>;
    try {
      stored = await page.stored;
    } catch (e) {
      // A failed read is a database failure, not the catalog's: it fails the scan.
      throw writes.fail(e);
    }
    lap('readingEvaluations');
    const planned: PlannedEntity[] = [];
    const indices: number[] = [];
    const unchangedRefs: string[] = [];
    for (const [index, entityRef] of page.entityRefs.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      const { applying, positions } = page.applyingAt(index);
      if (!incremental) {
        // Without incremental bookkeeping, a failure still forgets a recorded evaluation (e.g.
        // a check-limited pass), so the next incremental pass evaluates the entity again.
        planned.push({ entityRef, applying, recordedBefore: true });
        indices.push(index);
        continue;
      }
      const ref = lowerCaseEn(entityRef);
      const contentHash = page.contentHashAt(index);
      const evaluators = evaluatorsHashOf(positions);
      const before = stored.get(ref);
      const unchanged =
        before?.contentHash === contentHash &&
        before.evaluatorsHash === evaluators;
      if (unchanged && !incremental.full) {
        unchangedRefs.push(entityRef);
        skipped += 1;
        continue;
      }
      indices.push(index);
      planned.push({
        entityRef,
        applying,
        recordedBefore: Boolean(before),
        hashesUnchanged: unchanged,
        // Digests line up with the applying checks only under the same evaluators.
        recordedDigests:
          before?.evaluatorsHash === evaluators
            ? before.findingsDigests
            : undefined,
        refreshDue: Boolean(
          incremental.seenRefreshBefore &&
            before?.evaluatedAt &&
            before.evaluatedAt < incremental.seenRefreshBefore,
        ),
        evaluation: {
          entityRef: ref,
          contentHash,
          evaluatorsHash: evaluators,
          recordedBefore: Boolean(before),
        },
      });
    }
    const current: InFlightPage = {
      planned,
      unchangedRefs,
      size: page.entityRefs.length,
      results: page.evaluate(planned, indices),
    };
    // Rejections are awaited when the page's turn comes; meanwhile they must not count as unhandled.
    current.results.catch(() => {});
    lap('planning');
    return current;
  };

  // Two pages at a time: one being evaluated (in the workers) while the page after it is
  // planned (its recorded evaluations read as soon as it arrives, so its entities can be let go:
  // entities held for longer outlive young collections) and the catalog reads the next.
  let inFlight: InFlightPage | undefined;
  /** Plans a page that arrived and hands on the one evaluated before it. */
  const advance = async (next?: ReadPage) => {
    const current = next ? await plan(next) : undefined;
    const previous = inFlight;
    inFlight = current;
    if (previous) {
      await completePage(previous);
      lap('evaluating');
    }
  };
  let catalogError: Error | undefined;
  let counted = false;
  // A pass that evaluates few entities waits on the catalog: read it in parts at once. A full
  // pass waits on evaluation; more reads would only take CPU from it (measured).
  const inParts = incremental ? !incremental.full : false;
  // A full pass whose checks all run in the workers has the workers read the catalog too: the
  // main thread never parses, holds or copies an entity (what kept its event loop busy and its
  // heap growing), it plans with what the worker says of each entity.
  const pageRequests =
    session && !inParts && states.every(state => state.inWorker)
      ? options.catalog.pageRequests(options.pageSize)
      : undefined;
  if (pageRequests)
    logger.info('Catalog pass: the evaluation workers read the catalog pages');
  try {
    const pages: AsyncIterable<{ totalItems: number; read(): ReadPage }> =
      pageRequests && session
        ? heldCatalogPages({
            session,
            pageRequests,
            checkIds: states.map(state => state.check.meta.id),
            incremental: Boolean(incremental),
            toReadPage: readHeldPage,
          })
        : entityPages(
            options.catalog.pages({ pageSize: options.pageSize, inParts }),
            readPage,
          );
    for await (const page of untilAborted(pages, signal)) {
      lap('readingCatalog');
      if (!counted) {
        progress.total += page.totalItems;
        counted = true;
        // The catalog's size is known now: say so before the page is evaluated.
        onProgress({ ...progress });
      }
      if (signal.aborted)
        throw asError(signal.reason ?? new Error('scan aborted'));
      await advance(page.read());
    }
  } catch (e) {
    writes.throwIfFailed();
    if (signal.aborted) {
      // A stopped scan is not a catalog failure: let the page being written finish, then stop.
      await writes.settled();
      throw asError(signal.reason);
    }
    catalogError = asError(e);
  }
  try {
    // The pages read before the end (or before a failed read) still count: hand them on.
    while (inFlight) await advance();
  } catch (e) {
    writes.throwIfFailed();
    // A stopped scan: let the page being written finish, then stop.
    await writes.settled();
    throw signal.aborted ? asError(signal.reason) : e;
  }
  try {
    // What was gathered since the last write: after a failed catalog read, too.
    await writes.flush();
  } catch (e) {
    await writes.settled();
    throw e;
  }
  if (catalogError) {
    logger.error(
      `Catalog read failed after ${seen} entities; entity checks are incomplete: ${catalogError.message}`,
    );
  }
  await writes.settled();
  lap('waitingForWrites');
  writes.throwIfFailed();
  return { seen, skipped, catalogError, timings };
}
