import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { dataAgeNote, dataEvidence, relationOf, withNote } from './describe';
import { PluginAnalysisService } from './PluginAnalysisService';
import { daysSince } from './staleness';

/**
 * A community plugin without a release for a long time may not get a fix when its
 * dependencies get advisories; the hardening guide's threshold is 90 days.
 */
export function createUnmaintainedCommunityPluginCheck(service: PluginAnalysisService) {
  return createSecurityCheck({
    meta: {
      id: 'plugins/unmaintained-community-plugin',
      version: 1,
      title: 'Community plugin without a recent release',
      category: 'plugins',
      defaultSeverity: 'low',
      description:
        'Reports plugins and modules outside the `@backstage` scope whose last release (of any version, per the npm registry or the bundled snapshot) is older than `staleAfterDays` (default 90). Core `@backstage/*` packages are released with every Backstage release and are not judged by this rule.',
      remediation:
        "Check the plugin's repository for activity and open issues; prefer a maintained alternative (a `@backstage/*` or actively released `@backstage-community/*` plugin), fork and maintain it, or remove it. Tune the threshold with `securityPosture.checks.plugins.inventory.options.staleAfterDays`.",
    },
    async run(context) {
      const analysis = await service.get(context);
      const limit = analysis.options.staleAfterDays;
      const results: CheckResult[] = [];
      let judged = 0;
      for (const pkg of analysis.inventory.packages) {
        if (pkg.core || pkg.kind === 'library') continue;
        const days = daysSince(pkg.lastPublishedAt, analysis.now);
        if (days === undefined) continue;
        judged += 1;
        if (days <= limit) continue;
        results.push({
          outcome: 'fail',
          target: { type: 'package', name: pkg.name, version: pkg.installedVersions[0] },
          location: pkg.name,
          title: `${pkg.name}: no release for ${days} days`,
          message: withNote(
            `${pkg.name} (${relationOf(
              pkg,
              analysis,
            )}) has had no release for ${days} days (last ${pkg.lastPublishedAt?.slice(
              0,
              10,
            )}, more than ${limit})`,
            dataAgeNote(pkg, analysis),
          ),
          evidence: {
            lastPublishedAt: pkg.lastPublishedAt ?? null,
            daysWithoutRelease: days,
            staleAfterDays: limit,
            installedVersions: pkg.installedVersions,
            ...dataEvidence(pkg),
          },
        });
      }
      if (!results.length) {
        results.push({
          outcome: judged ? 'pass' : 'notApplicable',
          target: { type: 'deployment' },
          message: judged
            ? `${judged} community plugins released within ${limit} days`
            : 'No community plugin with registry data installed',
        });
      }
      return results;
    },
  });
}
