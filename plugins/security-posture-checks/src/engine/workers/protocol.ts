import { Entity } from '@backstage/catalog-model';
import { JsonObject, JsonValue } from '@backstage/types';
import { CheckWorkerModule } from '@security-posture/plugin-security-posture-node';
import { EntityCheckSettings } from '../entityEvaluation';
import { PackedEvaluations } from './packedEvaluations';

/** Messages between the evaluation pool (main thread) and its workers. Raw secrets never cross back. */

/** A check as a worker loads and runs it. */
export interface WorkerCheckSpec {
  id: string;
  workerModule: CheckWorkerModule;
  /** The check's resolved `options` (`securityPosture.checks.<id>.options`). */
  options: JsonObject;
  settings: EntityCheckSettings;
}

/** An entity and the checks to evaluate on it. */
export interface EvaluationRequestItem {
  entity: Entity;
  checkIds: string[];
  /** Checks whose `appliesTo` the main thread did not ask (or that threw there): asked here. */
  unchecked?: string[];
  /** By check id: the digest of the findings recorded for the entity (equal ones are not sent back). */
  recordedDigests?: Record<string, string>;
}

/**
 * A catalog page for a worker to read (`GET /entities/by-query` of the catalog): the worker
 * parses it and holds its entities, so the main thread never holds or copies them.
 */
export interface CatalogPageRequest {
  url: string;
  /** A plugin token for the catalog, from the main thread (workers hold no credentials). */
  token: string;
}

/** An entity of a page a worker read and holds: what the main thread plans the pass with. */
export interface ReadEntity {
  entityRef: string;
  /** Its kind and owners: what its error findings read, should its evaluation fail. */
  kind: string;
  owners: string[];
  /** Incremental passes: the entity's content hash. */
  contentHash?: string;
  /** Positions (in the request's check ids) of the checks that apply, each followed by ",". */
  applying: string;
  /** Of those, the positions whose `appliesTo` was not asked or threw (asked again then). */
  unchecked: string;
}

/**
 * A read page's entities as a worker sends them: the refs, and the rest of each entity's
 * `ReadEntity` packed into two texts per page. The main thread holds a page from its arrival until
 * its entities are merged; an object, an owners array and five strings per entity held that long
 * outlived young collections.
 */
export interface PackedReadEntities {
  entityRefs: string[];
  /**
   * Per entity, `applying|unchecked|contentHash` (lists of positions and a hex hash: none holds
   * a "|"; no hash outside incremental passes), each ending where `planEnds` says.
   */
  plans: string;
  planEnds: Uint32Array;
  /** JSON of each entity's `[kind, owners]`: read only for an entity whose evaluation failed. */
  subjects: string;
}

/** A catalog page a worker read and holds until it is evaluated or released. */
export interface ReadPageAnswer {
  totalItems: number;
  nextCursor?: string;
  entities: PackedReadEntities;
}

/**
 * An entity of a held page to evaluate (its checks are the ones its `ReadEntity` says apply):
 * its position in the page and, per applying check in that order, the digest of the findings
 * recorded for it.
 */
export interface HeldPageItem {
  index: number;
  /** Joined (`joinFindingsDigests`): split here, in the worker. */
  recordedDigests?: string;
}

/** `workerData` of every evaluation worker. */
export interface WorkerInit {
  /** The deployment's root config, as entity checks read it. */
  config: JsonObject;
  checks: WorkerCheckSpec[];
  /** The CPU niceness the worker thread lowers itself to (Linux); 0 or absent: unchanged. */
  niceness?: number;
}

export type ToWorker =
  /** A new scan: findings are made under its fingerprint key, secrets seen are forgotten. */
  | { type: 'scan'; fingerprintKey?: string }
  | { type: 'evaluate'; batchId: number; items: EvaluationRequestItem[] }
  /**
   * Reads a catalog page and holds it. `checkIds`: the pass's checks, whose `appliesTo` is asked
   * in incremental passes (as on the main thread); content hashes are computed for those too.
   */
  | {
      type: 'readPage';
      pageId: number;
      request: CatalogPageRequest;
      checkIds: string[];
      incremental: boolean;
    }
  /** Evaluates entities of a held page, then lets the page go. */
  | {
      type: 'evaluatePage';
      batchId: number;
      pageId: number;
      items: HeldPageItem[];
    }
  | { type: 'releasePage'; pageId: number }
  /** The answer to a worker's `getPublished` (data already scrubbed by the scan's factory). */
  | { type: 'published'; requestId: number; data?: JsonValue; error?: string };

export interface WorkerLogLine {
  checkId: string;
  level: 'error' | 'warn' | 'info' | 'debug';
  /** Scrubbed of every secret the worker saw in the scan. */
  message: string;
  meta?: JsonObject;
}

export type FromWorker =
  | {
      type: 'ready';
      unavailable: Array<{ checkId: string; reason: string }>;
      /** The worker thread's niceness after lowering it; absent where it was left. */
      niceness?: number;
    }
  /** A check asked for data another check published: the main thread reads it. */
  | { type: 'getPublished'; requestId: number; checkId: string; key: string }
  /** A page read (or why not: the catalog's answer, not the worker's failure). */
  | { type: 'pageRead'; pageId: number; page?: ReadPageAnswer; error?: string }
  | {
      type: 'evaluated';
      batchId: number;
      /** Per item, per requested check id, in the order asked. */
      evaluations: PackedEvaluations;
      logs: WorkerLogLine[];
      droppedLogLines: number;
    };
