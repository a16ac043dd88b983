import { createHash, randomUUID } from 'node:crypto';
import { EntityCheckContext } from '@security-posture/plugin-security-posture-node';
import { ResolvedCheck, stableHash } from '@security-posture/checks';
import { StoredEntityEvaluation } from '../database/PostureStore';
import { asError } from './errors';

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
