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
 * Every string of an entity that a reader of the catalog sees (metadata and spec), with its
 * field path. Bounded in depth and count so a hostile entity cannot make the walk explode;
 * where a bound cut the walk short, `onLimit` is told.
 */
export function* entityStrings(
  entity: Entity,
  onLimit?: (limit: EntityWalkLimit) => void,
): Generator<EntityString> {
  let emitted = 0;
  let countReported = false;
  function* walk(
    value: unknown,
    path: string,
    key: string,
    parent: Record<string, unknown> | undefined,
    depth: number,
  ): Generator<EntityString> {
    if (emitted >= MAX_STRINGS) {
      if (!countReported) onLimit?.({ path, reason: 'count' });
      countReported = true;
      return;
    }
    if (typeof value === 'string') {
      emitted += 1;
      yield { path, key, value, parent };
    } else if (depth >= MAX_DEPTH && value && typeof value === 'object') {
      onLimit?.({ path, reason: 'depth' });
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        yield* walk(value[i], `${path}[${i}]`, key, parent, depth + 1);
      }
    } else if (value && typeof value === 'object') {
      const object = value as Record<string, unknown>;
      for (const [k, v] of Object.entries(object)) {
        yield* walk(v, `${path}${segment(k)}`, k, object, depth + 1);
      }
    }
  }
  // name, namespace, uid and etag are identifiers the catalog validates; they hold no secrets.
  const { name, namespace, uid, etag, ...metadata } = entity.metadata;
  yield* walk(metadata, 'metadata', 'metadata', undefined, 0);
  yield* walk(entity.spec, 'spec', 'spec', undefined, 0);
}
