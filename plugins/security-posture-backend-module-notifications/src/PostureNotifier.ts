import { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { EventParams } from '@backstage/plugin-events-node';
import { NotificationSendOptions, NotificationService } from '@backstage/plugin-notifications-node';
import {
  FindingCreatedEventPayload,
  isSeverity,
  ScanFinishedEventPayload,
  SECURITY_POSTURE_EVENT_TOPICS,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import { NotificationsConfig } from './config';
import { SentNotification, SentNotificationStore } from './SentNotificationStore';

type NotificationPayload = NotificationSendOptions['payload'];
type NotificationSeverity = NonNullable<NotificationPayload['severity']>;

/** The topic users see (and can mute) in the notifications page and settings. */
export const NOTIFICATION_TOPIC = 'security-posture';

const SEVERITY_MAP: Record<Severity, NotificationSeverity> = {
  critical: 'critical',
  high: 'high',
  medium: 'normal',
  low: 'low',
  info: 'low',
};

const GRADES = ['A', 'B', 'C', 'D', 'F'];

interface Alert {
  kind: SentNotification['kind'];
  key: string;
  recipients: string[];
  payload: NotificationPayload;
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Group and user refs only: an owner of another kind cannot receive a notification. */
function recipientRefs(refs: unknown): string[] {
  if (!Array.isArray(refs)) return [];
  const recipients = new Set<string>();
  for (const ref of refs) {
    if (!isString(ref)) continue;
    try {
      const kind = parseEntityRef(ref).kind.toLocaleLowerCase('en-US');
      if (kind === 'group' || kind === 'user') recipients.add(ref);
    } catch {
      // not an entity ref: skipped
    }
  }
  return [...recipients];
}

/**
 * Reads a finding.created payload field by field (it comes from the bus, possibly from another
 * plugin): only the fields a notification uses survive, whatever else the event carries.
 */
function readFindingCreated(payload: unknown): FindingCreatedEventPayload | undefined {
  const p = (payload ?? {}) as Record<string, unknown>;
  if (!isString(p.fingerprint) || !isString(p.title) || !isSeverity(p.severity)) return undefined;
  if (p.source !== 'scan' && p.source !== 'detection') return undefined;
  return {
    findingId: isString(p.findingId) ? p.findingId : p.fingerprint,
    fingerprint: p.fingerprint,
    checkId: isString(p.checkId) ? p.checkId : 'unknown',
    category: isString(p.category) ? p.category : 'unknown',
    severity: p.severity,
    title: p.title,
    entityRef: isString(p.entityRef) ? p.entityRef : undefined,
    owners: recipientRefs(p.owners),
    source: p.source,
    scanId: isString(p.scanId) ? p.scanId : undefined,
    createdAt: isString(p.createdAt) ? p.createdAt : new Date().toISOString(),
  };
}

function readScanFinished(payload: unknown): ScanFinishedEventPayload | undefined {
  const p = (payload ?? {}) as Record<string, unknown>;
  if (!isString(p.scanId)) return undefined;
  const numberOr = (value: unknown) => (typeof value === 'number' ? value : undefined);
  return {
    scanId: p.scanId,
    status: p.status as ScanFinishedEventPayload['status'],
    grade: isString(p.grade) ? p.grade : undefined,
    previousGrade: isString(p.previousGrade) ? p.previousGrade : undefined,
    score: numberOr(p.score),
    previousScore: numberOr(p.previousScore),
    newFindings: numberOr(p.newFindings) ?? 0,
    resolvedFindings: numberOr(p.resolvedFindings) ?? 0,
    finishedAt: isString(p.finishedAt) ? p.finishedAt : '',
  };
}

/**
 * Turns security-posture events into Backstage notifications: a new finding of a configured
 * severity (critical and high by default) to the owners of its entity; a grade drop and every
 * detection to the platform team. Each alert is sent once (claimed in the store first).
 */
export class PostureNotifier {
  constructor(
    private readonly deps: {
      notifications: NotificationService;
      sent: SentNotificationStore;
      config: NotificationsConfig;
      logger: LoggerService;
      now?: () => Date;
    },
  ) {}

  async handle(event: EventParams): Promise<void> {
    const alert = this.alertFor(event);
    if (alert) await this.send(alert);
  }

  private alertFor(event: EventParams): Alert | undefined {
    if (event.topic === SECURITY_POSTURE_EVENT_TOPICS.findingCreated) {
      const finding = readFindingCreated(event.eventPayload);
      if (!finding) return undefined;
      if (finding.source === 'detection') return this.detectionAlert(finding);
      return this.ownersAlert(finding);
    }
    if (event.topic === SECURITY_POSTURE_EVENT_TOPICS.scanFinished) {
      const scan = readScanFinished(event.eventPayload);
      return scan ? this.gradeDropAlert(scan) : undefined;
    }
    return undefined;
  }

  private findingLink(fingerprint: string) {
    return `${this.deps.config.securityPagePath}/findings?finding=${encodeURIComponent(fingerprint)}`;
  }

  private ownersAlert(finding: FindingCreatedEventPayload): Alert | undefined {
    if (!finding.entityRef || !this.deps.config.ownerSeverities.includes(finding.severity)) {
      return undefined;
    }
    let entity;
    try {
      entity = parseEntityRef(finding.entityRef);
    } catch {
      return undefined;
    }
    // The entity page's Security tab (where the README mounts EntitySecurityContent): owners
    // see their findings there even when the deployment-wide Security page is restricted.
    const link = `/catalog/${encodeURIComponent(entity.namespace)}/${encodeURIComponent(
      entity.kind.toLocaleLowerCase('en-US'),
    )}/${encodeURIComponent(entity.name)}/security`;
    return {
      kind: 'owners',
      key: `owners:${finding.fingerprint}`,
      recipients: finding.owners,
      payload: {
        title: `New ${finding.severity} security finding on ${entity.name}: ${finding.title}`,
        description: `The security posture scan found a new ${finding.severity} finding (${finding.checkId}) on ${finding.entityRef}, which you own. Its details and remediation are on the entity's Security tab.`,
        link,
        severity: SEVERITY_MAP[finding.severity],
        topic: NOTIFICATION_TOPIC,
        scope: `security-posture:owners:${finding.fingerprint}`,
      },
    };
  }

  private detectionAlert(finding: FindingCreatedEventPayload): Alert {
    const subject = finding.entityRef ? ` (${finding.entityRef})` : '';
    return {
      kind: 'detection',
      key: `detection:${finding.fingerprint}`,
      recipients: this.deps.config.platformTeam,
      payload: {
        title: `Security detection: ${finding.title}`,
        description: `The audit-event detection ${finding.checkId} fired${subject}. Severity: ${finding.severity}.`,
        link: this.findingLink(finding.fingerprint),
        severity: SEVERITY_MAP[finding.severity],
        topic: NOTIFICATION_TOPIC,
        scope: `security-posture:detection:${finding.fingerprint}`,
      },
    };
  }

  private gradeDropAlert(scan: ScanFinishedEventPayload): Alert | undefined {
    const now = GRADES.indexOf(scan.grade ?? '');
    const before = GRADES.indexOf(scan.previousGrade ?? '');
    if (now < 0 || before < 0 || now <= before) return undefined;
    const scores =
      scan.score !== undefined && scan.previousScore !== undefined
        ? ` (score ${scan.previousScore} → ${scan.score})`
        : '';
    return {
      kind: 'grade',
      key: `grade:${scan.scanId}`,
      recipients: this.deps.config.platformTeam,
      payload: {
        title: `Security posture grade dropped from ${scan.previousGrade} to ${scan.grade}`,
        description: `The latest scan lowered the deployment's grade${scores}: ${scan.newFindings} new and ${scan.resolvedFindings} resolved findings.`,
        link: `${this.deps.config.securityPagePath}/scans?scan=${encodeURIComponent(scan.scanId)}`,
        severity: scan.grade === 'F' ? 'critical' : 'high',
        topic: NOTIFICATION_TOPIC,
        scope: `security-posture:grade:${scan.scanId}`,
      },
    };
  }

  private async send(alert: Alert) {
    const { sent, notifications, logger } = this.deps;
    if (!alert.recipients.length) {
      logger.debug(`Security posture alert ${alert.key} has no recipients; not sent`);
      return;
    }
    const claimed = await sent.claim({
      alertKey: alert.key,
      kind: alert.kind,
      recipients: alert.recipients,
      sentAt: (this.deps.now?.() ?? new Date()).toISOString(),
    });
    if (!claimed) return;
    try {
      await notifications.send({
        recipients: { type: 'entity', entityRef: alert.recipients },
        payload: alert.payload,
      });
      logger.info(`Security posture notification ${alert.key} sent to ${alert.recipients.join(', ')}`);
    } catch (e) {
      await sent.release(alert.key);
      logger.warn(
        `Security posture notification ${alert.key} could not be sent (is the notifications backend installed?): ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
  }
}
