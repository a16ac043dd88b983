import {
  AuditorService,
  coreServices,
  createServiceFactory,
  LoggerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { auditorServiceFactory } from '@backstage/backend-defaults/auditor';
import {
  mockServices,
  ServiceFactoryTester,
} from '@backstage/backend-test-utils';
import { NotAllowedError } from '@backstage/errors';
import {
  AuditedEvent,
  AuditEventHub,
  securityPostureAuditEventsServiceRef,
} from '@security-posture/plugin-security-posture-node';
import { securityPostureAuditorServiceFactory } from './securityPostureAuditorServiceFactory';

type LogCall = {
  fields: Record<string, unknown>;
  level: string;
  message: string;
  meta: unknown;
};

/** A logger that records every call with the fields of the child chain it was made on. */
function recordingLogger(
  calls: LogCall[],
  fields: Record<string, unknown> = {},
): LoggerService {
  const log = (level: string) => (message: string, meta?: unknown) => {
    calls.push({
      fields,
      level,
      message,
      meta:
        meta instanceof Error ? { error: meta.message, name: meta.name } : meta,
    });
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: meta => recordingLogger(calls, { ...fields, ...meta }),
  };
}

async function auditorOf(
  factory: ServiceFactory<AuditorService, 'plugin', 'singleton'>,
  config: object,
) {
  const calls: LogCall[] = [];
  const published: AuditedEvent[] = [];
  const hub = new AuditEventHub();
  hub.subscribe(e => published.push(e));
  const tester = ServiceFactoryTester.from(factory, {
    dependencies: [
      mockServices.rootConfig.factory({ data: config }),
      createServiceFactory({
        service: coreServices.logger,
        deps: { plugin: coreServices.pluginMetadata },
        factory: ({ plugin }) =>
          recordingLogger(calls, { plugin: plugin.getId() }),
      }),
      createServiceFactory({
        service: securityPostureAuditEventsServiceRef,
        deps: {},
        factory: () => hub,
      }),
    ],
  });
  return { auditor: await tester.getSubject('catalog'), calls, published };
}

async function drive(auditor: AuditorService) {
  const fetch = await auditor.createEvent({
    eventId: 'entity-fetch',
    meta: { queryType: 'by-name', entityRef: 'component:default/x' },
  });
  await fetch.success({ meta: { count: 1 } });
  const mutate = await auditor.createEvent({
    eventId: 'entity-mutate',
    severityLevel: 'medium',
    meta: { actionType: 'delete', uid: 'u1' },
  });
  await mutate.fail({ error: new NotAllowedError('denied') });
  await auditor.createEvent({
    eventId: 'location-mutate',
    severityLevel: 'critical',
    meta: { isDryRun: true },
  });
}

describe('securityPostureAuditorServiceFactory', () => {
  it.each([
    ['default severity levels', {}],
    [
      'configured severity levels',
      {
        backend: {
          auditor: {
            severityLogLevelMappings: { low: 'info', critical: 'error' },
          },
        },
      },
    ],
  ])(
    'logs every event exactly as the default auditor does (%s)',
    async (_name, config) => {
      const reference = await auditorOf(auditorServiceFactory, config);
      const wrapped = await auditorOf(
        securityPostureAuditorServiceFactory,
        config,
      );
      await drive(reference.auditor);
      await drive(wrapped.auditor);
      expect(reference.calls).toHaveLength(5);
      expect(wrapped.calls).toEqual(reference.calls);
    },
  );

  it('refuses an invalid severity mapping as the default auditor does', async () => {
    const config = {
      backend: { auditor: { severityLogLevelMappings: { high: 'loud' } } },
    };
    await expect(auditorOf(auditorServiceFactory, config)).rejects.toThrow(
      /'loud'/,
    );
    await expect(
      auditorOf(securityPostureAuditorServiceFactory, config),
    ).rejects.toThrow(/'loud'/);
  });

  it('hands each event to the detections, reduced to who, what, when and outcome', async () => {
    const before = Date.now();
    const { auditor, published } = await auditorOf(
      securityPostureAuditorServiceFactory,
      {},
    );
    await drive(auditor);
    expect(
      published.map(e => [
        e.plugin,
        e.eventId,
        e.status,
        e.errorName,
        e.actionType,
        e.dryRun,
      ]),
    ).toEqual([
      ['catalog', 'entity-fetch', 'initiated', undefined, undefined, undefined],
      ['catalog', 'entity-fetch', 'succeeded', undefined, undefined, undefined],
      ['catalog', 'entity-mutate', 'initiated', undefined, 'delete', undefined],
      [
        'catalog',
        'entity-mutate',
        'failed',
        'NotAllowedError',
        'delete',
        undefined,
      ],
      ['catalog', 'location-mutate', 'initiated', undefined, undefined, true],
    ]);
    expect(published.every(e => e.at >= before && e.at <= Date.now())).toBe(
      true,
    );
    expect(JSON.stringify(published)).not.toMatch(/component:default\/x|u1/);
  });
});
