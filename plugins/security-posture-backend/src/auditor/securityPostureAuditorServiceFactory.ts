import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  AuditorEvent,
  DefaultAuditorService,
} from '@backstage/backend-defaults/auditor';
import { securityPostureAuditEventsServiceRef } from '@security-posture/plugin-security-posture-node';
import { toAuditRecord } from '@security-posture/static-analysis';
import { createAuditLogWriter } from './auditLogWriter';

/**
 * Backstage's auditor with detections: every event is logged exactly where the default auditor
 * logs it, then handed (reduced to who, what, when and outcome) to the security-posture
 * detection engine through the audit events service. Install it instead of the default:
 *
 * ```ts
 * backend.add(securityPostureAuditorServiceFactory);
 * ```
 */
export const securityPostureAuditorServiceFactory = createServiceFactory({
  service: coreServices.auditor,
  deps: {
    config: coreServices.rootConfig,
    logger: coreServices.logger,
    auth: coreServices.auth,
    httpAuth: coreServices.httpAuth,
    plugin: coreServices.pluginMetadata,
    auditEvents: securityPostureAuditEventsServiceRef,
  },
  factory({ config, logger, auth, httpAuth, plugin, auditEvents }) {
    const writeLog = createAuditLogWriter(config, logger);
    return DefaultAuditorService.create(
      (event: AuditorEvent) => {
        writeLog(event);
        const record = toAuditRecord(event, Date.now());
        if (record) auditEvents.publish(record);
      },
      { auth, httpAuth, plugin },
    );
  },
});
