// Small string helpers for the per-field hot paths of the catalog checks.

// Every UTF-16 code unit below 0x80; the control characters belong to ASCII too.
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * `value.toLocaleLowerCase('en-US')`. For ASCII text (nearly every catalog value) that is exactly
 * `toLowerCase()`, which skips ICU and is many times faster.
 */
export function lowerCaseEn(value: string): string {
  return ASCII.test(value) ? value.toLowerCase() : value.toLocaleLowerCase('en-US');
}

/** Keys longer than this are not remembered: a hostile catalog must not pin huge strings. */
const MAX_MEMO_KEY_LENGTH = 256;
const MAX_MEMO_ENTRIES = 20_000;

/**
 * Remembers `compute(key)` for short keys (annotation keys, field names), which repeat across
 * the entities of a catalog. Bounded: the memory is dropped when it is full. `compute` must be
 * a pure function of the key, and callers must not mutate what it returns.
 */
export function memoizeByKey<T>(compute: (key: string) => T): (key: string) => T {
  const memory = new Map<string, T>();
  return (key: string) => {
    if (key.length > MAX_MEMO_KEY_LENGTH) return compute(key);
    let value = memory.get(key);
    if (value === undefined && !memory.has(key)) {
      value = compute(key);
      if (memory.size >= MAX_MEMO_ENTRIES) memory.clear();
      memory.set(key, value);
    }
    return value as T;
  };
}
