import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { templateRiskCheck } from './templateRisk';

/** Scaffolder template checks (category `templates`). */
export const templatesChecks: SecurityCheck[] = [templateRiskCheck];
