import { Entity } from '@backstage/catalog-model';

/**
 * Whether the entity Security tab applies to an entity. Every catalog entity
 * is scanned, so this is true for all kinds except locations, which only
 * point at other entities.
 */
export function isSecurityPostureAvailable(entity: Entity): boolean {
  return entity.kind.toLocaleLowerCase('en-US') !== 'location';
}
