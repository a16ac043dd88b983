import { Entity } from '@backstage/catalog-model';
import { JsonObject, JsonValue } from '@backstage/types';
import { CheckWorkerModule } from '@security-posture/plugin-security-posture-node';
import {
  EntityCheckEvaluation,
  EntityCheckSettings,
} from '../entityEvaluation';

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

/** `workerData` of every evaluation worker. */
export interface WorkerInit {
  /** The deployment's root config, as entity checks read it. */
  config: JsonObject;
  checks: WorkerCheckSpec[];
}

export type ToWorker =
  /** A new scan: findings are made under its fingerprint key, secrets seen are forgotten. */
  | { type: 'scan'; fingerprintKey?: string }
  | { type: 'evaluate'; batchId: number; items: EvaluationRequestItem[] }
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
  | { type: 'ready'; unavailable: Array<{ checkId: string; reason: string }> }
  /** A check asked for data another check published: the main thread reads it. */
  | { type: 'getPublished'; requestId: number; checkId: string; key: string }
  | {
      type: 'evaluated';
      batchId: number;
      /** Per item, per requested check id, in the order asked. */
      evaluations: EntityCheckEvaluation[][];
      logs: WorkerLogLine[];
      droppedLogLines: number;
    };
