import { SecurityCheck } from '@security-posture/plugin-security-posture-node';

/** Authentication checks (category `auth`). */
export const authChecks: SecurityCheck[] = [];
