import { SecurityCheck } from '@security-posture/plugin-security-posture-node';

/** Plugin inventory, staleness and advisory checks (category `plugins`). */
export const pluginsChecks: SecurityCheck[] = [];
