import type { FindingCategory, ScanStatus, Severity } from './types';

/**
 * Topics published on Backstage's events service (`@backstage/plugin-events-node`).
 * Subscribers (notifications, chat bridges, SIEM forwarders) listen to these; the
 * payloads never carry a secret value, only masked evidence already in the finding.
 */
export const SECURITY_POSTURE_EVENT_TOPICS = {
  scanFinished: 'security-posture.scan.finished',
  findingCreated: 'security-posture.finding.created',
} as const;

/** A finding that did not exist before: opened by a scan or raised by a detection. */
export interface FindingCreatedEventPayload {
  findingId: string;
  fingerprint: string;
  checkId: string;
  category: FindingCategory;
  severity: Severity;
  title: string;
  /** The entity the finding is about, when it is about one. */
  entityRef?: string;
  /** Owner refs of that entity (or template), empty for deployment-wide findings. */
  owners: string[];
  /** `scan` for findings opened by a scan, `detection` for audit-event detections. */
  source: 'scan' | 'detection';
  scanId?: string;
  createdAt: string;
}

/** A scan that ended (successfully or not). */
export interface ScanFinishedEventPayload {
  scanId: string;
  status: Extract<ScanStatus, 'succeeded' | 'partial' | 'failed'>;
  grade?: string;
  previousGrade?: string;
  score?: number;
  previousScore?: number;
  newFindings: number;
  resolvedFindings: number;
  finishedAt: string;
}
