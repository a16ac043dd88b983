import type { Severity } from '@security-posture/plugin-security-posture-common';

/** The status a Backstage auditor event reports (`createEvent` logs `initiated`, then the outcome). */
export type AuditStatus = 'initiated' | 'succeeded' | 'failed';

/**
 * One auditor event reduced to what the rules look at: who, what, when and how it ended. Built
 * from the live event (`AuditorEvent` of @backstage/backend-defaults/auditor) or from the JSON
 * line the default auditor logs; request bodies, query strings and other meta never get here.
 */
export interface AuditRecord {
  /** Epoch milliseconds. */
  at: number;
  /** The plugin that emitted the event, e.g. `catalog`. */
  plugin: string;
  /** The plugin's event id, e.g. `entity-fetch`. */
  eventId: string;
  status?: AuditStatus;
  severityLevel?: string;
  /** A user entity ref, or a service subject such as `plugin:scaffolder`. */
  actorId?: string;
  ip?: string;
  /** `meta.actionType` (scaffolder tasks, catalog mutations). */
  actionType?: string;
  /** `meta.isDryRun` of catalog location mutations. */
  dryRun?: boolean;
  /**
   * `meta.queryType` of catalog reads (`all`, `by-query`, `by-refs`, `by-name`, `by-uid`): which
   * kind of read, never its filter or the entities read.
   */
  queryType?: string;
  /** The error's name on failed events, e.g. `NotAllowedError`. */
  errorName?: string;
}

/** Which events a rule counts. Every listed field must match; absent fields match anything. */
export interface AuditEventMatcher {
  plugins?: string[];
  eventIds?: string[];
  actionTypes?: string[];
  statuses?: AuditStatus[];
  errorNames?: string[];
  /** Leave out dry runs (catalog location checks that change nothing). */
  excludeDryRuns?: boolean;
  /** Catalog read kinds (`meta.queryType`) to count. */
  queryTypes?: string[];
  /** Leave out actors whose id starts with one of these, e.g. `plugin:` (backend plugins). */
  excludeActorPrefixes?: string[];
}

/** Weekly business hours in an IANA time zone; `end` is exclusive. */
export interface BusinessHours {
  timeZone: string;
  /** `HH:mm`, 24-hour clock. */
  start: string;
  end: string;
  /** ISO weekday numbers (1 = Monday … 7 = Sunday) that have business hours. */
  weekdays: number[];
}

/** An extra condition on a matched event. */
export type DetectionCondition =
  | { type: 'always' }
  | { type: 'outsideBusinessHours'; hours: BusinessHours }
  /** The actor is a user who belongs to none of the groups (service principals are left out). */
  | { type: 'userNotInGroups'; groups: string[] };

/** Who a window belongs to: the actor, falling back to the client address. */
export type DetectionSubject = 'actor' | 'ip';

/**
 * A detection as data: events that match and meet the condition are counted per subject in a
 * sliding window; more than `threshold` of them in `windowMs` is a hit. One hit per subject and
 * rule per window: after a hit, the subject's next hit can come once the window has passed.
 */
export interface DetectionRule {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  match: AuditEventMatcher;
  condition: DetectionCondition;
  subject: DetectionSubject;
  /** A hit needs more than this many events in the window (0: every event). */
  threshold: number;
  windowMs: number;
  remediation: string;
}

/** What a rule keeps per subject between events: bounded by `threshold + 1` entries. */
export interface DetectionWindow {
  /** Counted events in the window, oldest first: epoch ms and `plugin.eventId`. */
  events: Array<[number, string]>;
  /** No new hit before this instant (the window of the last hit has not passed). */
  quietUntil?: number;
}

/** A rule that fired: what a finding is made of. */
export interface DetectionHit {
  ruleId: string;
  title: string;
  description: string;
  severity: Severity;
  remediation: string;
  /** The window owner: a user or service ref, or `ip:<address>`. */
  subject: string;
  actorId?: string;
  ip?: string;
  /** Events counted in the window when the rule fired. */
  count: number;
  threshold: number;
  windowMs: number;
  /** ISO instants of the first and the last counted event. */
  windowStart: string;
  windowEnd: string;
  /** Distinct `plugin.eventId` values counted. */
  eventIds: string[];
  /** Stable per rule, subject and window: the deduplication key. */
  key: string;
}
