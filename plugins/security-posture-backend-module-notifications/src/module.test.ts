import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import { SECURITY_POSTURE_EVENT_TOPICS } from '@security-posture/plugin-security-posture-common';
import securityPostureNotificationsModule from './index';

/** Stands in for the security-posture plugin: publishes a new critical finding once started. */
const publishingPlugin = createBackendPlugin({
  pluginId: 'security-posture',
  register(env) {
    env.registerInit({
      deps: { events: eventsServiceRef, lifecycle: coreServices.lifecycle },
      async init({ events, lifecycle }) {
        lifecycle.addStartupHook(() =>
          events.publish({
            topic: SECURITY_POSTURE_EVENT_TOPICS.findingCreated,
            eventPayload: {
              findingId: 'fp',
              fingerprint: 'fp',
              checkId: 'catalog/leaked-secrets',
              category: 'catalog',
              severity: 'critical',
              title: 'Secret in an annotation',
              entityRef: 'component:default/payments-api',
              owners: ['user:default/sam'],
              source: 'scan',
              createdAt: '2026-12-06T06:00:00.000Z',
            },
          }),
        );
      },
    });
  },
});

async function start(notifications?: object) {
  const sent: NotificationSendOptions[] = [];
  const backend = await startTestBackend({
    features: [
      publishingPlugin,
      securityPostureNotificationsModule,
      mockServices.rootConfig.factory({
        data: notifications ? { securityPosture: { notifications } } : {},
      }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (options: NotificationSendOptions) => {
            sent.push(options);
          },
        }),
      }),
    ],
  });
  return { backend, sent };
}

describe('securityPostureNotificationsModule', () => {
  it('subscribes to the plugin events and notifies when enabled', async () => {
    const { backend, sent } = await start({ enabled: true });
    expect(sent.map(s => [s.recipients, s.payload.severity])).toEqual([
      [{ type: 'entity', entityRef: ['user:default/sam'] }, 'critical'],
    ]);
    await backend.stop();
  });

  it('sends nothing unless securityPosture.notifications.enabled is true', async () => {
    const { backend, sent } = await start();
    expect(sent).toEqual([]);
    await backend.stop();
  });
});
