import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { leakedSecretsCheck } from './leakedSecrets';

/** Catalog entity checks: leaked secrets and sensitive references (category `catalog`). */
export const catalogChecks: SecurityCheck[] = [leakedSecretsCheck];
