import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { exposedSensitiveEntityCheck } from './exposedSensitiveEntity';
import { leakedSecretsCheck } from './leakedSecrets';
import { sensitiveReferenceCheck } from './sensitiveReference';

/** Catalog entity checks: leaked secrets, sensitive references and their exposure (category `catalog`). */
export const catalogChecks: SecurityCheck[] = [
  leakedSecretsCheck,
  sensitiveReferenceCheck,
  exposedSensitiveEntityCheck,
];
