import { createHash } from 'node:crypto';
import type {
  FindingEvidence,
  Severity,
} from '@security-posture/plugin-security-posture-common';
import type { DetectionHit } from './types';

/** The finding category of detections. */
export const DETECTIONS_CATEGORY = 'detections';
/** Check ids of detection findings: `detections/<rule id>`. */
export const DETECTION_CHECK_ID_PREFIX = 'detections/';

/** A detection hit as a deployment-wide finding (live in the store, offline in the CLI report). */
export interface DetectionFinding {
  fingerprint: string;
  checkId: string;
  category: typeof DETECTIONS_CATEGORY;
  severity: Severity;
  title: string;
  message: string;
  remediation: string;
  target: { type: 'deployment' };
  evidence: FindingEvidence;
}

const minutes = (ms: number) => Math.round((ms / 60_000) * 100) / 100;

/**
 * Evidence is the actor, the counts, the window and the event ids; never meta, request
 * bodies or queries (the records do not carry them). The fingerprint is the hit's
 * deduplication key (rule, subject, window start to the second), so live and offline runs agree.
 */
export function detectionFinding(hit: DetectionHit): DetectionFinding {
  const evidence: FindingEvidence = {
    rule: hit.ruleId,
    actor: hit.actorId ?? null,
    subject: hit.subject,
    count: hit.count,
    threshold: hit.threshold,
    windowMinutes: minutes(hit.windowMs),
    windowStart: hit.windowStart,
    windowEnd: hit.windowEnd,
    eventIds: hit.eventIds,
  };
  if (hit.ip) evidence.ip = hit.ip;
  const events = hit.count === 1 ? '1 event' : `${hit.count} events`;
  return {
    // To the second: the live engine stamps an event when the auditor hands it on, the log
    // pipeline when it writes the line, a millisecond or so apart; both name one finding.
    fingerprint: createHash('sha256')
      .update(
        `detections|${hit.ruleId}|${hit.subject}|${hit.windowStart.slice(
          0,
          19,
        )}`,
      )
      .digest('hex'),
    checkId: `${DETECTION_CHECK_ID_PREFIX}${hit.ruleId}`,
    category: DETECTIONS_CATEGORY,
    severity: hit.severity,
    title: `${hit.title}: ${hit.subject}`,
    message: `${hit.description} ${events} by ${hit.subject} between ${
      hit.windowStart
    } and ${hit.windowEnd} (threshold ${hit.threshold} in ${minutes(
      hit.windowMs,
    )} min).`,
    remediation: hit.remediation,
    target: { type: 'deployment' },
    evidence,
  };
}
