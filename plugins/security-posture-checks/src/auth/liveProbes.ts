import {
  CheckResult,
  createSecurityCheck,
  SecurityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import {
  AuthProbe,
  AuthProbeReport,
  LIVE_PROBES_KEY,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { ProbeResponse, probe } from './httpProbe';
import { requestGuestSession } from './guestSession';

const DEFAULT_TIMEOUT_MS = 5000;

/** Plugins that answer anonymous callers by design: sign-in and the app's static files. */
const DEFAULT_PUBLIC_PLUGINS = ['auth', 'app'];

/** A data route per well-known plugin; other plugins are probed at their root path. */
const DATA_ROUTES: Record<string, { path: string; method: 'GET' | 'POST'; body?: string }> = {
  scaffolder: { path: '/v2/actions', method: 'GET' },
  search: { path: '/query?term=', method: 'GET' },
  kubernetes: { path: '/clusters', method: 'GET' },
  permission: { path: '/authorize', method: 'POST', body: '{"items":[]}' },
  'security-posture': { path: '/summary', method: 'GET' },
};

const CATALOG_QUERY = '/entities/by-query?limit=1';

interface ProbeSpec {
  id: string;
  description: string;
  url: string;
  method: 'GET' | 'POST';
  severity: Severity;
  headers?: Record<string, string>;
  body?: string;
}

function verdictFor(response: ProbeResponse, refusalStatuses: (s: number) => boolean) {
  const { status } = response;
  if (status === undefined) return 'inconclusive' as const;
  if (status >= 200 && status < 300) return 'exposed' as const;
  if (refusalStatuses(status)) return 'ok' as const;
  return 'inconclusive' as const;
}

const isAuthRefusal = (s: number) => s === 401 || s === 403;

function explain(response: ProbeResponse): string | undefined {
  if (response.error) return response.error;
  const { status } = response;
  if (status === undefined) return undefined;
  if (status >= 300 && status < 400) {
    return `redirect to ${response.location ?? '(no location)'}, not followed`;
  }
  if (status === 404) {
    return 'answered 404 without asking for credentials: the request passed the auth barrier (or the plugin is not served at this URL)';
  }
  return undefined;
}

function toProbe(
  spec: ProbeSpec,
  response: ProbeResponse,
  verdict: AuthProbe['verdict'],
  detail?: string,
): AuthProbe {
  return {
    id: spec.id,
    description: spec.description,
    url: spec.url,
    method: spec.method,
    ...(response.status !== undefined ? { status: response.status } : {}),
    ...(response.error ? { error: response.error } : {}),
    ...(response.location ? { redirectLocation: response.location } : {}),
    expected: 'refused',
    verdict,
    durationMs: response.durationMs,
    startedAt: response.startedAt,
    ...(detail ? { detail } : {}),
  };
}

function toResult(p: AuthProbe, severity: Severity): CheckResult {
  const observed = p.status !== undefined ? `HTTP ${p.status}` : `no response (${p.error})`;
  const evidence = {
    url: p.url,
    method: p.method,
    observed,
    expected: 'refused (401/403)',
    durationMs: p.durationMs,
    ...(p.detail ? { detail: p.detail } : {}),
  };
  const target = { type: 'deployment' as const };
  if (p.verdict === 'exposed') {
    return {
      outcome: 'fail',
      target,
      location: `probe:${p.id}`,
      title: `Anonymous access: ${p.description}`,
      severity,
      message: `${p.method} ${p.url} without credentials answered ${observed}${
        p.detail ? `: ${p.detail}` : ''
      }`,
      evidence,
    };
  }
  if (p.verdict === 'ok') {
    return {
      outcome: 'pass',
      target,
      location: `probe:${p.id}`,
      message: `${p.method} ${p.url} was refused (${observed})`,
      evidence,
    };
  }
  return {
    outcome: p.status === undefined ? 'error' : 'notApplicable',
    target,
    location: `probe:${p.id}`,
    title: `Probe inconclusive: ${p.description}`,
    message: `${p.method} ${p.url}: ${observed}${
      p.detail ? ` (${p.detail})` : ''
    }; cannot tell whether anonymous access is refused`,
    evidence,
  };
}

async function baseUrlFor(ctx: SecurityCheckContext, pluginId: string, internal: boolean) {
  return internal
    ? ctx.services.discovery.getBaseUrl(pluginId)
    : ctx.services.discovery.getExternalBaseUrl(pluginId);
}

/**
 * Real requests from the backend to its own (external) URLs, as an anonymous client would make
 * them: the catalog without a token, a guest session, the catalog as that guest, and each
 * installed plugin's routes without credentials. Reports what was observed.
 */
export const liveProbesCheck = createSecurityCheck({
  meta: {
    id: 'auth/live-probes',
    version: 1,
    title: 'Live probe: anonymous or guest access to the backend',
    category: 'auth',
    defaultSeverity: 'high',
    description:
      "Sends real HTTP requests to the backend's own external base URLs (discovery), with a timeout and without following redirects: an unauthenticated catalog query (must be 401), a guest session request (`/api/auth/guest/refresh`, must be refused), a catalog query with that guest session if one was issued, and one route of every installed plugin without credentials. Publishes the observations under `probes`.",
    remediation:
      'Keep the default auth policy (do not set `backend.auth.dangerouslyDisableDefaultAuthPolicy`), remove `auth.providers.guest` (and `dangerouslyAllowOutsideDevelopment`) from deployed configs, and make plugins that open routes with `httpRouter.addAuthPolicy({ allow: "unauthenticated" })` open only what must be public.',
    docsUrl: 'https://backstage.io/docs/tutorials/auth-service-migration',
  },
  async run(ctx) {
    const { options, signal, instanceMetadata, services, config } = ctx;
    const timeoutMs = options.getOptionalNumber('timeoutMs') ?? DEFAULT_TIMEOUT_MS;
    const internal = options.getOptionalBoolean('useInternalBaseUrls') ?? false;
    const publicPlugins = options.getOptionalStringArray('publicPlugins') ?? DEFAULT_PUBLIC_PLUGINS;
    const installed = (await instanceMetadata.getInstalledPlugins()).map(p => p.pluginId);
    const known = installed.length > 0;
    const has = (id: string) => !known || installed.includes(id);
    const fetchFn = services.fetch;

    const probes: AuthProbe[] = [];
    const results: CheckResult[] = [];
    const record = (p: AuthProbe, severity: Severity) => {
      probes.push(p);
      results.push(toResult(p, severity));
    };
    const run = async (
      spec: ProbeSpec,
      refusal = isAuthRefusal,
      detailFor?: (r: ProbeResponse) => string | undefined,
    ) => {
      const response = await probe(fetchFn, spec.url, {
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        timeoutMs,
        signal,
        readBody: Boolean(detailFor),
      });
      const verdict = verdictFor(response, refusal);
      record(
        toProbe(spec, response, verdict, detailFor?.(response) ?? explain(response)),
        spec.severity,
      );
      return { response, verdict };
    };

    const catalogBase = has('catalog') ? await baseUrlFor(ctx, 'catalog', internal) : undefined;
    if (catalogBase) {
      await run(
        {
          id: 'catalog-entities-unauthenticated',
          description: 'catalog entities without a token',
          url: `${catalogBase}${CATALOG_QUERY}`,
          method: 'GET',
          severity: 'critical',
        },
        isAuthRefusal,
        totalItemsDetail('anonymous clients'),
      );
    }

    if (has('auth')) {
      const authBase = await baseUrlFor(ctx, 'auth', internal);
      const guest = await requestGuestSession(fetchFn, authBase, { timeoutMs, signal });
      const spec: ProbeSpec = {
        id: 'guest-session',
        description: 'guest session from the auth backend',
        url: `${authBase}/guest/refresh`,
        method: 'GET',
        severity: 'high',
      };
      if (guest.status === 'issued') {
        record(
          toProbe(
            spec,
            guest.response,
            'exposed',
            `guest session issued for ${guest.userEntityRef ?? 'an unknown user'}`,
          ),
          spec.severity,
        );
        if (catalogBase) {
          await run(
            {
              id: 'catalog-entities-as-guest',
              description: 'catalog entities with a guest session',
              url: `${catalogBase}${CATALOG_QUERY}`,
              method: 'GET',
              severity: 'high',
              headers: { Authorization: `Bearer ${guest.token}` },
            },
            isAuthRefusal,
            totalItemsDetail('the guest'),
          );
        }
      } else {
        // Any 4xx means no session: 404 when the provider is not registered, 403/501 when it refuses.
        const status = guest.response.status;
        const verdict =
          status !== undefined && status >= 400 && status < 500 ? 'ok' : 'inconclusive';
        record(
          toProbe(
            spec,
            guest.response,
            verdict,
            guest.status === 'error' ? guest.message : explain(guest.response),
          ),
          spec.severity,
        );
      }
    }

    for (const pluginId of installed) {
      if (publicPlugins.includes(pluginId) || pluginId === 'catalog') continue;
      const base = await baseUrlFor(ctx, pluginId, internal);
      const route = DATA_ROUTES[pluginId] ?? { path: '/', method: 'GET' as const };
      await run({
        id: `plugin:${pluginId}`,
        description: `${pluginId} plugin route without a token`,
        url: `${base}${route.path === '/' ? '/' : route.path}`,
        method: route.method,
        body: route.body,
        headers: route.body ? { 'Content-Type': 'application/json' } : undefined,
        severity: pluginId === 'permission' ? 'medium' : 'high',
      });
    }

    const report: AuthProbeReport = {
      generatedAt: new Date().toISOString(),
      baseUrl: config.getOptionalString('backend.baseUrl') ?? '',
      timeoutMs,
      probes,
    };
    ctx.publish(LIVE_PROBES_KEY, report);
    if (!results.length) {
      results.push({
        outcome: 'notApplicable',
        target: { type: 'deployment' },
        message:
          'Nothing to probe: neither the catalog nor the auth plugin nor any other plugin is installed',
      });
    }
    return results;
  },
});

/** For a 2xx catalog query: how many entities the caller can see (`totalItems`). */
function totalItemsDetail(who: string) {
  return (response: ProbeResponse): string | undefined => {
    if (response.status === undefined || response.status < 200 || response.status >= 300) {
      return explain(response);
    }
    try {
      const total = JSON.parse(response.body ?? '')?.totalItems;
      return typeof total === 'number'
        ? `${who} can read the catalog: ${total} entities`
        : `${who} can read the catalog`;
    } catch {
      return `${who} can read the catalog`;
    }
  };
}
