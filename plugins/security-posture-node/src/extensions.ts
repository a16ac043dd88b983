import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { SecurityCheck } from './checks';

/** Lets backend modules add checks to the security-posture plugin. */
export interface SecurityPostureChecksExtensionPoint {
  addChecks(...checks: Array<SecurityCheck | SecurityCheck[]>): void;
}

export const securityPostureChecksExtensionPoint =
  createExtensionPoint<SecurityPostureChecksExtensionPoint>({
    id: 'security-posture.checks',
  });
