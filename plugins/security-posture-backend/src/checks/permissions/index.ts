import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { permissionFrameworkDisabledCheck } from './permissionFrameworkDisabled';

/** Permission framework and policy coverage checks (category `permissions`). */
export const permissionsChecks: SecurityCheck[] = [permissionFrameworkDisabledCheck];
