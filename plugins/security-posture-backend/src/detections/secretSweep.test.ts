import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  ServiceFactoryTester,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
import {
  AuditEventHub,
  securityPostureAuditEventsServiceRef,
} from '@security-posture/plugin-security-posture-node';
import {
  buildDetectionRules,
  DetectionEvaluator,
} from '@security-posture/static-analysis';
import { securityPostureAuditorServiceFactory } from '../auditor/securityPostureAuditorServiceFactory';
import { DatabaseDetectionStore } from '../database/DatabaseDetectionStore';
import { DetectionEngine } from './DetectionEngine';
import { DetectionEventPublisher } from './DetectionEventPublisher';

const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});
// A fake credential, planted in what plugins put into audit events (queries, parameters, errors).
const SECRET = 'ghp_Zq8XvT3kLm9PwR2sYb7NcD4fHj6GtK1aEo5U';

describe('detections never keep or send what events carry beyond who, what and when', () => {
  it('stores and publishes no meta, query or error text of the events', async () => {
    const knex = await databases.init('SQLITE_3');
    const database = mockServices.database({
      knex,
      migrations: { skip: false },
    });
    const store = await DatabaseDetectionStore.create({ database });
    const published: EventParams[] = [];
    const events = {
      publish: async (e: EventParams) => void published.push(e),
    } as unknown as EventsService;
    const engine = new DetectionEngine({
      evaluator: new DetectionEvaluator(buildDetectionRules()),
      store,
      memberships: { groupsOf: async refs => new Map(refs.map(r => [r, []])) },
      onCreated: d =>
        new DetectionEventPublisher({
          events,
          logger: mockServices.logger.mock(),
        }).publishCreated(d),
      logger: mockServices.logger.mock(),
    });
    const hub = new AuditEventHub();
    hub.subscribe(e => engine.accept(e));
    const auditor = await ServiceFactoryTester.from(
      securityPostureAuditorServiceFactory,
      {
        dependencies: [
          createServiceFactory({
            service: securityPostureAuditEventsServiceRef,
            deps: {},
            factory: () => hub,
          }),
          createServiceFactory({
            service: coreServices.logger,
            deps: {},
            factory: () => mockServices.logger.mock(),
          }),
          // the requests below are Dana's (a user: backend plugins' own reads are not counted)
          mockServices.httpAuth.factory({
            defaultCredentials: mockCredentials.user('user:default/dana'),
          }),
        ],
      },
    ).getSubject('catalog');

    const request = {
      headers: {},
      ip: '10.0.0.9',
      hostname: 'backstage.example.com',
      originalUrl: `/api/catalog/entities/by-name/component/default/x?token=${SECRET}`,
      method: 'GET',
      get: () => undefined,
    } as any;
    for (let i = 0; i < 51; i++) {
      const read = await auditor.createEvent({
        eventId: 'entity-fetch',
        request,
        meta: {
          queryType: 'by-name',
          query: { filter: `metadata.annotations.token=${SECRET}` },
        },
      });
      await read.success({ meta: { token: SECRET } });
    }
    for (let i = 0; i < 11; i++) {
      const change = await auditor.createEvent({
        eventId: 'entity-mutate',
        meta: { actionType: 'delete', uid: SECRET },
      });
      await change.fail({
        error: new NotAllowedError(`refused for ${SECRET}`),
      });
    }
    await engine.flush();

    const findings = await knex('security_posture_findings').select();
    expect(findings.map(f => f.check_id).sort()).toEqual([
      'detections/auth-failures-above-baseline',
      'detections/catalog-read-reconnaissance',
    ]);
    const windows = await knex('security_posture_detection_windows').select();
    expect(windows.length).toBeGreaterThan(0);
    expect(published).toHaveLength(2);
    for (const output of [findings, windows, published]) {
      expect(JSON.stringify(output)).not.toContain(SECRET);
      expect(JSON.stringify(output)).not.toContain(SECRET.slice(4, 20));
    }
  });
});
