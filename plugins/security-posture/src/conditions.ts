import { Entity } from '@backstage/catalog-model';

/** Kinds whose entity page has a Security tab in the new frontend system. */
export const SECURITY_TAB_KINDS = [
  'component',
  'api',
  'resource',
  'system',
  'template',
];

/**
 * Whether the entity Security tab applies to an entity. Every catalog entity
 * is scanned, so this is true for all kinds except locations, which only
 * point at other entities.
 */
export function isSecurityPostureAvailable(entity: Entity): boolean {
  return entity.kind.toLocaleLowerCase('en-US') !== 'location';
}

/** The kinds service owners look at: components, APIs, resources, systems and templates. */
export function isSecurityTabKind(entity: Entity): boolean {
  return SECURITY_TAB_KINDS.includes(entity.kind.toLocaleLowerCase('en-US'));
}
