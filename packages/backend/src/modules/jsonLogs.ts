import { coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import { createConfigSecretEnumerator } from '@backstage/backend-defaults/rootConfig';
import { format, transports } from 'winston';

/**
 * Demo only (DEMO_JSON_LOGS=1): JSON lines with an ISO timestamp on stdout, also in development
 * (Backstage logs JSON only with NODE_ENV=production, and without a timestamp, which a log
 * shipper adds). Config secrets are redacted as by the default root logger. The detections
 * fixture of the CLI is recorded this way (docs/detections.md).
 */
export const jsonRootLoggerServiceFactory = createServiceFactory({
  service: coreServices.rootLogger,
  deps: { config: coreServices.rootConfig },
  async factory({ config }) {
    const logger = WinstonLogger.create({
      meta: { service: 'backstage' },
      level: process.env.LOG_LEVEL || config.getOptionalString('backend.logger.level') || 'info',
      format: format.combine(format.timestamp(), format.json()),
      transports: [new transports.Console()],
    });
    const secrets = await createConfigSecretEnumerator({ logger });
    logger.addRedactions(secrets(config));
    return logger;
  },
});
