import { LoggerService } from '@backstage/backend-plugin-api';
import { EventsService } from '@backstage/plugin-events-node';
import {
  FindingCreatedEventPayload,
  SECURITY_POSTURE_EVENT_TOPICS,
} from '@security-posture/plugin-security-posture-common';
import { RecordedDetection } from '../database/DetectionStore';

/**
 * Announces findings raised by detections as `security-posture.finding.created` (source
 * `detection`), so subscribers such as notifications alert the platform team. Identifying fields
 * only: no message or evidence travels with the event. Never fails the detection.
 */
export class DetectionEventPublisher {
  constructor(
    private readonly deps: { events: EventsService; logger: LoggerService },
  ) {}

  async publishCreated(detections: RecordedDetection[]): Promise<void> {
    for (const { finding, seenAt } of detections) {
      const eventPayload: FindingCreatedEventPayload = {
        findingId: finding.fingerprint,
        fingerprint: finding.fingerprint,
        checkId: finding.checkId,
        category: finding.category,
        severity: finding.severity,
        title: finding.title,
        owners: [],
        source: 'detection',
        createdAt: seenAt,
      };
      try {
        await this.deps.events.publish({
          topic: SECURITY_POSTURE_EVENT_TOPICS.findingCreated,
          eventPayload,
        });
      } catch (e) {
        this.deps.logger.warn(
          `Could not publish detection finding ${finding.fingerprint}: ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      }
    }
  }
}
