import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { PermissionPolicy } from '@backstage/plugin-permission-node';
import { SecurityCheck } from './checks';

/** Lets backend modules add checks to the security-posture plugin. */
export interface SecurityPostureChecksExtensionPoint {
  addChecks(...checks: Array<SecurityCheck | SecurityCheck[]>): void;
  /**
   * Opt-in: hands the deployment's permission policy instance to security-posture so the
   * permission checks can evaluate it for synthetic principals (the policy is only called, never
   * re-implemented). Register the same instance you give the permission backend.
   */
  addPolicyForEvaluation(policy: PermissionPolicy): void;
}

export const securityPostureChecksExtensionPoint =
  createExtensionPoint<SecurityPostureChecksExtensionPoint>({
    id: 'security-posture.checks',
  });
