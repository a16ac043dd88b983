import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

/**
 * An auditor event as detections read it: who did what, when, and how it ended. Never the
 * event's meta (queries, template parameters) or request body.
 */
export interface AuditedEvent {
  /** Epoch milliseconds when the auditor logged it. */
  at: number;
  plugin: string;
  eventId: string;
  status?: 'initiated' | 'succeeded' | 'failed';
  severityLevel?: string;
  actorId?: string;
  ip?: string;
  actionType?: string;
  dryRun?: boolean;
  /** `meta.queryType` of catalog reads (a fixed token such as `by-name`). */
  queryType?: string;
  errorName?: string;
}

/**
 * Carries audited events from the auditor of every plugin to the security-posture detection
 * engine (root scope: one per backend). `publish` never throws and never waits; events
 * published before the engine subscribes are kept, up to a bound, and handed to it then.
 */
export interface SecurityPostureAuditEventsService {
  publish(event: AuditedEvent): void;
  /** The one consumer; it must return quickly (queue, do not process inline). */
  subscribe(consumer: (event: AuditedEvent) => void): void;
  /** Events dropped because nobody consumed them in time. */
  droppedCount(): number;
}

/** Keeps at most `capacity` events until a consumer subscribes, then hands each on at once. */
export class AuditEventHub implements SecurityPostureAuditEventsService {
  private consumer?: (event: AuditedEvent) => void;
  private pending: AuditedEvent[] = [];
  private dropped = 0;

  constructor(private readonly capacity = 10_000) {}

  publish(event: AuditedEvent): void {
    if (this.consumer) {
      try {
        this.consumer(event);
      } catch {
        // An auditor must never fail the request it audits.
        this.dropped++;
      }
      return;
    }
    if (this.pending.length >= this.capacity) {
      this.pending.shift();
      this.dropped++;
    }
    this.pending.push(event);
  }

  subscribe(consumer: (event: AuditedEvent) => void): void {
    if (this.consumer)
      throw new Error(
        'The security-posture audit events already have a consumer',
      );
    this.consumer = consumer;
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.publish(event);
  }

  droppedCount(): number {
    return this.dropped;
  }
}

export const securityPostureAuditEventsServiceRef =
  createServiceRef<SecurityPostureAuditEventsService>({
    id: 'security-posture.audit-events',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {},
        factory: () => new AuditEventHub(),
      }),
  });
