import { DetectionEvaluator, usersNeedingMemberships } from './evaluator';
import {
  buildDetectionRules,
  DEFAULT_DETECTION_SETTINGS,
  DETECTION_RULE_IDS,
  DetectionSettings,
} from './rules';
import type { AuditRecord, DetectionWindow } from './types';

const MINUTE = 60_000;
const DANA = 'user:default/dana';
const ALICE = 'user:default/alice';
const memberships = new Map([
  [ALICE, ['group:default/platform-engineers']],
  ['user:default/sam', ['group:default/developers']],
  [DANA, ['group:default/guests']],
]);

/** A fake clock: every record gets the clock's time, which the test moves. */
function fakeClock(startIso: string) {
  let now = Date.parse(startIso);
  return {
    at: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (iso: string) => {
      now = Date.parse(iso);
    },
  };
}

function settings(
  overrides: Partial<DetectionSettings> = {},
): DetectionSettings {
  return { ...DEFAULT_DETECTION_SETTINGS, ...overrides };
}

function read(
  at: number,
  actorId = DANA,
  status: AuditRecord['status'] = 'succeeded',
  queryType = 'by-name',
): AuditRecord {
  return {
    at,
    plugin: 'catalog',
    eventId: 'entity-fetch',
    status,
    actorId,
    ip: '10.0.0.9',
    queryType,
  };
}

function templateRun(at: number, actorId: string): AuditRecord {
  return {
    at,
    plugin: 'scaffolder',
    eventId: 'task',
    actionType: 'create',
    status: 'succeeded',
    actorId,
  };
}

function ruleHits(
  evaluator: DetectionEvaluator,
  records: AuditRecord[],
  ruleId: string,
  state = new Map<string, DetectionWindow>(),
) {
  return evaluator
    .evaluateAll(records, memberships, state)
    .filter(h => h.ruleId === ruleId);
}

