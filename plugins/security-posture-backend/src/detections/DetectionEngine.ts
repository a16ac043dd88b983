import { LoggerService } from '@backstage/backend-plugin-api';
import type { AuditedEvent } from '@security-posture/plugin-security-posture-node';
import {
  AuditRecord,
  DetectionEvaluator,
  detectionFinding,
  DetectionWindow,
  usersNeedingMemberships,
} from '@security-posture/static-analysis';
import { DetectionStore, RecordedDetection } from '../database/DetectionStore';
import { MembershipSource } from './MembershipSource';

export interface DetectionEngineOptions {
  evaluator: DetectionEvaluator;
  store: DetectionStore;
  memberships: MembershipSource;
  /** Told about each new finding (events service); errors are its own to handle. */
  onCreated?: (detections: RecordedDetection[]) => Promise<void>;
  logger: LoggerService;
  /** Events beyond this many waiting for a flush are dropped and counted. */
  maxQueue?: number;
  clock?: () => Date;
}

/**
 * Live detections: events from the auditor are queued (cheap, synchronous), and flushed in
 * batches: the windows they touch are read from the database, the rules run over the events in
 * order, the windows are written back and each hit becomes a finding. Flushes never overlap.
 */
export class DetectionEngine {
  private queue: AuditRecord[] = [];
  private dropped = 0;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: DetectionEngineOptions) {}

  /** For the audit events service: must never throw or wait. */
  accept(event: AuditedEvent): void {
    // No rule counts initiated events (each call logs initiated, then its outcome).
    if (event.status === 'initiated' || !this.options.evaluator.rules.length)
      return;
    const record: AuditRecord = event;
    if (this.queue.length >= (this.options.maxQueue ?? 50_000)) {
      // Dropping the newest keeps accept O(1) while evaluation lags behind.
      this.dropped++;
      return;
    }
    this.queue.push(record);
  }

  /** Processes what is queued; concurrent calls run one after the other. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.processQueue());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  droppedCount(): number {
    return this.dropped;
  }

  private async processQueue(): Promise<void> {
    const { evaluator, store, memberships, logger } = this.options;
    const batch = this.queue;
    this.queue = [];
    const relevant = batch;
    if (!relevant.length) return;

    const users = usersNeedingMemberships(evaluator.rules, relevant);
    const groups = users.length
      ? await memberships.groupsOf(users)
      : new Map<string, string[]>();
    const keys = new Set<string>();
    for (const record of relevant) {
      for (const match of evaluator.matchesOf(record, groups))
        keys.add(match.key);
    }
    if (!keys.size) return;

    const now = (this.options.clock ?? (() => new Date()))().toISOString();
    const hits = await store.updateWindows([...keys], now, loaded => {
      const touched = new Map<string, DetectionWindow>();
      const state = {
        get: (key: string) => touched.get(key) ?? loaded.get(key),
        set: (key: string, window: DetectionWindow) => touched.set(key, window),
      };
      return {
        touched,
        result: evaluator.evaluateAll(relevant, groups, state),
      };
    });

    if (!hits.length) return;
    const detections = hits.map(hit => ({
      finding: detectionFinding(hit),
      seenAt: hit.windowEnd,
    }));
    const created = new Set(await store.recordFindings(detections));
    const fresh = detections.filter(d => created.has(d.finding.fingerprint));
    for (const { finding } of fresh) {
      logger.info(
        `Detection ${finding.checkId} raised finding ${finding.fingerprint}: ${finding.title}`,
      );
    }
    if (fresh.length && this.options.onCreated)
      await this.options.onCreated(fresh);
  }
}
