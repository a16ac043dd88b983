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
