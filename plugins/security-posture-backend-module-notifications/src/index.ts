/**
 * Backstage notifications for the security-posture backend plugin.
 *
 * @packageDocumentation
 */
export { securityPostureNotificationsModule as default } from './module';
export { NOTIFICATION_TOPIC } from './PostureNotifier';
