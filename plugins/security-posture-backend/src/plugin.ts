import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { durationToMilliseconds, HumanDuration } from '@backstage/types';
import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { PermissionPolicy } from '@backstage/plugin-permission-node';
import { randomBytes } from 'node:crypto';
import { readDurationFromConfig } from '@backstage/config';
import { securityPosturePermissions } from '@security-posture/plugin-security-posture-common';
import {
  SecurityCheck,
  securityPostureAuditEventsServiceRef,
  securityPostureChecksExtensionPoint,
} from '@security-posture/plugin-security-posture-node';
import { DatabasePostureStore } from './database/DatabasePostureStore';
import { DatabaseExemptionStore } from './database/DatabaseExemptionStore';
import {
  builtInChecks,
  CheckRegistry,
  defaultEvaluationWorkers,
  EntityEvaluationPool,
} from '@security-posture/checks';
import { CatalogEntitySource } from './service/CatalogEntitySource';
import { uncompressedCatalog } from './service/uncompressedCatalog';
import { CheckRunner } from './service/CheckRunner';
import { ReportService } from './service/ReportService';
import { DefaultScanService } from './service/ScanService';
import { ScanEventPublisher } from './service/ScanEventPublisher';
import {
  DEFAULT_EXEMPTION_MAX_DURATION_MS,
  ExemptionService,
} from './service/ExemptionService';
import { TeamScorecardService } from './service/teamScorecards';
import { createRouter } from './router';
import { createDetections } from './detections/createDetections';

export const SCAN_TASK_ID = 'security-posture:scan';
const SCAN_WORKER_TASK_ID = 'security-posture:scan-worker';

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { hours: 6 },
  timeout: { minutes: 30 },
  initialDelay: { seconds: 15 },
};
const DEFAULT_RETENTION: HumanDuration = { days: 90 };
const DEFAULT_SCAN_COOLDOWN: HumanDuration = { seconds: 60 };
const DEFAULT_HEARTBEAT: HumanDuration = { seconds: 10 };
const DEFAULT_STALE_AFTER: HumanDuration = { minutes: 1 };
// Parts of the catalog the catalog pass reads side by side (of 1-3, 3 was fastest at 110k).
const DEFAULT_CONCURRENT_CATALOG_READS = 3;

function toMilliseconds(duration: SchedulerServiceTaskScheduleDefinition['timeout']) {
  // luxon Durations and HumanDurations are both accepted by the scheduler
  const maybeLuxon = duration as { toMillis?: () => number };
  return typeof maybeLuxon.toMillis === 'function'
    ? maybeLuxon.toMillis()
    : durationToMilliseconds(duration as HumanDuration);
}

