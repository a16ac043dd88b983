/** Parts of the catalog read side by side: entity kinds, split by how many entities they have. */
export interface CatalogPart {
  kinds: string[];
  count: number;
}

/**
 * Splits the kinds into at most `parts` parts of similar size (largest kind first, each to the
 * smallest part so far). Kinds that differ only in case are one kind: the catalog matches kind
 * filters case-insensitively, so two parts must never name the same one.
 */
export function partitionKinds(
  kinds: Array<{ value: string; count: number }>,
  parts: number,
): CatalogPart[] {
  const byKind = new Map<string, { value: string; count: number }>();
  for (const { value, count } of kinds) {
    const key = value.toLocaleLowerCase('en-US');
    const known = byKind.get(key);
    if (known) known.count += count;
    else byKind.set(key, { value, count });
  }
  const sorted = [...byKind.values()].sort((a, b) => b.count - a.count);
  const result: CatalogPart[] = [];
  for (const kind of sorted) {
    if (result.length < parts) {
      result.push({ kinds: [kind.value], count: kind.count });
      continue;
    }
    let smallest = result[0];
    for (const part of result) if (part.count < smallest.count) smallest = part;
    smallest.kinds.push(kind.value);
    smallest.count += kind.count;
  }
  return result;
}

type Pull<T> = { index: number } & (
  | { result: IteratorResult<T> }
  | { error: unknown }
);

/**
 * Pages of several streams as they arrive, one page pending per stream (each stream is pulled
 * again only once its page was taken). A failed stream stops; the others are read to their end
 * before its error is thrown, so the pages they still had are not lost.
 */
export async function* mergePages<T>(
  streams: Array<AsyncIterable<T>>,
): AsyncGenerator<T> {
  const iterators = streams.map(stream => stream[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<Pull<T>>>();
  const pull = (index: number) =>
    pending.set(
      index,
      iterators[index].next().then(
        result => ({ index, result }),
        error => ({ index, error }),
      ),
    );
  iterators.forEach((_, index) => pull(index));
  let failure: { error: unknown } | undefined;
  try {
    while (pending.size > 0) {
      const settled = await Promise.race(pending.values());
      pending.delete(settled.index);
      if ('error' in settled) {
        failure ??= { error: settled.error };
        continue;
      }
      if (settled.result.done) continue;
      pull(settled.index);
      yield settled.result.value;
    }
  } finally {
    // The caller stopped early (or a stream failed): let go of the streams still open.
    for (const index of pending.keys()) {
      iterators[index].return?.()?.catch?.(() => {});
    }
  }
  if (failure) throw failure.error;
}

/**
 * The pages of `source` until `signal` aborts: a stopped scan does not wait for a catalog page
 * in flight (a backend shutting down may never answer it). Rejects with the abort's reason.
 */
export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  let done = false;
  try {
    while (!done) {
      if (signal.aborted) throw signal.reason;
      const next = await Promise.race([iterator.next(), aborted]);
      done = Boolean(next.done);
      if (!next.done) yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: after an abort the source may still be waiting for its page.
    if (!done) iterator.return?.()?.catch?.(() => {});
  }
}
