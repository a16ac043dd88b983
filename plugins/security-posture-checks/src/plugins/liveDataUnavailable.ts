import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { BUNDLED_ADVISORIES_MAX_AGE_DAYS } from './analysis';
import { PluginAnalysisService } from './PluginAnalysisService';

/**
 * The plugins checks keep working without the network (bundled snapshot and advisories), but
 * their answers are then only as fresh as the bundled data. This check makes that visible: an
 * `error` outcome per live source that failed, so the scan is marked partial with the reason.
 */
export function createLiveDataUnavailableCheck(service: PluginAnalysisService) {
  return createSecurityCheck({
    meta: {
      id: 'plugins/live-data-unavailable',
      version: 1,
      title: 'Live package data unavailable',
      category: 'plugins',
      defaultSeverity: 'low',
      description:
        'Reports when the npm registry, or a live advisory source (OSV, on by default; npm bulk advisories and GitHub when configured), did not answer or answered only in part. The plugins checks then fall back to cached data or to the snapshot and advisory dataset bundled with security-posture, and say how old that data is.',
      remediation:
        'Let the backend reach the registry it installs from (set `securityPosture.checks.plugins.inventory.options.registry` to your mirror, e.g. an Artifactory or Verdaccio URL) and the advisory sources (OSV at https://api.osv.dev or `advisorySources.osv.baseUrl`, `advisorySources.github.baseUrl`). In an air-gapped deployment switch OSV off with `advisorySources.osv.enabled: false`: matching then rests on the bundled dataset alone, and its age is reported.',
    },
    async run(context) {
      const analysis = await service.get(context);
      const results: CheckResult[] = [];
      const age = analysis.bundledAdvisoriesAgeDays;
      if (age !== undefined && age > BUNDLED_ADVISORIES_MAX_AGE_DAYS) {
        const compiledAt = analysis.inventory.advisorySources.find(s => s.name === 'bundled')?.asOf;
        const liveAnswered = analysis.inventory.advisorySources
          .filter(s => s.name !== 'bundled' && s.status === 'ok')
          .map(s => s.name);
        results.push({
          outcome: 'fail',
          target: { type: 'deployment' },
          location: 'bundled advisory dataset',
          // Only what no live source covered rests on the old data: then it matters.
          severity: liveAnswered.length ? 'info' : 'low',
          title: `Bundled advisory dataset is ${age} days old`,
          message: `The bundled advisory dataset was compiled on ${compiledAt}, ${age} days ago (more than ${BUNDLED_ADVISORIES_MAX_AGE_DAYS}): advisories published since are missing from it. ${
            liveAnswered.length
              ? `${liveAnswered.join(', ')} answered in this scan, so live matching is current.`
              : 'No live advisory source answered in this scan, so matching rests on it alone: upgrade security-posture (each release bundles a newer dataset) or let the backend reach OSV.'
          }`,
          evidence: { compiledAt: compiledAt ?? null, ageDays: age, liveSources: liveAnswered },
        });
      }
      if (!analysis.liveFailures.length) {
        if (results.length) return results;
        const live = analysis.inventory.advisorySources
          .filter(s => s.status === 'ok' && s.name !== 'bundled')
          .map(s => s.name);
        return [
          {
            outcome: 'pass',
            target: { type: 'deployment' },
            message: `The registry answered${live.length ? `, as did ${live.join(', ')}` : ''}`,
            evidence: { registry: analysis.inventory.registry.url },
          },
        ];
      }
      for (const failure of analysis.liveFailures) {
        results.push({
          outcome: 'error',
          target: { type: 'deployment' },
          location: failure.source,
          title: `Partial data: ${failure.source} ${
            failure.partial ? 'answered in part' : 'unavailable'
          }`,
          message: `${failure.source} ${failure.partial ? 'answered in part' : 'did not answer'} (${
            failure.error
          }); ${failure.fallback}`,
          evidence: {
            source: failure.source,
            error: failure.error,
            fallback: failure.fallback,
          },
        });
      }
      return results;
    },
  });
}
