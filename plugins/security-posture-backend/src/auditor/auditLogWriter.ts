import {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { AuditorEvent } from '@backstage/backend-defaults/auditor';

type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];
const KEY = 'backend.auditor.severityLogLevelMappings';

/** Backstage's documented defaults for `backend.auditor.severityLogLevelMappings`. */
const DEFAULT_LEVELS: Record<AuditorEvent['severityLevel'], LogLevel> = {
  low: 'debug',
  medium: 'info',
  high: 'info',
  critical: 'info',
};

function readLevels(
  config: RootConfigService,
): Record<AuditorEvent['severityLevel'], LogLevel> {
  const levels = { ...DEFAULT_LEVELS };
  for (const severity of Object.keys(levels) as Array<
    AuditorEvent['severityLevel']
  >) {
    const value = config.getOptionalString(`${KEY}.${severity}`);
    if (value === undefined) continue;
    if (!LEVELS.includes(value as LogLevel)) {
      throw new InputError(
        `The configuration value for '${KEY}.${severity}' was given an invalid value: '${value}'. Expected one of the following valid values: '${LEVELS.join(
          ', ',
        )}'.`,
      );
    }
    levels[severity] = value as LogLevel;
  }
  return levels;
}

/**
 * Where Backstage's default auditor (`auditorServiceFactory` of @backstage/backend-defaults)
 * sends an event: the plugin logger marked `isAuditEvent`, at the level configured for the
 * event's severity, message `<plugin>.<eventId>`, an error as the log's error. A test holds it
 * to the default factory's output.
 */
export function createAuditLogWriter(
  config: RootConfigService,
  logger: LoggerService,
) {
  const auditLogger = logger.child({ isAuditEvent: true });
  const levels = readLevels(config);
  return (event: AuditorEvent): void => {
    const message = `${event.plugin}.${event.eventId}`;
    if ('error' in event) {
      const { error, ...fields } = event;
      auditLogger.child(fields)[levels[event.severityLevel]](message, error);
    } else {
      auditLogger[levels[event.severityLevel]](message, event);
    }
  };
}
