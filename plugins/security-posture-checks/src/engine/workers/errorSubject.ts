import {
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
} from '@backstage/catalog-model';
import { ReadEntity } from './protocol';

/** Of an entity, what its error findings read: its ref, kind and owners. */
export function errorSubject(entity: Entity): Entity {
  return {
    apiVersion: entity.apiVersion,
    kind: entity.kind,
    metadata: {
      name: entity.metadata.name,
      namespace: entity.metadata.namespace,
    },
    spec: { owner: entity.spec?.owner },
    relations: entity.relations?.filter(r => r.type === RELATION_OWNED_BY),
  };
}

/**
 * The error subject of an entity a worker read and holds, from what the worker said of it: same
 * ref, kind and owners as `errorSubject` of the entity (its owners already resolved).
 */
export function readEntitySubject(entity: ReadEntity): Entity {
  const { namespace, name } = parseEntityRef(entity.entityRef);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: entity.kind,
    metadata: { name, namespace },
    relations: entity.owners.map(targetRef => ({
      type: RELATION_OWNED_BY,
      targetRef,
    })),
  };
}
