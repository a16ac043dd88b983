import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { PluginAnalysisService } from './PluginAnalysisService';

// Enough install locations to find the culprit without flooding the finding.
const MAX_LOCATIONS_PER_VERSION = 5;

/**
 * Several versions of one `@backstage/*` package: the removed `versions:check` used to catch
 * this. Old copies keep old bugs (and advisories), and shared singletons (API refs, plugin
 * contexts) split between copies.
 */
export function createDuplicateCoreVersionsCheck(service: PluginAnalysisService) {
  return createSecurityCheck({
    meta: {
      id: 'plugins/duplicate-core-versions',
      version: 1,
      title: 'Several versions of a @backstage package installed',
      category: 'plugins',
      defaultSeverity: 'low',
      description:
        'Reports `@backstage/*` packages installed in more than one version (lockfile copies and the backend runtime). This is what the removed `backstage-cli versions:check` reported.',
      remediation:
        'Align the versions: run `backstage-cli versions:bump` so every `@backstage/*` dependency follows one release, upgrade (or drop) the plugin that pins the old version, or force one version with `overrides` (npm) / `resolutions` (yarn), then reinstall and check the lockfile again.',
    },
    async run(context) {
      const analysis = await service.get(context);
      const results: CheckResult[] = [];
      let core = 0;
      for (const pkg of analysis.inventory.packages) {
        if (!pkg.core) continue;
        core += 1;
        if (pkg.installedVersions.length < 2) continue;
        const where = analysis.locations.get(pkg.name) ?? new Map<string, string[]>();
        results.push({
          outcome: 'fail',
          target: { type: 'package', name: pkg.name },
          location: pkg.name,
          title: `${pkg.name} is installed in ${pkg.installedVersions.length} versions`,
          message: `${pkg.name} is installed as ${pkg.installedVersions.join(
            ', ',
          )}: ${pkg.installedVersions
            .map(
              v => `${v} at ${(where.get(v) ?? []).slice(0, 2).join(', ') || 'unknown location'}`,
            )
            .join('; ')}`,
          evidence: {
            versions: pkg.installedVersions,
            locations: pkg.installedVersions.flatMap(v =>
              (where.get(v) ?? []).slice(0, MAX_LOCATIONS_PER_VERSION).map(l => `${v}: ${l}`),
            ),
          },
        });
      }
      if (!results.length) {
        results.push({
          outcome: core ? 'pass' : 'notApplicable',
          target: { type: 'deployment' },
          message: core
            ? `Each of ${core} @backstage packages is installed in one version`
            : 'No @backstage packages found',
        });
      }
      return results;
    },
  });
}
