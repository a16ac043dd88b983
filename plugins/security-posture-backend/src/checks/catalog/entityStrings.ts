import { Entity } from '@backstage/catalog-model';

/** A string value of an entity and the path that leads to it. */
export interface EntityString {
  path: string;
  /** The nearest object key (annotation/label name or spec field), for key-name context. */
  key: string;
  value: string;
}

const MAX_DEPTH = 32;
const MAX_STRINGS = 20_000;

function segment(key: string) {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Every string of an entity that a reader of the catalog sees (metadata and spec), with its
 * field path. Bounded in depth and count so a hostile entity cannot make the walk explode.
 */
export function* entityStrings(entity: Entity): Generator<EntityString> {
  let emitted = 0;
  function* walk(value: unknown, path: string, key: string, depth: number): Generator<EntityString> {
    if (emitted >= MAX_STRINGS || depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      emitted += 1;
      yield { path, key, value };
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        yield* walk(value[i], `${path}[${i}]`, key, depth + 1);
      }
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        yield* walk(v, `${path}${segment(k)}`, k, depth + 1);
      }
    }
  }
  const { name, namespace, uid, etag, ...metadata } = entity.metadata;
  yield* walk(metadata, 'metadata', 'metadata', 0);
  yield* walk(entity.spec, 'spec', 'spec', 0);
}