describe('catalog-read-reconnaissance', () => {
  const evaluator = new DetectionEvaluator(buildDetectionRules());
  const rule = DETECTION_RULE_IDS.catalogReadReconnaissance;

  it('fires on the 51st read of one actor within ten minutes, once', () => {
    const clock = fakeClock('2026-03-02T10:00:00Z');
    const state = new Map<string, DetectionWindow>();
    const hitsAt: number[] = [];
    for (let i = 1; i <= 120; i++) {
      const hits = evaluator
        .evaluate(read(clock.at()), state, memberships)
        .filter(h => h.ruleId === rule);
      if (hits.length) hitsAt.push(i);
      clock.advance(1000);
    }
    expect(hitsAt).toEqual([51]);
    const [hit] = ruleHits(
      new DetectionEvaluator(buildDetectionRules()),
      Array.from({ length: 51 }, (_, i) =>
        read(Date.parse('2026-03-02T10:00:00Z') + i * 1000),
      ),
      rule,
    );
    expect(hit).toMatchObject({
      subject: DANA,
      actorId: DANA,
      count: 51,
      threshold: 50,
      windowMs: 10 * MINUTE,
      windowStart: '2026-03-02T10:00:00.000Z',
      windowEnd: '2026-03-02T10:00:50.000Z',
      eventIds: ['catalog.entity-fetch'],
      key: `${rule}|${DANA}|2026-03-02T10:00:00.000Z`,
    });
  });

  it('does not count initiated events (each call logs initiated, then its outcome)', () => {
    const start = Date.parse('2026-03-02T10:00:00Z');
    const records = Array.from({ length: 40 }, (_, i) => [
      read(start + i, DANA, 'initiated'),
      read(start + i),
    ]).flat();
    expect(ruleHits(evaluator, records, rule)).toEqual([]);
  });

  it("counts entities read one by one, not the portal's list, filter and by-refs lookups", () => {
    const start = Date.parse('2026-03-02T10:00:00Z');
    const lookups = ['all', 'by-query', 'by-refs'].flatMap(queryType =>
      Array.from({ length: 60 }, (_, i) => read(start + i, DANA, 'succeeded', queryType)),
    );
    expect(ruleHits(evaluator, lookups, rule)).toEqual([]);
    const oneByOne = Array.from({ length: 51 }, (_, i) =>
      read(start + i, DANA, 'succeeded', i % 2 ? 'by-uid' : 'by-name'),
    );
    expect(ruleHits(evaluator, oneByOne, rule)).toHaveLength(1);
  });

  it("leaves backend plugins' own reads out (scans, catalog processing), not external tokens", () => {
    const start = Date.parse('2026-03-02T10:00:00Z');
    const reads = (actorId: string) =>
      Array.from({ length: 60 }, (_, i) => read(start + i, actorId));
    expect(ruleHits(evaluator, reads('plugin:security-posture'), rule)).toEqual([]);
    expect(ruleHits(evaluator, reads('external:legacy-ci-bot'), rule)).toHaveLength(1);
  });

  it('keeps actors apart', () => {
    const start = Date.parse('2026-03-02T10:00:00Z');
    const records = Array.from({ length: 60 }, (_, i) =>
      read(start + i, i % 2 ? DANA : ALICE),
    );
    expect(ruleHits(evaluator, records, rule)).toEqual([]);
  });

  it('window edge: a read exactly one window old has left the window, one millisecond younger has not', () => {
    const start = Date.parse('2026-03-02T10:00:00Z');
    const burst = (at: number) => Array.from({ length: 50 }, () => read(at));
    expect(
      ruleHits(evaluator, [read(start), ...burst(start + 10 * MINUTE)], rule),
    ).toEqual([]);
    const hits = ruleHits(
      evaluator,
      [read(start), ...burst(start + 10 * MINUTE - 1)],
      rule,
    );
    expect(hits).toHaveLength(1);
    expect(hits[0].windowStart).toBe('2026-03-02T10:00:00.000Z');
  });

  it('fires again for a burst after the window of the last hit has passed', () => {
    const start = Date.parse('2026-03-02T10:00:00Z');
    const burst = (at: number) =>
      Array.from({ length: 51 }, (_, i) => read(at + i));
    const hits = ruleHits(
      evaluator,
      [
        ...burst(start),
        ...burst(start + 5 * MINUTE),
        ...burst(start + 16 * MINUTE),
      ],
      rule,
    );
    // the burst at 10:05 falls in the quiet window of the first hit; the one at 10:16 is a new window
    expect(hits.map(h => h.windowStart)).toEqual([
      '2026-03-02T10:00:00.000Z',
      '2026-03-02T10:16:00.000Z',
    ]);
    expect(new Set(hits.map(h => h.key)).size).toBe(2);
  });

  it('keeps at most threshold + 1 events per window', () => {
    const state = new Map<string, DetectionWindow>();
    const start = Date.parse('2026-03-02T10:00:00Z');
    for (let i = 0; i < 500; i++)
      evaluator.evaluate(read(start + i), state, memberships);
    expect(state.get(`${rule}|${DANA}`)!.events).toHaveLength(51);
  });

  it('honours threshold and window overrides', () => {
    const rules = buildDetectionRules(
      settings({
        rules: {
          [rule]: { threshold: 5, windowMs: MINUTE, severity: 'critical' },
        },
      }),
    );
    const start = Date.parse('2026-03-02T10:00:00Z');
    const spread = Array.from({ length: 6 }, (_, i) =>
      read(start + i * 15_000),
    );
    expect(ruleHits(new DetectionEvaluator(rules), spread, rule)).toEqual([]);
    const fast = Array.from({ length: 6 }, (_, i) => read(start + i * 5_000));
    expect(ruleHits(new DetectionEvaluator(rules), fast, rule)).toMatchObject([
      { count: 6, severity: 'critical' },
    ]);
  });
});

