import { Entity } from '@backstage/catalog-model';
import {
  CheckOutcome,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  EntityCheckContext,
  EntitySecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { FindingFactory, NewFinding } from './FindingFactory';
import { digestText } from './digest';

export type OutcomeCounts = Record<CheckOutcome, number>;

/** What one entity check made of one entity: findings already masked by the factory. */
export interface EntityCheckEvaluation {
  /** False when `appliesTo` rejected the entity (nothing else is set then). */
  applied: boolean;
  findings: NewFinding[];
  counts: OutcomeCounts;
  /** A result with outcome `error`: the entity was not fully evaluated. */
  resultErrored: boolean;
  /** The check threw or timed out: its scrubbed message and its `error` finding. */
  thrown?: { message: string; finding: NewFinding };
  durationMs: number;
  /** What the check found on the entity, as `findingsDigest` (unset when it threw). */
  findingsDigest?: string;
  /**
   * Set when the findings equal the ones recorded for the entity (`recordedDigest`): they are
   * left out of `findings` (the stored ones stand) and this many of them are failures.
   */
  keptFailures?: number;
}

/** How the registry resolved a check: what its evaluation needs besides the entity. */
export interface EntityCheckSettings {
  severity: Severity;
  severityOverride?: Severity;
  timeoutMs: number;
}

export class TimeoutError extends Error {
  name = 'TimeoutError';
}

/** Runs `work` with a timeout and the parent's abort; a check ignoring its signal is not awaited. */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent: AbortSignal,
): Promise<T> {
  parent.throwIfAborted();
  const controller = new AbortController();
  let rejectOnAbort: (reason: unknown) => void = () => {};
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

export function emptyCounts(): OutcomeCounts {
  return { fail: 0, pass: 0, error: 0, notApplicable: 0 };
}

export function countOutcomes(
  results: CheckResult[],
  into: OutcomeCounts = emptyCounts(),
): OutcomeCounts {
  for (const result of results) into[result.outcome] += 1;
  return into;
}

/** A configured severity override replaces the severity each result carries. */
export function withOverride(
  results: CheckResult[],
  override: Severity | undefined,
): CheckResult[] {
  return override ? results.map(r => ({ ...r, severity: override })) : results;
}

const NO_FINDINGS_DIGEST = digestText('sha1', '[]', 'base64');

// Digests are base64: no comma.
const DIGEST_SEPARATOR = ',';

/**
 * An entity's findings digests, one per evaluating check in order, as one text: as they are stored
 * and sent to a worker. A pass holds one per entity from reading it to merging the entity's
 * evaluations; split, they were an array and a string per check, which outlived young collections.
 */
export function joinFindingsDigests(digests: string[]): string {
  return digests.join(DIGEST_SEPARATOR);
}

/** The digests `joinFindingsDigests` joined, in order. */
export function splitFindingsDigests(joined: string): string[] {
  return joined.split(DIGEST_SEPARATOR);
}

/**
 * Identifies what a check found on an entity: the masked findings in the order the check reported
 * them (fingerprints, content and owners). Equal digests mean equal rows to store.
 */
export function findingsDigest(findings: NewFinding[]): string {
  // Most checks find nothing on most entities.
  if (!findings.length) return NO_FINDINGS_DIGEST;
  return digestText('sha1', JSON.stringify(findings), 'base64');
}

function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>)?.then === 'function';
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Evaluates one entity check on one entity and masks what it found. The same code runs on the
 * backend's main thread and in evaluation workers, so both give the same findings.
 * `appliesChecked`: the caller already asked `appliesTo` and it said yes.
 */
export async function evaluateEntityCheck(options: {
  check: EntitySecurityCheck;
  settings: EntityCheckSettings;
  entity: Entity;
  context: EntityCheckContext;
  factory: FindingFactory;
  signal: AbortSignal;
  appliesChecked?: boolean;
  /** The digest of the findings recorded for the entity and check by an earlier scan. */
  recordedDigest?: string;
}): Promise<EntityCheckEvaluation> {
  const { check, settings, entity, context, factory, signal } = options;
  const started = performance.now();
  const evaluation: EntityCheckEvaluation = {
    applied: true,
    findings: [],
    counts: emptyCounts(),
    resultErrored: false,
    durationMs: 0,
  };
  try {
    if (
      !options.appliesChecked &&
      check.appliesTo &&
      !check.appliesTo(entity)
    ) {
      evaluation.applied = false;
      return evaluation;
    }
    const pending = check.evaluate(entity, context);
    const results = isPromiseLike<CheckResult[]>(pending)
      ? await withTimeout(
          () => Promise.resolve(pending),
          settings.timeoutMs,
          signal,
        )
      : pending;
    countOutcomes(results, evaluation.counts);
    evaluation.resultErrored = results.some(r => r.outcome === 'error');
    evaluation.findings = factory.fromResults(
      check.meta,
      settings.severity,
      withOverride(results, settings.severityOverride),
      entity,
    );
    const digest = findingsDigest(evaluation.findings);
    evaluation.findingsDigest = digest;
    if (digest === options.recordedDigest && !evaluation.resultErrored) {
      // Nothing to write: what crosses back (from a worker) and what the store reads stays small.
      evaluation.keptFailures = evaluation.findings.filter(
        f => f.outcome === 'fail',
      ).length;
      evaluation.findings = [];
    }
  } catch (e) {
    const error = asError(e);
    evaluation.thrown = {
      message: factory.scrub(error.message),
      finding: factory.fromError(check.meta, settings.severity, error, entity),
    };
  } finally {
    evaluation.durationMs = performance.now() - started;
  }
  return evaluation;
}
