import { Entity } from '@backstage/catalog-model';

/** A string value of an entity and the path that leads to it. */
export interface EntityString {
  path: string;
  /** The nearest object key (annotation/label name or spec field), for key-name context. */
  key: string;
  value: string;
  /** The object that holds the value (absent for array items of non-objects' parents). */
  parent?: Record<string, unknown>;
}

/** Where the walk stopped early; reported as inconclusive, never passed over in silence. */
export interface EntityWalkLimit {
  path: string;
  reason: 'depth' | 'count';
}

export const MAX_DEPTH = 32;
export const MAX_STRINGS = 20_000;

const SIMPLE_KEY = /^[A-Za-z_$][\w$]{0,200}$/;

function segment(key: string) {
  return SIMPLE_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Walks every string of an entity that a reader of the catalog sees, in document order, calling
 * `onString` for each and `onLimit` where a bound cut the walk short. What {@link entityStrings}
 * yields, without a generator per level of nesting or an object per string.
 */
export function walkEntityStrings(
  entity: Entity,
  onString: (
    path: string,
    key: string,
    value: string,
    parent: Record<string, unknown> | undefined,
  ) => void,
  onLimit?: (limit: EntityWalkLimit) => void,
): void {
  let emitted = 0;
  let countReported = false;
  function walk(
    value: unknown,
    path: string,
    key: string,
    parent: Record<string, unknown> | undefined,
    depth: number,
  ): void {
    if (emitted >= MAX_STRINGS) {
      if (!countReported) onLimit?.({ path, reason: 'count' });
      countReported = true;
      return;
    }
    if (typeof value === 'string') {
      emitted += 1;
      onString(path, key, value, parent);
    } else if (depth >= MAX_DEPTH && value && typeof value === 'object') {
      onLimit?.({ path, reason: 'depth' });
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        walk(value[i], `${path}[${i}]`, key, parent, depth + 1);
      }
    } else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      for (const k of Object.keys(object)) {
        walk(object[k], `${path}${segment(k)}`, k, object, depth + 1);
      }
    }
  }
  // name, namespace, uid and etag are identifiers the catalog validates; they hold no secrets.
  const { name, namespace, uid, etag, ...metadata } = entity.metadata;
  walk(metadata, 'metadata', 'metadata', undefined, 0);
  walk(entity.spec, 'spec', 'spec', undefined, 0);
}

/**
 * Every string of an entity that a reader of the catalog sees (metadata and spec), with its
 * field path. Bounded in depth and count so a hostile entity cannot make the walk explode;
 * where a bound cut the walk short, `onLimit` is told.
 */
export function* entityStrings(
  entity: Entity,
  onLimit?: (limit: EntityWalkLimit) => void,
): Generator<EntityString> {
  const events: Array<EntityString | { limit: EntityWalkLimit }> = [];
  walkEntityStrings(
    entity,
    (path, key, value, parent) => events.push({ path, key, value, parent }),
    limit => events.push({ limit }),
  );
  for (const event of events) {
    if ('limit' in event) onLimit?.(event.limit);
    else yield event;
  }
}