describe('scaffolder-outside-business-hours', () => {
  const rule = DETECTION_RULE_IDS.scaffolderOutsideBusinessHours;
  const berlin = new DetectionEvaluator(
    buildDetectionRules(
      settings({
        businessHours: {
          ...DEFAULT_DETECTION_SETTINGS.businessHours,
          timeZone: 'Europe/Berlin',
        },
      }),
    ),
  );
  const firesAt = (evaluator: DetectionEvaluator, iso: string) =>
    ruleHits(
      evaluator,
      [templateRun(Date.parse(iso), 'user:default/sam')],
      rule,
    ).length === 1;

  it('uses the wall clock of the configured zone: 07:00 inclusive, 19:00 exclusive', () => {
    // Monday 2 March 2026, Berlin is UTC+1
    expect(firesAt(berlin, '2026-03-02T05:59:59Z')).toBe(true); // 06:59:59
    expect(firesAt(berlin, '2026-03-02T06:00:00Z')).toBe(false); // 07:00
    expect(firesAt(berlin, '2026-03-02T17:59:59Z')).toBe(false); // 18:59:59
    expect(firesAt(berlin, '2026-03-02T18:00:00Z')).toBe(true); // 19:00
  });

  it('follows daylight saving time: the same UTC instant is outside before the change, inside after', () => {
    // Berlin moves to UTC+2 on Sunday 29 March 2026
    expect(firesAt(berlin, '2026-03-27T05:30:00Z')).toBe(true); // Friday 06:30 CET
    expect(firesAt(berlin, '2026-03-30T05:30:00Z')).toBe(false); // Monday 07:30 CEST
    // and back on Sunday 25 October 2026
    expect(firesAt(berlin, '2026-10-23T17:30:00Z')).toBe(true); // Friday 19:30 CEST
    expect(firesAt(berlin, '2026-10-26T17:30:00Z')).toBe(false); // Monday 18:30 CET
  });

  it('fires on days without business hours, and takes configured weekdays', () => {
    expect(firesAt(berlin, '2026-03-07T11:00:00Z')).toBe(true); // Saturday noon
    const sixDays = new DetectionEvaluator(
      buildDetectionRules(
        settings({
          businessHours: {
            timeZone: 'America/New_York',
            start: '07:00',
            end: '19:00',
            weekdays: [1, 2, 3, 4, 5, 6],
          },
        }),
      ),
    );
    expect(firesAt(sixDays, '2026-03-07T17:00:00Z')).toBe(false); // Saturday 12:00 EST
    expect(firesAt(sixDays, '2026-03-08T17:00:00Z')).toBe(true); // Sunday
    // New York changes on 8 March 2026: 11:30Z is 06:30 EST before, 07:30 EDT after
    expect(firesAt(sixDays, '2026-03-06T11:30:00Z')).toBe(true);
    expect(firesAt(sixDays, '2026-03-09T11:30:00Z')).toBe(false);
  });

  it('counts only task creation outcomes, and one hit per actor per hour', () => {
    const night = Date.parse('2026-03-02T23:00:00Z');
    const worker = {
      ...templateRun(night, 'plugin:scaffolder'),
      actionType: 'execution',
    };
    const initiated = {
      ...templateRun(night, 'user:default/sam'),
      status: 'initiated' as const,
    };
    expect(ruleHits(berlin, [worker, initiated], rule)).toEqual([]);
    const runs = [0, 30, 59, 61].map(m =>
      templateRun(night + m * MINUTE, 'user:default/sam'),
    );
    expect(ruleHits(berlin, runs, rule).map(h => h.windowEnd)).toEqual([
      '2026-03-02T23:00:00.000Z',
      '2026-03-03T00:01:00.000Z',
    ]);
  });

  it('refuses an unknown time zone or inverted hours', () => {
    expect(() =>
      buildDetectionRules(
        settings({
          businessHours: {
            timeZone: 'Mars/Olympus',
            start: '07:00',
            end: '19:00',
            weekdays: [1],
          },
        }),
      ),
    ).toThrow();
    expect(() =>
      buildDetectionRules(
        settings({
          businessHours: {
            timeZone: 'UTC',
            start: '19:00',
            end: '07:00',
            weekdays: [1],
          },
        }),
      ),
    ).toThrow(/start before/);
    expect(() =>
      buildDetectionRules(
        settings({
          businessHours: {
            timeZone: 'UTC',
            start: '7:00',
            end: '19:00',
            weekdays: [1],
          },
        }),
      ),
    ).toThrow(/HH:mm/);
  });
});

describe('scaffolder-outside-allowed-groups', () => {
  const evaluator = new DetectionEvaluator(buildDetectionRules());
  const rule = DETECTION_RULE_IDS.scaffolderOutsideAllowedGroups;
  const noon = Date.parse('2026-03-02T12:00:00Z');

  it('fires for users in none of the allowed groups, including users the catalog does not know', () => {
    const runs = [
      'user:default/sam',
      ALICE,
      DANA,
      'user:default/ghost',
      'plugin:scaffolder',
    ].map(a => templateRun(noon, a));
    expect(ruleHits(evaluator, runs, rule).map(h => h.subject)).toEqual([
      DANA,
      'user:default/ghost',
    ]);
  });

  it('takes the configured groups', () => {
    const rules = buildDetectionRules(
      settings({ scaffolderAllowedGroups: ['group:default/guests'] }),
    );
    expect(
      ruleHits(
        new DetectionEvaluator(rules),
        [templateRun(noon, DANA), templateRun(noon, ALICE)],
        rule,
      ).map(h => h.subject),
    ).toEqual([ALICE]);
  });

  it('asks for the groups of the users it has to decide on only', () => {
    expect(
      usersNeedingMemberships(buildDetectionRules(), [
        templateRun(noon, DANA),
        read(noon, ALICE),
        templateRun(noon, 'plugin:x'),
      ]),
    ).toEqual([DANA]);
  });
});

