import { EntitySecurityCheck, SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { exposedSensitiveEntityCheck } from './exposedSensitiveEntity';
import { leakedSecretsCheck } from './leakedSecrets';
import { sensitiveReferenceCheck } from './sensitiveReference';

/**
 * Catalog entity checks: leaked secrets, sensitive references and their exposure (category `catalog`).
 * They read only the entity, config and published data, so evaluation workers load them from here.
 */
export const catalogChecks: SecurityCheck[] = [
  leakedSecretsCheck,
  sensitiveReferenceCheck,
  exposedSensitiveEntityCheck,
].map(
  (check): EntitySecurityCheck => ({
    ...check,
    workerModule: { module: '@security-posture/checks', exportName: 'catalogChecks' },
  }),
);
