/*
 * HTTP plumbing of the live advisory sources: JSON requests with a per-request timeout and
 * errors that say what happened (unreachable, too slow, error status, malformed answer), and a
 * worker pool that bounds how many requests run at once.
 */

export interface LiveSourceContext {
  fetch: typeof fetch;
  signal: AbortSignal;
  requestTimeoutMs: number;
}

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

function causeCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : undefined;
}

/**
 * GET or POST `url` and parse the JSON answer. Every failure becomes an Error whose message
 * names the origin (never the path or query, which may carry package names of a private
 * registry) and the reason; an abort of the scan itself is rethrown as is.
 */
export async function fetchJson(
  context: LiveSourceContext,
  url: string,
  init: RequestInit = {},
): Promise<{ body: unknown; response: Response }> {
  const origin = new URL(url).origin;
  const timeout = AbortSignal.timeout(context.requestTimeoutMs);
  const signal = AbortSignal.any([context.signal, timeout]);
  const failed = (e: unknown, what: string): Error => {
    if (context.signal.aborted) return (context.signal.reason as Error) ?? (e as Error);
    if (timeout.aborted) {
      return new Error(`${origin} did not answer within ${context.requestTimeoutMs / 1000} s`);
    }
    const code = causeCode(e);
    return new Error(`${origin} ${what}${code ? ` (${code})` : `: ${(e as Error).message}`}`);
  };
  let response: Response;
  try {
    response = await context.fetch(url, { ...init, signal });
  } catch (e) {
    throw failed(e, 'unreachable');
  }
  if (!response.ok) {
    // Drain the body so the connection can be reused; its content is not shown (it may be HTML).
    await response.text().catch(() => undefined);
    throw new Error(`${origin} answered ${response.status} ${response.statusText}`.trim());
  }
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    throw failed(e, 'broke off its answer');
  }
  if (text.length > MAX_RESPONSE_BYTES) throw new Error(`answer from ${origin} too large`);
  try {
    return { body: JSON.parse(text), response };
  } catch {
    throw new Error(`${origin} answered malformed JSON (${text.length} bytes)`);
  }
}

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Runs `work` over `items` with at most `limit` calls under way at once. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
