import { createHash, randomUUID } from 'node:crypto';
import { Entity } from '@backstage/catalog-model';
import { EntityCheckContext } from '@security-posture/plugin-security-posture-node';
import { digestText, ResolvedCheck, stableHash } from '@security-posture/checks';
import { StoredEntityEvaluation } from '../database/PostureStore';
import { asError } from './errors';

const sha1 = (text: string) => digestText('sha1', text, 'hex');

/** How the catalog pass of a scan treats entities evaluated before. */
export interface IncrementalPassOptions {
  /** Evaluate every entity (the periodic safety net, or asked for): stored hashes are not read. */
  full: boolean;
  /** How the entities of a page were last evaluated, by lower-cased ref. */
  lookup(entityRefs: string[]): Promise<Map<string, StoredEntityEvaluation>>;
  /**
   * Entities whose findings are kept by their digest and whose evaluation was recorded before
   * this have their findings' "last seen" refreshed (and the evaluation recorded again): once a
   * day, not per scan. Unset: never.
   */
  seenRefreshBefore?: string;
}

/**
 * What identifies the entity's content as the catalog returned it. The catalog's stitching sets
 * `metadata.etag` to a hash of the stitched entity (relations and status included) unless the
 * entity's provider set its own, so the etag changes with every change the checks could see.
 * Relations and status are hashed here as well: a provider's own etag stays while stitching
 * changes them under it (e.g. `ownedBy`, which gives findings their owners). Without an etag the
 * whole JSON is hashed. Reading the etag instead of hashing the entity keeps the main thread's
 * work per unchanged entity small; what a provider-set etag could still hide (a processor
 * changing such an entity's spec) is caught by the periodic full pass.
 */
export function entityContentHash(entity: Entity): string {
  const etag = entity.metadata.etag;
  if (!etag) return sha1(JSON.stringify(entity));
  const status = (entity as { status?: unknown }).status;
  return `etag:${sha1(
    `${etag}\u0000${entity.metadata.uid ?? ''}\u0000${relationsKey(
      entity.relations,
    )}\u0000${status === undefined ? '' : JSON.stringify(status)}`,
  )}`;
}

/** The relations as type and target ref pairs: their JSON repeats each target as an object. */
function relationsKey(relations: Entity['relations']): string {
  let key = '';
  for (const relation of relations ?? []) {
    key += `${relation.type}\u0001${relation.targetRef}\u0002`;
  }
  return key;
}

/**
 * One check's part of an entity's evaluator hash: id, version, effective config and declared
 * evaluation inputs. Inputs that cannot be read make a key that never matches again: the check's
 * entities are evaluated in this scan and the next.
 */
export async function evaluatorKey(
  resolved: ResolvedCheck,
  context: EntityCheckContext,
): Promise<string> {
  const { check } = resolved;
  let inputs = '';
  if (check.scope === 'entity' && check.evaluationInputs) {
    try {
      inputs = stableHash(await check.evaluationInputs(context));
    } catch (e) {
      inputs = `unreadable:${randomUUID()}:${asError(e).name}`;
    }
  }
  return `${check.meta.id}@${resolved.version}#${resolved.configHash}#${inputs}`;
}

/** The checks that evaluate an entity (their keys in registry order) under the fingerprint key. */
export function evaluatorsHash(
  keys: string[],
  fingerprintKeyId: string,
): string {
  return createHash('sha1')
    .update(fingerprintKeyId)
    .update('\u0000')
    .update(keys.join('\u0000'))
    .digest('hex');
}
