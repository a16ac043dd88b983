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
import { PermissionPolicy } from '@backstage/plugin-permission-node';
import { randomBytes } from 'node:crypto';
import { readDurationFromConfig } from '@backstage/config';
import { securityPosturePermissions } from '@security-posture/plugin-security-posture-common';
import {
  SecurityCheck,
  securityPostureChecksExtensionPoint,
} from '@security-posture/plugin-security-posture-node';
import { DatabasePostureStore } from './database/DatabasePostureStore';
import { builtInChecks, CheckRegistry } from '@security-posture/checks';
import { CatalogEntitySource } from './service/CatalogEntitySource';
import { CheckRunner } from './service/CheckRunner';
import { ReportService } from './service/ReportService';
import { DefaultScanService } from './service/ScanService';
import { createRouter } from './router';

export const SCAN_TASK_ID = 'security-posture:scan';

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { hours: 6 },
  timeout: { minutes: 30 },
  initialDelay: { seconds: 15 },
};
const DEFAULT_RETENTION: HumanDuration = { days: 90 };
const DEFAULT_SCAN_COOLDOWN: HumanDuration = { seconds: 60 };

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
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        instanceMetadata: coreServices.rootInstanceMetadata,
        discovery: coreServices.discovery,
        catalog: catalogServiceRef,
      },
      async init(deps) {
        const { config, logger, scheduler } = deps;
        deps.permissionsRegistry.addPermissions(securityPosturePermissions);

        const registry = new CheckRegistry(config);
        registry.add(...builtInChecks, ...extraChecks);

        const store = await DatabasePostureStore.create({ database: deps.database });
        const catalog = new CatalogEntitySource(deps.catalog, deps.auth);
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
        });

        const scheduleConfig = config.getOptionalConfig('securityPosture.schedule');
        const schedule = scheduleConfig
          ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig)
          : DEFAULT_SCHEDULE;
        const retention = config.has('securityPosture.retention')
          ? readDurationFromConfig(config, { key: 'securityPosture.retention' })
          : DEFAULT_RETENTION;

        const scanCooldown = config.has('securityPosture.scans.cooldown')
          ? readDurationFromConfig(config, { key: 'securityPosture.scans.cooldown' })
          : DEFAULT_SCAN_COOLDOWN;

        const scans = new DefaultScanService({
          store,
          runner,
          registry,
          logger,
          trigger: () => scheduler.triggerTask(SCAN_TASK_ID),
          staleAfterMs: toMilliseconds(schedule.timeout),
          retentionMs: durationToMilliseconds(retention),
          manualCooldownMs: durationToMilliseconds(scanCooldown),
          fingerprintKey: async () =>
            config.getOptionalString('securityPosture.fingerprintKey') ??
            store.getOrCreateSetting('fingerprint-key', () => randomBytes(32).toString('base64')),
        });

        await scheduler.scheduleTask({
          id: SCAN_TASK_ID,
          ...schedule,
          // One scan at a time across replicas.
          scope: 'global',
          fn: signal => scans.runScheduled(signal),
        });

        const report = new ReportService({
          store,
          registry,
          permissions: deps.permissions,
          catalog: deps.catalog,
          auth: deps.auth,
        });

        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
            logger,
            report,
            scans,
            store,
            registry,
          }),
        );
      },
    });
  },
});
