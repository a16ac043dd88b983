import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { allowAllPolicyCheck } from './allowAllPolicy';
import { permissionFrameworkDisabledCheck } from './permissionFrameworkDisabled';
import { policyCoverageCheck } from './policyCoverage';

/** Permission framework and policy coverage checks (category `permissions`). */
export const permissionsChecks: SecurityCheck[] = [
  permissionFrameworkDisabledCheck,
  policyCoverageCheck,
  allowAllPolicyCheck,
];
