import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { createBlastRadiusCheck } from './blastRadius';
import { createCredentialInventoryCheck } from './credentialInventory';
import { createEgressCheck } from './egress';
import { kubernetesChecks } from './kubernetes';

/** What a compromised backend or a malicious plugin can reach (category `runtime`). */
export const runtimeChecks: SecurityCheck[] = [
  createCredentialInventoryCheck(),
  createBlastRadiusCheck(),
  createEgressCheck(),
  ...kubernetesChecks(),
];
