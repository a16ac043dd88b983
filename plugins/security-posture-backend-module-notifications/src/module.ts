import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { SECURITY_POSTURE_EVENT_TOPICS } from '@security-posture/plugin-security-posture-common';
import { readNotificationsConfig } from './config';
import { DatabaseSentNotificationStore } from './DatabaseSentNotificationStore';
import { PostureNotifier } from './PostureNotifier';

/**
 * Backstage notifications for security-posture, from the plugin's events. A module of its own
 * so the plugin runs without the notifications packages; off unless
 * `securityPosture.notifications.enabled` is true.
 */
export const securityPostureNotificationsModule = createBackendModule({
  pluginId: 'security-posture',
  moduleId: 'notifications',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        events: eventsServiceRef,
        notifications: notificationService,
      },
      async init({ config, logger, database, events, notifications }) {
        const settings = readNotificationsConfig(config);
        if (!settings.enabled) {
          logger.info('Security posture notifications are off (securityPosture.notifications.enabled)');
          return;
        }
        if (!settings.platformTeam.length) {
          logger.warn(
            'securityPosture.notifications.platformTeam is empty: grade drops and detections notify nobody',
          );
        }
        const notifier = new PostureNotifier({
          notifications,
          sent: await DatabaseSentNotificationStore.create({ database }),
          config: settings,
          logger,
        });
        await events.subscribe({
          id: 'security-posture-notifications',
          topics: [
            SECURITY_POSTURE_EVENT_TOPICS.findingCreated,
            SECURITY_POSTURE_EVENT_TOPICS.scanFinished,
          ],
          onEvent: event => notifier.handle(event),
        });
      },
    });
  },
});
