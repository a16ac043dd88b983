import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { permissionFrameworkDisabledCheck } from './permissions/permissionFrameworkDisabled';
import { leakedSecretsCheck } from './catalog/leakedSecrets';

/** Checks that ship with the plugin. Check families add theirs here or through modules. */
export const builtInChecks: SecurityCheck[] = [
  permissionFrameworkDisabledCheck,
  leakedSecretsCheck,
];
