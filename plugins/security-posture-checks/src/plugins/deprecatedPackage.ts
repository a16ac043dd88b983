import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { dataAgeNote, dataEvidence, relationOf, withNote } from './describe';
import { PluginAnalysisService } from './PluginAnalysisService';

/** A deprecated package receives no more fixes: its next advisory will have no patch. */
export function createDeprecatedPackageCheck(service: PluginAnalysisService) {
  return createSecurityCheck({
    meta: {
      id: 'plugins/deprecated-package',
      version: 1,
      title: 'Deprecated package installed',
      category: 'plugins',
      defaultSeverity: 'medium',
      description:
        'Reports inventoried packages (plugins, modules, `@backstage/*` libraries and vulnerable dependencies) whose installed version, or whose latest release, the registry marks as deprecated. Transitive dependencies are reported as low.',
      remediation:
        'Follow the deprecation message: migrate to the replacement package (e.g. `@backstage/backend-common` → `@backstage/backend-defaults` and the core services of the new backend system) and remove the deprecated one from package.json.',
    },
    async run(context) {
      const analysis = await service.get(context);
      const results: CheckResult[] = [];
      for (const pkg of analysis.inventory.packages) {
        if (!pkg.deprecated) continue;
        const installed = pkg.installedVersions[0];
        const direct = pkg.loaded || analysis.direct.has(pkg.name);
        results.push({
          outcome: 'fail',
          target: { type: 'package', name: pkg.name, version: installed },
          location: pkg.name,
          title: `${pkg.name} is deprecated`,
          ...(direct ? {} : { severity: 'low' as const }),
          message: withNote(
            `${pkg.name} ${installed ?? ''} (${relationOf(pkg, analysis)}) is deprecated: ${
              pkg.deprecated
            }`,
            dataAgeNote(pkg, analysis),
          ),
          evidence: {
            installedVersions: pkg.installedVersions,
            deprecation: pkg.deprecated,
            latest: pkg.latest ?? null,
            ...dataEvidence(pkg),
          },
        });
      }
      if (!results.length) {
        const withData = analysis.inventory.packages.filter(p => p.dataSource !== 'none').length;
        results.push({
          outcome: withData ? 'pass' : 'notApplicable',
          target: { type: 'deployment' },
          message: withData
            ? `None of ${withData} packages with registry data is deprecated`
            : 'No registry data to tell deprecated packages',
        });
      }
      return results;
    },
  });
}
