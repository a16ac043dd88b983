import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { NotificationSendOptions, NotificationService } from '@backstage/plugin-notifications-node';
import {
  FindingCreatedEventPayload,
  ScanFinishedEventPayload,
  SECURITY_POSTURE_EVENT_TOPICS,
} from '@security-posture/plugin-security-posture-common';
import { readNotificationsConfig } from './config';
import { DatabaseSentNotificationStore } from './DatabaseSentNotificationStore';
import { NOTIFICATION_TOPIC, PostureNotifier } from './PostureNotifier';

const databases = TestDatabases.create({ ids: ['SQLITE_3'], disableDocker: true });

// Planted where a careless subscriber would pick it up: evidence and message fields that the
// event contract does not have, sent by a misbehaving publisher.
const PLANTED = 'AKIAPLANTEDNOTIFY7777';

class RecordingNotifications implements NotificationService {
  sent: NotificationSendOptions[] = [];
  failures = 0;

  async send(options: NotificationSendOptions) {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('Request failed with status 404');
    }
    this.sent.push(options);
  }
}

function created(overrides: Partial<FindingCreatedEventPayload> = {}): FindingCreatedEventPayload {
  return {
    findingId: 'fp-leak',
    fingerprint: 'fp-leak',
    checkId: 'catalog/leaked-secrets',
    category: 'catalog',
    severity: 'critical',
    title: 'Secret in an annotation',
    entityRef: 'component:default/payments-api',
    owners: ['group:default/payments-checkout', 'user:default/sam'],
    source: 'scan',
    scanId: 'scan-2',
    createdAt: '2026-12-06T06:00:00.000Z',
    ...overrides,
  };
}

function finished(overrides: Partial<ScanFinishedEventPayload> = {}): ScanFinishedEventPayload {
  return {
    scanId: 'scan-2',
    status: 'succeeded',
    grade: 'D',
    previousGrade: 'B',
    score: 58,
    previousScore: 81,
    newFindings: 3,
    resolvedFindings: 1,
    finishedAt: '2026-12-06T06:00:00.000Z',
    ...overrides,
  };
}

const findingEvent = (payload: object) => ({
  topic: SECURITY_POSTURE_EVENT_TOPICS.findingCreated,
  eventPayload: payload,
});
const scanEvent = (payload: object) => ({
  topic: SECURITY_POSTURE_EVENT_TOPICS.scanFinished,
  eventPayload: payload,
});

async function setup(notifications: object = {}) {
  const knex = await databases.init('SQLITE_3');
  const sent = await DatabaseSentNotificationStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  const service = new RecordingNotifications();
  const logger = mockServices.logger.mock();
  const config = readNotificationsConfig(
    mockServices.rootConfig({
      data: {
        securityPosture: {
          notifications: { enabled: true, platformTeam: ['group:default/platform-team'], ...notifications },
        },
      },
    }),
  );
  const notifier = new PostureNotifier({
    notifications: service,
    sent,
    config,
    logger,
    now: () => new Date('2026-12-06T06:00:01.000Z'),
  });
  return { notifier, service, sent, logger };
}

