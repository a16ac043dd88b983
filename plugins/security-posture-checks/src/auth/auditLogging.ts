import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { AUDIT_EVENTS_SNIPPETS } from './remediationSnippets';
import { Severity } from '@security-posture/plugin-security-posture-common';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof LEVELS)[number];

/** The default auditor's mapping (backend-defaults), used for severities left unconfigured. */
const DEFAULT_MAPPING: Record<AuditSeverity, LogLevel> = {
  low: 'debug',
  medium: 'info',
  high: 'info',
  critical: 'info',
};
const AUDIT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
type AuditSeverity = (typeof AUDIT_SEVERITIES)[number];

/** How bad it is to lose audit events of a severity. */
const FINDING_SEVERITY: Record<AuditSeverity, Severity> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'high',
};

function asLevel(value: string | undefined): LogLevel | undefined {
  return LEVELS.find(l => l === value);
}

/**
 * There is no `auditor.enabled`: Backstage's auditor service always emits, and whether an event
 * reaches the logs depends on `backend.auditor.severityLogLevelMappings` against the logger
 * level (`LOG_LEVEL` or `backend.logger.level`, default info).
 */
export const auditEventsHiddenCheck = createSecurityCheck({
  meta: {
    id: 'auth/audit-events-hidden',
    version: 1,
    title: 'Audit events are dropped by the log level',
    category: 'auth',
    defaultSeverity: 'medium',
    description:
      'Compares `backend.auditor.severityLogLevelMappings.{low,medium,high,critical}` (defaults: low→debug, others→info) with the effective log level (`LOG_LEVEL`, else `backend.logger.level`, default info): audit events mapped below that level never reach the logs. (There is no `auditor.enabled` key.)',
    remediation:
      'Map every audit severity to a level that is logged, e.g. `backend.auditor.severityLogLevelMappings: { low: info, medium: info, high: warn, critical: error }`, or lower `backend.logger.level`; ship the logs (entries with `isAuditEvent: true`) to your SIEM.',
    remediationSnippets: AUDIT_EVENTS_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/backend-system/core-services/auditor',
  },
  async run({ config }) {
    const envLevel = process.env.LOG_LEVEL;
    const configLevel = config.getOptionalString('backend.logger.level');
    const effectiveRaw = envLevel || configLevel || 'info';
    const effective = asLevel(effectiveRaw);
    let levelSource = 'default';
    if (envLevel) levelSource = 'LOG_LEVEL';
    else if (configLevel) levelSource = 'backend.logger.level';
    if (!effective) {
      return [
        {
          outcome: 'notApplicable',
          target: { type: 'config', path: 'backend.logger.level' },
          message: `The log level '${effectiveRaw.slice(
            0,
            40,
          )}' (${levelSource}) is not one of ${LEVELS.join(
            ', ',
          )}; cannot tell which audit events are logged`,
        },
      ];
    }
    const overrides = config.getOptionalConfigArray('backend.logger.overrides')?.length ?? 0;
    return AUDIT_SEVERITIES.map((severity): CheckResult => {
      const key = `backend.auditor.severityLogLevelMappings.${severity}`;
      const configured = config.getOptionalString(key);
      const mapped = asLevel(configured) ?? DEFAULT_MAPPING[severity];
      const visible = LEVELS.indexOf(mapped) >= LEVELS.indexOf(effective);
      return {
        outcome: visible ? 'pass' : 'fail',
        target: { type: 'config', path: key },
        location: key,
        severity: FINDING_SEVERITY[severity],
        message: visible
          ? `${severity} audit events are logged at ${mapped} (log level ${effective})`
          : `${severity} audit events are logged at ${mapped}${
              configured ? '' : ' (default)'
            }, below the log level ${effective} (${levelSource}): they are dropped`,
        evidence: {
          mappedLevel: mapped,
          mappingSource: configured ? 'config' : 'default',
          effectiveLogLevel: effective,
          logLevelSource: levelSource,
          loggerOverrides: overrides,
        },
      };
    });
  },
});
