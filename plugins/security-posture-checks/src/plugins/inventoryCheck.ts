import { JsonValue } from '@backstage/types';
import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { PluginAnalysisService } from './PluginAnalysisService';

/**
 * Builds the plugin inventory (the UI's plugin table) and publishes it under `inventory`. Its
 * options are shared by every `plugins/*` check.
 */
export function createInventoryCheck(service: PluginAnalysisService) {
  return createSecurityCheck({
    meta: {
      id: 'plugins/inventory',
      version: 1,
      title: 'Plugin inventory',
      category: 'plugins',
      defaultSeverity: 'info',
      description:
        "Lists the backend plugins and modules the running backend reports (root instance metadata) with the package versions Node resolves for them, the app's frontend plugins at their locked versions, every `@backstage/*` package in the lockfiles and the release in `backstage.json`, with registry staleness and matching advisories. Publishes it for the Security page.",
      remediation:
        "When the inventory is incomplete, point the check at the deployment's files with `securityPosture.checks.plugins.inventory.options`: `backendPackage`, `appPackage`, `backendLockfile`, `appLockfile` (paths relative to `rootDir`, default the folder with `backstage.json`).",
    },
    async run(context) {
      const analysis = await service.get(context);
      const { inventory } = analysis;
      context.publish('inventory', inventory as unknown as JsonValue);

      const count = (kind: string) =>
        inventory.packages.filter(p => p.kind === kind && (kind !== 'library' || p.core)).length;
      const loaded = inventory.packages.filter(p => p.loaded).length;
      const nothingFound = !inventory.sources.backendPackage && !inventory.sources.appPackage;
      return [
        {
          outcome: nothingFound ? 'notApplicable' : 'pass',
          target: { type: 'deployment' },
          message: nothingFound
            ? 'Neither a backend nor an app package was found; configure backendPackage/appPackage'
            : `${count('backend-plugin')} backend plugins and ${count(
                'backend-module',
              )} modules (${loaded} loaded), ${count(
                'frontend-plugin',
              )} frontend plugins and ${count('library')} @backstage libraries inventoried${
                inventory.backstageRelease ? ` (Backstage ${inventory.backstageRelease})` : ''
              }`,
          evidence: {
            backstageRelease: inventory.backstageRelease ?? null,
            packages: inventory.packages.length,
            registry: `${inventory.registry.url} (${inventory.registry.status})`,
            advisorySources: inventory.advisorySources.map(
              s => `${s.name}: ${s.status}${s.asOf ? ` (${s.asOf})` : ''}`,
            ),
            unmappedFeatures: inventory.unmappedFeatures.map(f =>
              f.moduleId ? `${f.pluginId}.${f.moduleId}` : f.pluginId,
            ),
            warnings: inventory.warnings.slice(0, 20),
          },
        },
      ];
    },
  });
}
