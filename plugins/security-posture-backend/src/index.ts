/**
 * The security-posture backend plugin.
 *
 * @packageDocumentation
 */
export { securityPosturePlugin as default } from './plugin';
export { securityPostureAuditorServiceFactory } from './auditor/securityPostureAuditorServiceFactory';
