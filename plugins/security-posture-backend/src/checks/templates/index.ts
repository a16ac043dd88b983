import { SecurityCheck } from '@security-posture/plugin-security-posture-node';

/** Scaffolder template checks (category `templates`). */
export const templatesChecks: SecurityCheck[] = [];
