/**
 * The security-posture check contract, extension point and helpers shared by check modules.
 *
 * @packageDocumentation
 */
export * from './checks';
export * from './extensions';
export * from './redaction';
export * from './auditEvents';
