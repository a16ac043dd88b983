import {
  AuthService,
  LifecycleService,
  LoggerService,
  RootConfigService,
  SchedulerService,
  DatabaseService,
} from '@backstage/backend-plugin-api';
import { readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { EventsService } from '@backstage/plugin-events-node';
import { SecurityPostureAuditEventsService } from '@security-posture/plugin-security-posture-node';
import {
  buildDetectionRules,
  DETECTIONS_CONFIG_KEY,
  DetectionEvaluator,
  readDetectionSettings,
} from '@security-posture/static-analysis';
import { DatabaseDetectionStore } from '../database/DatabaseDetectionStore';
import { DetectionEngine } from './DetectionEngine';
import { DetectionEventPublisher } from './DetectionEventPublisher';
import { CatalogMembershipSource } from './MembershipSource';

const CLEANUP_TASK_ID = 'security-posture:detections-cleanup';
const DEFAULTS = {
  flushInterval: { seconds: 2 } as HumanDuration,
  windowRetention: { days: 2 } as HumanDuration,
  findingRetention: { days: 30 } as HumanDuration,
  maxWindows: 100_000,
};

/**
 * Live detections: reads `securityPosture.detections`, subscribes the engine to the audit
 * events (which the security-posture auditor publishes), flushes it on a timer and at
 * shutdown, and cleans windows and old detection findings up once an hour.
 */
export async function createDetections(deps: {
  config: RootConfigService;
  logger: LoggerService;
  database: DatabaseService;
  scheduler: SchedulerService;
  lifecycle: LifecycleService;
  auth: AuthService;
  catalog: CatalogService;
  events: EventsService;
  auditEvents: SecurityPostureAuditEventsService;
}): Promise<{ changeKey: () => Promise<string>; engine?: DetectionEngine }> {
  const { config, logger } = deps;
  const store = await DatabaseDetectionStore.create({
    database: deps.database,
  });
  const changeKey = () => store.changeKey();
  if (config.getOptionalBoolean(`${DETECTIONS_CONFIG_KEY}.enabled`) === false) {
    return { changeKey };
  }
  const durationOr = (key: string, fallback: HumanDuration) =>
    durationToMilliseconds(
      config.has(key) ? readDurationFromConfig(config, { key }) : fallback,
    );
  const publisher = new DetectionEventPublisher({
    events: deps.events,
    logger,
  });
  const engine = new DetectionEngine({
    evaluator: new DetectionEvaluator(
      buildDetectionRules(readDetectionSettings(config)),
    ),
    store,
    memberships: new CatalogMembershipSource({
      catalog: deps.catalog,
      auth: deps.auth,
    }),
    onCreated: detections => publisher.publishCreated(detections),
    logger,
  });
  deps.auditEvents.subscribe(event => engine.accept(event));

  const flushEvery = durationOr(
    `${DETECTIONS_CONFIG_KEY}.flushInterval`,
    DEFAULTS.flushInterval,
  );
  const flush = () =>
    engine
      .flush()
      .catch(e => logger.warn(`Detections could not be evaluated: ${e}`));
  const timer = setInterval(flush, flushEvery);
  timer.unref?.();
  deps.lifecycle.addShutdownHook(async () => {
    clearInterval(timer);
    await flush();
  });

  const windowRetention = durationOr(
    `${DETECTIONS_CONFIG_KEY}.windowRetention`,
    DEFAULTS.windowRetention,
  );
  const findingRetention = durationOr(
    `${DETECTIONS_CONFIG_KEY}.findingRetention`,
    DEFAULTS.findingRetention,
  );
  const maxWindows =
    config.getOptionalNumber(`${DETECTIONS_CONFIG_KEY}.maxWindows`) ??
    DEFAULTS.maxWindows;
  await deps.scheduler.scheduleTask({
    id: CLEANUP_TASK_ID,
    frequency: { hours: 1 },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 1 },
    scope: 'global',
    fn: async () => {
      const now = Date.now();
      const done = await store.cleanup({
        windowsBefore: new Date(now - windowRetention).toISOString(),
        maxWindows,
        findingsBefore: new Date(now - findingRetention).toISOString(),
        resolvedAt: new Date(now).toISOString(),
      });
      logger.debug(
        `Detections cleanup: ${done.deletedWindows} windows deleted, ${done.resolvedFindings} findings resolved`,
      );
    },
  });
  return { changeKey, engine };
}