/** The security-posture backend plugin: wiring only; logic lives in ./service. */
export const securityPosturePlugin = createBackendPlugin({
  pluginId: 'security-posture',
  register(env) {
    const extraChecks: SecurityCheck[] = [];
    let policyForEvaluation: PermissionPolicy | undefined;
    env.registerExtensionPoint(securityPostureChecksExtensionPoint, {
      addChecks(...checks) {
        extraChecks.push(...checks.flat());
      },
      addPolicyForEvaluation(policy) {
        if (policyForEvaluation) {
          throw new Error('A permission policy was already registered for evaluation');
        }
        policyForEvaluation = policy;
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        instanceMetadata: coreServices.rootInstanceMetadata,
        discovery: coreServices.discovery,
        catalog: catalogServiceRef,
        userInfo: coreServices.userInfo,
        events: eventsServiceRef,
        auditEvents: securityPostureAuditEventsServiceRef,
      },
      async init(deps) {
        const { config, logger, scheduler, lifecycle } = deps;
        deps.permissionsRegistry.addPermissions(securityPosturePermissions);

        const registry = new CheckRegistry(config);
        registry.add(...builtInChecks, ...extraChecks);

        const store = await DatabasePostureStore.create({ database: deps.database });
        const catalog = new CatalogEntitySource(
          config.getOptionalBoolean('securityPosture.scans.compressCatalogReads')
            ? deps.catalog
            : uncompressedCatalog({
                discovery: deps.discovery,
                auth: deps.auth,
                pageRequests:
                  config.getOptionalBoolean('securityPosture.scans.workersReadCatalog') ??
                  true,
              }),
          deps.auth,
          config.getOptionalNumber('securityPosture.scans.concurrentCatalogReads') ??
            DEFAULT_CONCURRENT_CATALOG_READS,
        );
        // Entity checks evaluated in worker threads while the event loop streams and writes.
        const evaluationPool = new EntityEvaluationPool({
          size:
            config.getOptionalNumber('securityPosture.scans.evaluationWorkers') ??
            defaultEvaluationWorkers(),
          niceness: config.getOptionalNumber('securityPosture.scans.evaluationWorkerNiceness'),
          logger,
        });
        lifecycle.addShutdownHook(() => evaluationPool.close());
        const runner = new CheckRunner({
          registry,
          catalog,
          instanceMetadata: deps.instanceMetadata,
          config,
          logger,
          services: {
            auth: deps.auth,
            discovery: deps.discovery,
            fetch: globalThis.fetch,
            permissionPolicy: policyForEvaluation,
          },
          getPublished: async (checkId, key) => (await store.getPublished(checkId, key))?.data,
          evaluationPool,
        });

        const scheduleConfig = config.getOptionalConfig('securityPosture.schedule');
        const schedule = scheduleConfig
          ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig)
          : DEFAULT_SCHEDULE;
        const retention = config.has('securityPosture.retention')
          ? readDurationFromConfig(config, { key: 'securityPosture.retention' })
          : DEFAULT_RETENTION;

        const durationOr = (key: string, fallback: HumanDuration) =>
          durationToMilliseconds(
            config.has(key) ? readDurationFromConfig(config, { key }) : fallback,
          );
        const heartbeatMs = durationOr('securityPosture.scans.heartbeat', DEFAULT_HEARTBEAT);
        const staleAfterMs = durationOr('securityPosture.scans.staleAfter', DEFAULT_STALE_AFTER);
        if (staleAfterMs < 3 * heartbeatMs) {
          // Otherwise a scan that is merely slow to renew its lease is closed as abandoned.
          throw new Error(
            'securityPosture.scans.staleAfter must be at least three times securityPosture.scans.heartbeat',
          );
        }

        const scanEvents = new ScanEventPublisher({ store, events: deps.events, logger });
        const scans = new DefaultScanService({
          store,
          runner,
          registry,
          logger,
          timeoutMs: toMilliseconds(schedule.timeout),
          heartbeatMs,
          staleAfterMs,
          retentionMs: durationToMilliseconds(retention),
          manualCooldownMs: durationOr('securityPosture.scans.cooldown', DEFAULT_SCAN_COOLDOWN),
          // Incremental rescans; a full catalog pass at least this often (0: every scan).
          fullPassEveryMs: durationOr('securityPosture.scans.fullPassEvery', { days: 1 }),
          fingerprintKey: async () =>
            config.getOptionalString('securityPosture.fingerprintKey') ??
            store.getOrCreateSetting('fingerprint-key', () => randomBytes(32).toString('base64')),
          onScanFinished: scan => scanEvents.publishScanFinished(scan),
        });

        // The schedule: one replica per period queues a scan (global scope).
        await scheduler.scheduleTask({
          id: SCAN_TASK_ID,
          ...schedule,
          scope: 'global',
          fn: () => scans.runScheduled(),
        });
        // Every replica looks for queued and abandoned scans as often as running scans renew
        // their lease: a scan queued on a replica that died is run by another, and a scan whose
        // replica died is closed. The scans lock keeps it to one running scan across replicas.
        // Not delayed like the schedule: only scans someone asked for are waiting.
        await scheduler.scheduleTask({
          id: SCAN_WORKER_TASK_ID,
          frequency: { milliseconds: heartbeatMs },
          timeout: schedule.timeout,
          initialDelay: { milliseconds: heartbeatMs },
          scope: 'local',
          fn: () => scans.processQueue(),
        });
        lifecycle.addShutdownHook(() => scans.stop());

        // Live detections over the audit events the security-posture auditor hands on.
        const detections = await createDetections({
          config,
          logger,
          database: deps.database,
          scheduler,
          lifecycle,
          auth: deps.auth,
          catalog: deps.catalog,
          events: deps.events,
          auditEvents: deps.auditEvents,
        });

        const report = new ReportService({
          store,
          registry,
          permissions: deps.permissions,
          catalog: deps.catalog,
          auth: deps.auth,
          detectionsKey: detections.changeKey,
        });

        const exemptionsMaxKey = 'securityPosture.exemptions.maxDuration';
        const exemptions = new ExemptionService({
          exemptions: await DatabaseExemptionStore.create({ database: deps.database }),
          report,
          permissions: deps.permissions,
          registry,
          maxDurationMs: config.has(exemptionsMaxKey)
            ? durationToMilliseconds(readDurationFromConfig(config, { key: exemptionsMaxKey }))
            : DEFAULT_EXEMPTION_MAX_DURATION_MS,
        });

        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            logger,
            report,
            scans,
            scorecards: new TeamScorecardService({ store, report, userInfo: deps.userInfo }),
            exemptions,
            store,
            registry,
          }),
        );
      },
    });
  },
});
