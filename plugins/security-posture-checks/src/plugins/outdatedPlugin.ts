import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { dataAgeNote, dataEvidence, relationOf, withNote } from './describe';
import { PluginAnalysisService } from './PluginAnalysisService';
import { daysSince, describeBehind } from './staleness';

/**
 * Plugins and modules behind their latest release. A breaking step behind (a major, or a minor
 * of a 0.x package) means fixes are no longer reaching the installed line.
 */
export function createOutdatedPluginCheck(service: PluginAnalysisService) {
  return createSecurityCheck({
    meta: {
      id: 'plugins/outdated-plugin',
      version: 1,
      title: 'Plugin is behind its latest release',
      category: 'plugins',
      defaultSeverity: 'low',
      description:
        "Compares each backend plugin, backend module and frontend plugin with the latest version in the npm registry (or, offline, the bundled snapshot): versions behind by major/minor/patch, the number of releases in between, and how old the installed version is. A breaking step behind (major, or minor of a 0.x package) is reported at the check's severity, a compatible one as info.",
      remediation:
        'Upgrade the plugin: `@backstage/*` plugins with the rest of the release via `backstage-cli versions:bump`, community plugins to their latest version after reading their changelog. Keep up with every Backstage release so security fixes arrive as small upgrades.',
    },
    async run(context) {
      const analysis = await service.get(context);
      const results: CheckResult[] = [];
      let upToDate = 0;
      for (const pkg of analysis.inventory.packages) {
        if (pkg.kind === 'library') continue;
        const installed = pkg.installedVersions[0];
        if (!pkg.behind || !installed) {
          if (pkg.latest) upToDate += 1;
          continue;
        }
        const age = daysSince(pkg.installedPublishedAt, analysis.now);
        const note = dataAgeNote(pkg, analysis);
        results.push({
          outcome: 'fail',
          target: { type: 'package', name: pkg.name, version: installed },
          location: pkg.name,
          title: `${pkg.name} is ${describeBehind(pkg.behind)}`,
          ...(pkg.behind.breaking ? {} : { severity: 'info' as const }),
          message: withNote(
            `${pkg.name} ${installed} (${relationOf(pkg, analysis)}) is ${describeBehind(
              pkg.behind,
            )} latest ${pkg.latest}${
              age === undefined ? '' : `; the installed version is ${age} days old`
            }`,
            note,
          ),
          evidence: {
            installedVersion: installed,
            latest: pkg.latest ?? null,
            majorsBehind: pkg.behind.major,
            minorsBehind: pkg.behind.minor,
            patchesBehind: pkg.behind.patch,
            releasesBehind: pkg.behind.releases,
            breaking: pkg.behind.breaking,
            installedPublishedAt: pkg.installedPublishedAt ?? null,
            ...dataEvidence(pkg),
          },
        });
      }
      if (!results.length) {
        results.push({
          outcome: upToDate ? 'pass' : 'notApplicable',
          target: { type: 'deployment' },
          message: upToDate
            ? `${upToDate} plugins and modules are on their latest release`
            : 'No plugin with registry data to compare against',
        });
      }
      return results;
    },
  });
}