describe('PostureNotifier', () => {
  it('sends a new critical finding to the owners of its entity, with a link to its Security tab', async () => {
    const { notifier, service, sent } = await setup();
    await notifier.handle(findingEvent(created()));
    expect(service.sent).toEqual([
      {
        recipients: {
          type: 'entity',
          entityRef: ['group:default/payments-checkout', 'user:default/sam'],
        },
        payload: {
          title: 'New critical security finding on payments-api: Secret in an annotation',
          description: expect.stringContaining('component:default/payments-api'),
          link: '/catalog/default/component/payments-api/security',
          severity: 'critical',
          topic: NOTIFICATION_TOPIC,
          scope: 'security-posture:owners:fp-leak',
        },
      },
    ]);
    expect(await sent.get('owners:fp-leak')).toEqual({
      alertKey: 'owners:fp-leak',
      kind: 'owners',
      recipients: ['group:default/payments-checkout', 'user:default/sam'],
      sentAt: '2026-12-06T06:00:01.000Z',
    });
  });

  it('maps severities and leaves out findings below the owner threshold or without an entity', async () => {
    const { notifier, service } = await setup();
    await notifier.handle(findingEvent(created({ fingerprint: 'h', severity: 'high' })));
    await notifier.handle(findingEvent(created({ fingerprint: 'm', severity: 'medium' })));
    await notifier.handle(findingEvent(created({ fingerprint: 'd', entityRef: undefined, owners: [] })));
    expect(service.sent.map(s => [s.payload.scope, s.payload.severity])).toEqual([
      ['security-posture:owners:h', 'high'],
    ]);

    // A configured threshold takes medium findings too (mapped to normal).
    const lower = await setup({ ownerSeverities: ['critical', 'high', 'medium'] });
    await lower.notifier.handle(findingEvent(created({ fingerprint: 'm', severity: 'medium' })));
    expect(lower.service.sent.map(s => s.payload.severity)).toEqual(['normal']);
  });

  it('notifies only group and user owners, and nobody when an entity has none', async () => {
    const { notifier, service } = await setup();
    await notifier.handle(
      findingEvent(created({ owners: ['component:default/other', 'group:default/payments', 'not a ref!'] })),
    );
    await notifier.handle(findingEvent(created({ fingerprint: 'orphan', owners: [] })));
    expect(service.sent.map(s => s.recipients)).toEqual([
      { type: 'entity', entityRef: ['group:default/payments'] },
    ]);
  });

  it('sends a grade drop to the platform team, not a steady or better grade', async () => {
    const { notifier, service } = await setup();
    await notifier.handle(scanEvent(finished({ scanId: 'same', grade: 'B', previousGrade: 'B' })));
    await notifier.handle(scanEvent(finished({ scanId: 'better', grade: 'A', previousGrade: 'B' })));
    await notifier.handle(scanEvent(finished({ scanId: 'first', previousGrade: undefined })));
    await notifier.handle(scanEvent(finished({ scanId: 'failed', status: 'failed', grade: undefined })));
    await notifier.handle(scanEvent(finished()));
    expect(service.sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: ['group:default/platform-team'] },
        payload: {
          title: 'Security posture grade dropped from B to D',
          description: expect.stringContaining('score 81 → 58'),
          link: '/security/scans?scan=scan-2',
          severity: 'high',
          topic: NOTIFICATION_TOPIC,
          scope: 'security-posture:grade:scan-2',
        },
      },
    ]);
    await notifier.handle(scanEvent(finished({ scanId: 'to-f', grade: 'F', previousGrade: 'D' })));
    expect(service.sent[1].payload.severity).toBe('critical');
  });

  it('sends every detection to the platform team, linked to the finding on the Security page', async () => {
    const { notifier, service } = await setup({ securityPagePath: '/posture/' });
    await notifier.handle(
      findingEvent(
        created({
          fingerprint: 'det-1',
          source: 'detection',
          checkId: 'detections/reconnaissance',
          category: 'detections',
          severity: 'high',
          title: 'More than 50 catalog entity reads in one session by user:default/dana',
          entityRef: undefined,
          owners: [],
        }),
      ),
    );
    expect(service.sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: ['group:default/platform-team'] },
        payload: expect.objectContaining({
          title: 'Security detection: More than 50 catalog entity reads in one session by user:default/dana',
          link: '/posture/findings?finding=det-1',
          severity: 'high',
          scope: 'security-posture:detection:det-1',
        }),
      },
    ]);
  });

  it('sends nothing for grade drops and detections without a platform team', async () => {
    const { notifier, service } = await setup({ platformTeam: [] });
    await notifier.handle(scanEvent(finished()));
    await notifier.handle(findingEvent(created({ source: 'detection' })));
    expect(service.sent).toEqual([]);
  });

  it('sends each alert once per fingerprint, across notifier instances on the same database', async () => {
    const { notifier, service, sent, logger } = await setup();
    await notifier.handle(findingEvent(created()));
    await notifier.handle(findingEvent(created({ scanId: 'scan-3' })));
    await notifier.handle(scanEvent(finished()));
    await notifier.handle(scanEvent(finished()));
    // A second replica, same store: nothing again.
    const replica = new PostureNotifier({
      notifications: service,
      sent,
      config: readNotificationsConfig(
        mockServices.rootConfig({
          data: { securityPosture: { notifications: { platformTeam: ['group:default/platform-team'] } } },
        }),
      ),
      logger,
    });
    await replica.handle(findingEvent(created()));
    expect(service.sent.map(s => s.payload.scope)).toEqual([
      'security-posture:owners:fp-leak',
      'security-posture:grade:scan-2',
    ]);
    // The same fingerprint as a detection is another alert (other recipients).
    await notifier.handle(findingEvent(created({ source: 'detection' })));
    expect(service.sent).toHaveLength(3);
  });

  it('releases an alert it could not send (no notifications backend), so a later event sends it', async () => {
    const { notifier, service, sent, logger } = await setup();
    service.failures = 1;
    await notifier.handle(findingEvent(created()));
    expect(service.sent).toEqual([]);
    expect(await sent.get('owners:fp-leak')).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('status 404'));
    await notifier.handle(findingEvent(created()));
    expect(service.sent).toHaveLength(1);
  });

  it('never passes on fields outside the contract: a planted secret stays out of every notification', async () => {
    const { notifier, service } = await setup();
    const leaky = {
      ...created({ severity: 'critical' }),
      message: `value ${PLANTED}`,
      evidence: { value: PLANTED },
      location: `metadata.annotations.key=${PLANTED}`,
    };
    await notifier.handle(findingEvent(leaky));
    await notifier.handle(findingEvent({ ...leaky, fingerprint: 'det', source: 'detection' }));
    await notifier.handle(scanEvent({ ...finished(), message: PLANTED, evidence: [PLANTED] }));
    expect(service.sent).toHaveLength(3);
    expect(JSON.stringify(service.sent)).not.toContain(PLANTED);
  });

  it('ignores malformed events and other topics', async () => {
    const { notifier, service } = await setup();
    await notifier.handle(findingEvent({ fingerprint: 'x' }));
    await notifier.handle(findingEvent({ ...created(), source: 'elsewhere' }));
    await notifier.handle(findingEvent({ ...created(), entityRef: 'not a ref!' }));
    await notifier.handle(scanEvent({ grade: 'F' }));
    await notifier.handle({ topic: 'catalog.entity.updated', eventPayload: created() });
    expect(service.sent).toEqual([]);
  });
});

describe('readNotificationsConfig', () => {
  const read = (notifications?: object) =>
    readNotificationsConfig(
      mockServices.rootConfig({ data: notifications ? { securityPosture: { notifications } } : {} }),
    );

  it('is off by default, with critical and high for owners and the /security page', () => {
    expect(read()).toEqual({
      enabled: false,
      platformTeam: [],
      ownerSeverities: ['critical', 'high'],
      securityPagePath: '/security',
    });
  });

  it('normalises the platform team to group and user refs and refuses anything else', () => {
    expect(read({ platformTeam: ['platform-team', 'user:alice'] }).platformTeam).toEqual([
      'group:default/platform-team',
      'user:default/alice',
    ]);
    expect(() => read({ platformTeam: ['component:default/x'] })).toThrow(/not a group or user/);
    expect(() => read({ ownerSeverities: ['urgent'] })).toThrow(/unknown severity/);
    expect(() => read({ securityPagePath: 'security' })).toThrow(/must start with/);
  });
});
