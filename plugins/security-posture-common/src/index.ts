/**
 * Shared types, permissions and severity ordering of the security-posture plugins.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './severity';
export * from './permissions';
export * from './data';
export * from './csvCell';
export * from './scanChanges';
export * from './scorecards';
export * from './remediation';
export * from './events';
