import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { createCommunityPrivilegedIntegrationCheck } from './communityPrivilegedIntegration';
import { createDeprecatedPackageCheck } from './deprecatedPackage';
import { createDuplicateCoreVersionsCheck } from './duplicateCoreVersions';
import { createInventoryCheck } from './inventoryCheck';
import { createKnownVulnerabilityCheck } from './knownVulnerability';
import { createLiveDataUnavailableCheck } from './liveDataUnavailable';
import { createOutdatedPluginCheck } from './outdatedPlugin';
import { PluginAnalysisService, PluginAnalysisServiceOptions } from './PluginAnalysisService';
import { createUnmaintainedCommunityPluginCheck } from './unmaintainedCommunityPlugin';

/** The plugins checks, sharing one analysis (and registry cache) per set. */
export function createPluginsChecks(options?: PluginAnalysisServiceOptions): SecurityCheck[] {
  const service = new PluginAnalysisService(options);
  return [
    createInventoryCheck(service),
    createLiveDataUnavailableCheck(service),
    createKnownVulnerabilityCheck(service),
    createOutdatedPluginCheck(service),
    createDeprecatedPackageCheck(service),
    createUnmaintainedCommunityPluginCheck(service),
    createCommunityPrivilegedIntegrationCheck(service),
    createDuplicateCoreVersionsCheck(service),
  ];
}

/** Plugin inventory, staleness and advisory checks (category `plugins`). */
export const pluginsChecks: SecurityCheck[] = createPluginsChecks();
