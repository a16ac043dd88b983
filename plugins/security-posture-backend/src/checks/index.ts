import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { authChecks } from './auth';
import { catalogChecks } from './catalog';
import { permissionsChecks } from './permissions';
import { pluginsChecks } from './plugins';
import { templatesChecks } from './templates';

/** Checks that ship with the plugin, one list per family (each family's index.ts). */
export const builtInChecks: SecurityCheck[] = [
  ...authChecks,
  ...permissionsChecks,
  ...pluginsChecks,
  ...templatesChecks,
  ...catalogChecks,
];

// For offline tools such as the security-posture CLI (`@security-posture/cli`), which run the same
// checks over files: each family's list, the bundled advisory data, the engine's finding factory
// (the one place that masks secrets), override resolution and the CSV export's formula
// neutralisation. The pure analysis the checks are built on is `@security-posture/static-analysis`.
export { authChecks, catalogChecks, permissionsChecks, pluginsChecks, templatesChecks };
export { loadPackagedBundledData } from './plugins/PluginAnalysisService';
export { FindingFactory } from '../service/FindingFactory';
export { CheckRegistry } from '../service/CheckRegistry';
export type { ResolvedCheck } from '../service/CheckRegistry';
export { neutralizeCell } from '../service/csv';
