import { Entity } from '@backstage/catalog-model';
import { digestText } from './digest';

const sha1 = (text: string) => digestText('sha1', text, 'hex');

/**
 * What identifies the entity's content as the catalog returned it. The catalog's stitching sets
 * `metadata.etag` to a hash of the stitched entity (relations and status included) unless the
 * entity's provider set its own, so the etag changes with every change the checks could see.
 * Relations and status are hashed here as well: a provider's own etag stays while stitching
 * changes them under it (e.g. `ownedBy`, which gives findings their owners). Without an etag the
 * whole JSON is hashed. Reading the etag instead of hashing the entity keeps the work per
 * unchanged entity small; what a provider-set etag could still hide (a processor changing such
 * an entity's spec) is caught by the periodic full pass. Computed on the main thread, or in the
 * evaluation worker that read the entity's catalog page.
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
