import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { createBlastRadiusCheck } from './blastRadius';
import { createCredentialInventoryCheck } from './credentialInventory';
import { createEgressCheck } from './egress';

/** What a compromised backend or a malicious plugin can reach (category `runtime`). */
export const runtimeChecks: SecurityCheck[] = [
  createCredentialInventoryCheck(),
  createBlastRadiusCheck(),
  createEgressCheck(),
];
