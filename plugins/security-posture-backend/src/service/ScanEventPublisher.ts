import { LoggerService } from '@backstage/backend-plugin-api';
import { EventsService } from '@backstage/plugin-events-node';
import {
  Finding,
  FindingCreatedEventPayload,
  ScanFinishedEventPayload,
  SECURITY_POSTURE_EVENT_TOPICS,
} from '@security-posture/plugin-security-posture-common';
import { PostureStore } from '../database/PostureStore';
import { asError } from './errors';

/** How a scan ended, as the scan service reports it once the scan is recorded. */
export interface FinishedScan {
  scanId: string;
  status: ScanFinishedEventPayload['status'];
  finishedAt: string;
}

const CHANGES_PAGE = 200;

/**
 * The payload of a finding that did not exist before. Only identifying fields: no message,
 * location or evidence, so no value (masked or not) travels with the event.
 */
export function findingCreatedPayload(
  finding: Finding,
  options: { source: FindingCreatedEventPayload['source']; scanId?: string; createdAt: string },
): FindingCreatedEventPayload {
  return {
    findingId: finding.fingerprint,
    fingerprint: finding.fingerprint,
    checkId: finding.checkId,
    category: finding.category,
    severity: finding.severity,
    title: finding.title,
    entityRef: finding.entityRef,
    owners: [...finding.owners],
    source: options.source,
    scanId: options.scanId,
    createdAt: options.createdAt,
  };
}

/**
 * Tells the events service what a finished scan changed: `security-posture.scan.finished` with
 * its grade against the scan before, and `security-posture.finding.created` per new open finding
 * (source `scan`). Reads the scan's recorded changes; never fails the scan.
 */
export class ScanEventPublisher {
  constructor(
    private readonly deps: {
      store: PostureStore;
      events: EventsService;
      logger: LoggerService;
    },
  ) {}

  async publishScanFinished(scan: FinishedScan): Promise<void> {
    try {
      await this.publish(scan);
    } catch (e) {
      this.deps.logger.warn(
        `Security posture scan ${scan.scanId}: its events could not be published: ${asError(e).message}`,
      );
    }
  }

  private async publish(scan: FinishedScan) {
    const { store, events } = this.deps;
    const summaries = await store.summarizeScanChanges([scan.scanId]);
    const counts = summaries.get(scan.scanId)?.counts;
    const created = await this.createdFindings(scan.scanId);
    for (const finding of created) {
      const eventPayload = findingCreatedPayload(finding, {
        source: 'scan',
        scanId: scan.scanId,
        createdAt: finding.firstSeenAt,
      });
      await events.publish({ topic: SECURITY_POSTURE_EVENT_TOPICS.findingCreated, eventPayload });
    }

    const grades = await this.gradesOf(scan.scanId);
    const eventPayload: ScanFinishedEventPayload = {
      scanId: scan.scanId,
      status: scan.status,
      ...grades,
      newFindings: counts?.new ?? 0,
      resolvedFindings: counts?.resolved ?? 0,
      finishedAt: scan.finishedAt,
    };
    await events.publish({ topic: SECURITY_POSTURE_EVENT_TOPICS.scanFinished, eventPayload });
  }

  /** The scan's new findings that are still open (an exemption may already cover one). */
  private async createdFindings(scanId: string): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (let offset = 0; ; offset += CHANGES_PAGE) {
      const page = await this.deps.store.listScanChanges(scanId, {
        change: ['new'],
        limit: CHANGES_PAGE,
        offset,
      });
      for (const change of page?.items ?? []) {
        const finding = await this.deps.store.getFinding(change.fingerprint);
        if (finding?.status === 'open') findings.push(finding);
      }
      if (!page || offset + CHANGES_PAGE >= page.totalItems) return findings;
    }
  }

  /** The scan's grade and score, and those of the summary before it (a failed scan has none). */
  private async gradesOf(scanId: string) {
    const history = await this.deps.store.listHistory({ limit: 2 });
    const current = history[history.length - 1];
    if (!current || current.scanId !== scanId) return {};
    const previous = history.length > 1 ? history[0] : undefined;
    return {
      grade: current.grade,
      score: current.score,
      previousGrade: previous?.grade,
      previousScore: previous?.score,
    };
  }
}