describe('catalog-mutation-by-non-platform', () => {
  const evaluator = new DetectionEvaluator(buildDetectionRules());
  const rule = DETECTION_RULE_IDS.catalogMutationByNonPlatform;
  const at = Date.parse('2026-03-02T12:00:00Z');
  const mutate = (
    actorId: string,
    extra: Partial<AuditRecord> = {},
  ): AuditRecord => ({
    at,
    plugin: 'catalog',
    eventId: 'entity-mutate',
    actionType: 'delete',
    status: 'succeeded',
    actorId,
    ...extra,
  });

  it('fires on any catalog change by a user outside the platform team', () => {
    expect(
      ruleHits(evaluator, [mutate(ALICE), mutate('user:default/sam')], rule),
    ).toMatchObject([
      { subject: 'user:default/sam', count: 1, severity: 'high' },
    ]);
    expect(
      ruleHits(
        evaluator,
        [mutate(DANA, { eventId: 'location-mutate', actionType: 'create' })],
        rule,
      ),
    ).toHaveLength(1);
  });

  it('counts failed attempts but not dry runs, initiated events or reads', () => {
    expect(
      ruleHits(
        evaluator,
        [mutate(DANA, { status: 'failed', errorName: 'NotAllowedError' })],
        rule,
      ),
    ).toHaveLength(1);
    expect(
      ruleHits(
        evaluator,
        [
          mutate(DANA, { eventId: 'location-mutate', dryRun: true }),
          mutate(DANA, { status: 'initiated' }),
          read(at),
        ],
        rule,
      ),
    ).toEqual([]);
  });

  it('can be disabled', () => {
    const rules = buildDetectionRules(
      settings({ rules: { [rule]: { enabled: false } } }),
    );
    expect(rules.map(r => r.id)).not.toContain(rule);
    expect(() =>
      buildDetectionRules(
        settings({ rules: { 'no-such-rule': { enabled: false } } }),
      ),
    ).toThrow(/Unknown detection rule/);
  });
});

describe('auth-failures-above-baseline', () => {
  const evaluator = new DetectionEvaluator(buildDetectionRules());
  const rule = DETECTION_RULE_IDS.authFailuresAboveBaseline;
  const start = Date.parse('2026-03-02T12:00:00Z');
  const failure = (
    at: number,
    extra: Partial<AuditRecord> = {},
  ): AuditRecord => ({
    at,
    plugin: 'catalog',
    eventId: 'entity-mutate',
    status: 'failed',
    errorName: 'NotAllowedError',
    actorId: DANA,
    ip: '10.0.0.9',
    ...extra,
  });

  it('fires on the eleventh failure within five minutes', () => {
    const ten = Array.from({ length: 10 }, (_, i) => failure(start + i * 1000));
    expect(ruleHits(evaluator, ten, rule)).toEqual([]);
    expect(
      ruleHits(evaluator, [...ten, failure(start + 5 * MINUTE - 1)], rule),
    ).toMatchObject([{ count: 11, threshold: 10 }]);
    expect(
      ruleHits(evaluator, [...ten, failure(start + 5 * MINUTE)], rule),
    ).toEqual([]);
  });

  it('counts authentication and authorization errors only, per client address without an actor', () => {
    const other = Array.from({ length: 20 }, (_, i) =>
      failure(start + i, { errorName: 'InputError' }),
    );
    expect(ruleHits(evaluator, other, rule)).toEqual([]);
    const anonymous = Array.from({ length: 11 }, (_, i) =>
      failure(start + i, {
        actorId: undefined,
        errorName: 'AuthenticationError',
      }),
    );
    expect(ruleHits(evaluator, anonymous, rule)).toMatchObject([
      { subject: 'ip:10.0.0.9', actorId: undefined },
    ]);
  });
});
