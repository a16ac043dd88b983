import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';

export const EGRESS_CHECK_ID = 'runtime/egress';

const DEFAULT_TIMEOUT_MS = 3000;
const MAX_TIMEOUT_MS = 10_000;

export type EgressVerdict = 'reachable' | 'blocked' | 'timeout';

function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.name === 'string') return cause.name;
  return error instanceof Error ? error.name : 'unknown error';
}

/**
 * Opt-in live probe: one `HEAD` request, without a body, credentials or redirects, to a canary URL
 * the deployment chooses, with a strict timeout. An answer means the backend can open outbound
 * connections to arbitrary hosts; a refused connection or a failed name lookup looks like egress
 * filtering; no answer in time looks like dropped packets.
 */
export function createEgressCheck() {
  return createSecurityCheck({
    meta: {
      id: EGRESS_CHECK_ID,
      version: 1,
      title: 'Backend can open arbitrary outbound connections',
      category: 'runtime',
      defaultSeverity: 'medium',
      description:
        'Opt-in (`securityPosture.checks.runtime.egress.options.canaryUrl`): sends one `HEAD` request without a body, credentials or cookies and without following redirects to the canary URL, with a strict timeout (`timeoutMs`, default 3000, at most 10000). Any HTTP answer fails: a malicious plugin could send every secret of the process to a host of its choice. A refused connection or failed name lookup passes as blocked, no answer in time passes as timeout (dropped). Not applicable without a canary URL. Publishes the observation under `egress`.',
      remediation:
        'Restrict the backend\'s egress to the hosts it needs: a Kubernetes NetworkPolicy with `policyTypes: [Egress]` that allows DNS, the database and the integrations\' hosts and denies all other egress by omission (hardening guide, "Network isolation"), or an egress proxy (Squid, Envoy) that logs and filters every outbound request.',
    },
    async run(context) {
      const canary = context.options.getOptionalString('canaryUrl');
      if (!canary) {
        return [
          {
            outcome: 'notApplicable',
            target: { type: 'deployment' },
            message:
              'No canary URL configured (securityPosture.checks.runtime.egress.options.canaryUrl): the egress probe is opt-in',
          },
        ];
      }
      let url: URL;
      try {
        url = new URL(canary);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      } catch {
        return [
          {
            outcome: 'error',
            target: { type: 'config', path: 'securityPosture.checks.runtime.egress.options.canaryUrl' },
            message: 'The canary URL is not an http(s) URL',
          },
        ];
      }
      const timeoutMs = Math.min(
        Math.max(context.options.getOptionalNumber('timeoutMs') ?? DEFAULT_TIMEOUT_MS, 1),
        MAX_TIMEOUT_MS,
      );
      // Only the origin is shown: a canary URL may carry a path or query the deployment keeps to itself.
      const shown = url.origin;
      const started = Date.now();
      let verdict: EgressVerdict;
      let status: number | undefined;
      let detail: string;
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const response = await context.services.fetch(url, {
          method: 'HEAD',
          redirect: 'manual',
          credentials: 'omit',
          cache: 'no-store',
          signal: AbortSignal.any([context.signal, timeout]),
        });
        verdict = 'reachable';
        status = response.status;
        detail = `HTTP ${response.status}`;
        await response.body?.cancel().catch(() => undefined);
      } catch (e) {
        if (context.signal.aborted) throw e;
        if (timeout.aborted) {
          verdict = 'timeout';
          detail = `no answer within ${timeoutMs} ms`;
        } else {
          verdict = 'blocked';
          detail = causeCode(e);
        }
      }
      const durationMs = Date.now() - started;
      context.publish('egress', {
        canary: shown,
        verdict,
        status: status ?? null,
        detail,
        timeoutMs,
        durationMs,
        probedAt: new Date(started).toISOString(),
      });
      const evidence = { canary: shown, verdict, detail, durationMs };
      if (verdict === 'reachable') {
        return [
          {
            outcome: 'fail',
            target: { type: 'deployment' },
            location: 'egress',
            message: `The backend reached ${shown} (${detail}) in ${durationMs} ms: it can open outbound connections, so a malicious plugin could send the process's secrets anywhere`,
            evidence,
          },
        ];
      }
      return [
        {
          outcome: 'pass',
          target: { type: 'deployment' },
          message:
            verdict === 'blocked'
              ? `The backend could not connect to ${shown} (${detail}): consistent with egress filtering`
              : `The backend got no answer from ${shown} (${detail}): outbound connections look dropped`,
          evidence,
        },
      ];
    },
  });
}
