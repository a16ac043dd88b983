// Responses are read only this far by default: probes need a status and, for a guest session, a
// small JSON document; a hostile or misrouted endpoint must not make the check buffer megabytes.
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface ProbeResponse {
  status?: number;
  /** Set when no response arrived (network error, timeout, abort). */
  error?: string;
  /** `Location` of a redirect, which is never followed. */
  location?: string;
  /** The body, up to the size limit; `undefined` when not read. */
  body?: string;
  durationMs: number;
  startedAt: string;
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= maxBytes) break;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/**
 * One HTTP request with a timeout and without following redirects (a redirect to another host
 * must not carry the probe there). Never throws: failures come back as `error`.
 */
export async function probe(
  fetchFn: typeof fetch,
  url: string,
  options: {
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
    timeoutMs: number;
    signal?: AbortSignal;
    readBody?: boolean;
    /** Defaults to 64 KiB. */
    maxBodyBytes?: number;
  },
): Promise<ProbeResponse> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetchFn(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      redirect: 'manual',
      signal,
    });
    const location = response.headers.get('location') ?? undefined;
    const body = options.readBody
      ? await readLimited(response, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
      : undefined;
    if (!options.readBody) response.body?.cancel().catch(() => {});
    return { status: response.status, location, body, durationMs: elapsed(), startedAt };
  } catch (e) {
    const error =
      timeout.aborted && !options.signal?.aborted
        ? `timeout after ${options.timeoutMs} ms`
        : (e as Error)?.message ?? String(e);
    return { error, durationMs: elapsed(), startedAt };
  }
}
