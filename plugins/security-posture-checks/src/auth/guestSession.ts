import { ProbeResponse, probe } from './httpProbe';

export type GuestSessionResult =
  | {
      status: 'issued';
      /** A real guest session token. Never published, logged or stored. */
      token: string;
      userEntityRef?: string;
      ownershipEntityRefs: string[];
      response: ProbeResponse;
    }
  | { status: 'refused'; response: ProbeResponse }
  | { status: 'error'; message: string; response: ProbeResponse };

/**
 * Asks the auth backend for a guest session the way the sign-in page does
 * (`GET <auth base>/guest/refresh`), without credentials.
 */
export async function requestGuestSession(
  fetchFn: typeof fetch,
  authBaseUrl: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<GuestSessionResult> {
  const response = await probe(fetchFn, `${authBaseUrl}/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    readBody: true,
  });
  if (response.status === undefined) {
    return { status: 'error', message: response.error ?? 'no response', response };
  }
  if (response.status < 200 || response.status >= 300) {
    return response.status >= 500
      ? { status: 'error', message: `HTTP ${response.status}`, response }
      : { status: 'refused', response };
  }
  try {
    const session = JSON.parse(response.body ?? '');
    const identity = session?.backstageIdentity;
    if (typeof identity?.token !== 'string' || !identity.token) {
      return {
        status: 'error',
        message: 'the response holds no backstageIdentity.token',
        response,
      };
    }
    const refs = identity.identity?.ownershipEntityRefs;
    return {
      status: 'issued',
      token: identity.token,
      userEntityRef:
        typeof identity.identity?.userEntityRef === 'string'
          ? identity.identity.userEntityRef
          : undefined,
      ownershipEntityRefs: Array.isArray(refs) ? refs.filter(r => typeof r === 'string') : [],
      response: { ...response, body: undefined },
    };
  } catch {
    return {
      status: 'error',
      message: 'the response is not JSON (truncated or not a session)',
      response,
    };
  }
}
