// Shapes of the data the auth checks publish (context.publish) for the UI and for other checks.
// Declared as type aliases (not interfaces) so they are assignable to JSON values.

/** Check that publishes the live probe observations. */
export const LIVE_PROBES_CHECK_ID = 'auth/live-probes';
/** Key under which {@link LIVE_PROBES_CHECK_ID} publishes {@link AuthProbeReport}. */
export const LIVE_PROBES_KEY = 'probes';

/** What a secure deployment answers to the probe. */
export type AuthProbeExpectation = 'refused' | 'allowed' | 'any';

/**
 * - `ok`: observed what a secure deployment answers;
 * - `exposed`: an anonymous client got in (2xx where a refusal was expected);
 * - `inconclusive`: network error, timeout, redirect, 404 or another status that proves nothing.
 */
export type AuthProbeVerdict = 'ok' | 'exposed' | 'inconclusive';

export type AuthProbe = {
  /** Stable id, e.g. `catalog-entities-unauthenticated`, `guest-session`, `plugin:scaffolder`. */
  id: string;
  description: string;
  url: string;
  method: 'GET' | 'POST';
  /** HTTP status observed, when a response arrived. */
  status?: number;
  /** Network error or timeout, when no response arrived. */
  error?: string;
  /** For redirects: where the response pointed (never followed). */
  redirectLocation?: string;
  expected: AuthProbeExpectation;
  verdict: AuthProbeVerdict;
  durationMs: number;
  startedAt: string;
  /** e.g. `guest session issued for user:development/guest`. */
  detail?: string;
};

export type AuthProbeReport = {
  generatedAt: string;
  /** Base URL the probes were sent to (`backend.baseUrl`). */
  baseUrl: string;
  timeoutMs: number;
  probes: AuthProbe[];
};

/** One configured auth provider and its sign-in resolvers (provider inventory). */
export type AuthProviderInventoryItem = {
  providerId: string;
  /** Environment sub-block the entry comes from (`development`, `production`), if any. */
  environment?: string;
  resolvers: string[];
  /** Risky options found, e.g. `dangerouslyAllowSignInWithoutUserInCatalog`. */
  risks: string[];
  /** Whether the provider's backend module appears among the installed modules. */
  moduleInstalled?: boolean;
};

/** Check that publishes the provider inventory. */
export const PROVIDER_INVENTORY_CHECK_ID = 'auth/sign-in-resolvers';
/** Key under which {@link PROVIDER_INVENTORY_CHECK_ID} publishes an array of {@link AuthProviderInventoryItem}. */
export const PROVIDER_INVENTORY_KEY = 'providers';
