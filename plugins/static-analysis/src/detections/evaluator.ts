import { isWithinBusinessHours } from './businessHours';
import type {
  AuditEventMatcher,
  AuditRecord,
  DetectionHit,
  DetectionRule,
  DetectionWindow,
} from './types';

/** Where windows are kept between events: a Map offline, database rows live. */
export interface DetectionWindowState {
  get(key: string): DetectionWindow | undefined;
  set(key: string, window: DetectionWindow): void;
}

/** Group refs of each user ref the rules ask about; a user absent from it belongs to no group. */
export type Memberships = ReadonlyMap<string, readonly string[]>;

/** A rule that counts an event, for the window of `subject`. */
export interface RuleMatch {
  rule: DetectionRule;
  subject: string;
  /** The window's key: rule id and subject. */
  key: string;
}

function matches(matcher: AuditEventMatcher, record: AuditRecord): boolean {
  if (matcher.plugins && !matcher.plugins.includes(record.plugin)) return false;
  if (matcher.eventIds && !matcher.eventIds.includes(record.eventId))
    return false;
  if (
    matcher.actionTypes &&
    !matcher.actionTypes.includes(record.actionType ?? '')
  )
    return false;
  if (
    matcher.statuses &&
    !(record.status && matcher.statuses.includes(record.status))
  )
    return false;
  if (
    matcher.errorNames &&
    !matcher.errorNames.includes(record.errorName ?? '')
  )
    return false;
  if (matcher.excludeDryRuns && record.dryRun) return false;
  if (matcher.queryTypes && !matcher.queryTypes.includes(record.queryType ?? ''))
    return false;
  if (matcher.excludeActorPrefixes?.some(prefix => record.actorId?.startsWith(prefix)))
    return false;
  return true;
}

const isUser = (actorId: string | undefined): actorId is string =>
  !!actorId && actorId.startsWith('user:');

/** The window owner of an event: its actor, else its client address. */
export function subjectOf(
  rule: DetectionRule,
  record: AuditRecord,
): string | undefined {
  if (rule.subject === 'actor' && record.actorId) return record.actorId;
  return record.ip ? `ip:${record.ip}` : undefined;
}

/** Users whose groups a rule needs to decide on these events. */
export function usersNeedingMemberships(
  rules: DetectionRule[],
  records: AuditRecord[],
): string[] {
  const users = new Set<string>();
  const groupRules = rules.filter(r => r.condition.type === 'userNotInGroups');
  for (const record of records) {
    if (
      isUser(record.actorId) &&
      groupRules.some(r => matches(r.match, record))
    ) {
      users.add(record.actorId);
    }
  }
  return [...users];
}

/**
 * Sliding-window detection over auditor events. Pure: the time of each event is the record's
 * own, so the same events give the same hits live and offline, in any clock.
 */
export class DetectionEvaluator {
  constructor(
    readonly rules: DetectionRule[],
    private readonly options: { maxEventIds?: number } = {},
  ) {}

  /** The rules that count this event, with the window each counts it in. */
  matchesOf(record: AuditRecord, memberships: Memberships): RuleMatch[] {
    const out: RuleMatch[] = [];
    for (const rule of this.rules) {
      if (
        !matches(rule.match, record) ||
        !this.conditionHolds(rule, record, memberships)
      )
        continue;
      const subject = subjectOf(rule, record);
      if (subject) out.push({ rule, subject, key: `${rule.id}|${subject}` });
    }
    return out;
  }

  /** Counts one event in the windows of the rules it matches; returns the hits it causes. */
  evaluate(
    record: AuditRecord,
    state: DetectionWindowState,
    memberships: Memberships,
  ): DetectionHit[] {
    const hits: DetectionHit[] = [];
    for (const match of this.matchesOf(record, memberships)) {
      const hit = this.count(match, record, state);
      if (hit) hits.push(hit);
    }
    return hits;
  }

  /** Runs events in time order (stable for equal times) through fresh or given state. */
  evaluateAll(
    records: AuditRecord[],
    memberships: Memberships,
    state: DetectionWindowState = new Map<string, DetectionWindow>(),
  ): DetectionHit[] {
    const ordered = records
      .map((r, i) => [r, i] as const)
      .sort((a, b) => a[0].at - b[0].at || a[1] - b[1]);
    return ordered.flatMap(([record]) =>
      this.evaluate(record, state, memberships),
    );
  }

  private conditionHolds(
    rule: DetectionRule,
    record: AuditRecord,
    memberships: Memberships,
  ) {
    const condition = rule.condition;
    switch (condition.type) {
      case 'always':
        return true;
      case 'outsideBusinessHours':
        return !isWithinBusinessHours(record.at, condition.hours);
      case 'userNotInGroups': {
        if (!isUser(record.actorId)) return false;
        const groups = memberships.get(record.actorId) ?? [];
        return !condition.groups.some(g => groups.includes(g));
      }
      default:
        return false;
    }
  }

  private count(
    match: RuleMatch,
    record: AuditRecord,
    state: DetectionWindowState,
  ) {
    const { rule, subject, key } = match;
    const previous = state.get(key);
    // In place: events are in time order, so the expired ones are at the front. The window is
    // (at - windowMs, at]: an event exactly one window old has left it.
    const events = previous?.events ?? [];
    let expired = 0;
    while (
      expired < events.length &&
      events[expired][0] <= record.at - rule.windowMs
    ) {
      expired++;
    }
    events.push([record.at, `${record.plugin}.${record.eventId}`]);
    // Another replica may have counted later events of the same window first.
    if (events.length > 1 && events[events.length - 2][0] > record.at) {
      events.sort((a, b) => a[0] - b[0]);
    }
    // Deciding "more than threshold" needs only the newest threshold + 1 events.
    const excess = Math.max(expired, events.length - (rule.threshold + 1));
    if (excess > 0) events.splice(0, excess);

    const quiet =
      previous?.quietUntil !== undefined && record.at < previous.quietUntil;
    const fires = events.length > rule.threshold && !quiet;
    state.set(key, {
      events,
      quietUntil: fires ? record.at + rule.windowMs : previous?.quietUntil,
    });
    if (!fires) return undefined;

    const windowStart = new Date(events[0][0]).toISOString();
    const maxEventIds = this.options.maxEventIds ?? 20;
    return {
      ruleId: rule.id,
      title: rule.title,
      description: rule.description,
      severity: rule.severity,
      remediation: rule.remediation,
      subject,
      actorId: record.actorId,
      ip: record.ip,
      count: events.length,
      threshold: rule.threshold,
      windowMs: rule.windowMs,
      windowStart,
      windowEnd: new Date(record.at).toISOString(),
      eventIds: [...new Set(events.map(([, id]) => id))].slice(0, maxEventIds),
      key: `${rule.id}|${subject}|${windowStart}`,
    } satisfies DetectionHit;
  }
}
