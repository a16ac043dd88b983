import { CliFinding } from './report';
import { applySuppressions, isExpired, parseSuppressions } from './suppressions';

const finding = (overrides: Partial<CliFinding>): CliFinding => ({
  fingerprint: 'f1',
  checkId: 'catalog/leaked-secret',
  rule: 'catalog/leaked-secret',
  category: 'catalog',
  severity: 'high',
  outcome: 'fail',
  title: 't',
  message: 'm',
  file: 'catalog/a.yaml',
  doc: 0,
  line: 7,
  column: 3,
  evidence: {},
  remediation: 'r',
  ...overrides,
});

describe('suppressions', () => {
  const file = `suppressions:
  - rule: catalog/leaked-secret
    file: ./catalog/a.yaml
    line: 7
    reason: demo key
    expires: 2026-03-31
  - fingerprint: f2
    reason: accepted
    expires: 2026-12-31
  - rule: templates/template-risk
    entityRef: Template:default/Demo
    reason: whole template
    expires: 2026-12-31
`;

  it('reads entries with where they are written', () => {
    const parsed = parseSuppressions(file, '.security-posture-suppressions.yaml');
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toMatchObject({
      file: 'catalog/a.yaml',
      line: 7,
      source: { line: 2 },
    });
    expect(parsed[1].source.line).toBe(7);
    expect(parsed[2].entityRef).toBe('template:default/demo');
  });

  it('suppresses through the expiry day (UTC) and not after', () => {
    const [first] = parseSuppressions(file, 's.yaml');
    expect(isExpired(first, new Date('2026-03-31T23:59:59Z'))).toBe(false);
    expect(isExpired(first, new Date('2026-04-01T00:00:00Z'))).toBe(true);
  });

  it('applies active suppressions by rule and location, fingerprint or entity', () => {
    const parsed = parseSuppressions(file, 's.yaml');
    const findings = [
      finding({}),
      finding({ line: 8, fingerprint: 'other' }),
      finding({ fingerprint: 'f2', file: 'elsewhere.yaml' }),
      finding({
        checkId: 'templates/template-risk',
        rule: 'templates/template-risk/ssrf',
        entityRef: 'template:default/demo',
        fingerprint: 'f3',
      }),
    ];
    const before = applySuppressions(findings, parsed, new Date('2026-03-01T00:00:00Z'));
    expect(before.kept.map(f => f.line)).toEqual([8]);
    expect(before.suppressed.map(s => s.by.source.line)).toEqual([2, 7, 10]);
    expect(before.expired).toEqual([]);

    const after = applySuppressions(findings, parsed, new Date('2026-04-01T00:00:00Z'));
    expect(after.kept.map(f => f.line)).toEqual([7, 8]);
    expect(after.expired.map(s => s.source.line)).toEqual([2]);
  });

  it('reports entries that match nothing', () => {
    const parsed = parseSuppressions(file, 's.yaml');
    const result = applySuppressions([finding({ line: 9 })], parsed, new Date('2026-01-01'));
    expect(result.unused).toHaveLength(3);
  });

  it.each([
    ['suppressions: {}', "a 'suppressions' list"],
    ['suppressions:\n  - rule: x\n    file: a\n    expires: 2026-01-01', 'a reason is required'],
    ['suppressions:\n  - rule: x\n    file: a\n    reason: r', "'expires' is required"],
    [
      'suppressions:\n  - rule: x\n    file: a\n    reason: r\n    expires: 2026-02-30',
      "'expires'",
    ],
    ['suppressions:\n  - rule: x\n    reason: r\n    expires: 2026-01-01', "give a 'fingerprint'"],
    [
      'suppressions:\n  - fingerprint: f\n    line: 3\n    reason: r\n    expires: 2026-01-01',
      'need a',
    ],
    [
      'suppressions:\n  - fingerprint: f\n    reasn: r\n    expires: 2026-01-01',
      "unknown field 'reasn'",
    ],
    ['suppressions: [', 'not valid YAML'],
  ])('refuses a malformed file: %j', (text, message) => {
    expect(() => parseSuppressions(text, 's.yaml')).toThrow(message);
  });
});

describe('suppressions with the portal exemption fields', () => {
  it('reads kind, ticket and an optional expiry for what is not an accepted risk', () => {
    const [plain, falsePositive] = parseSuppressions(
      `suppressions:
  - fingerprint: f1
    reason: accepted
    expires: 2026-12-31
  - rule: catalog/leaked-secret
    entityKind: API
    kind: false-positive
    reason: documentation examples
    ticket: https://tickets.example.com/SEC-2
`,
      's.yaml',
    );
    expect(plain).toMatchObject({ kind: 'accepted-risk', expires: '2026-12-31' });
    expect(falsePositive).toMatchObject({
      kind: 'false-positive',
      entityKind: 'api',
      ticket: 'https://tickets.example.com/SEC-2',
    });
    expect(falsePositive.expires).toBeUndefined();
    expect(isExpired(falsePositive, new Date('2099-01-01T00:00:00Z'))).toBe(false);
  });

  it.each([
    ['an accepted risk without expiry', 'fingerprint: f1\n    reason: r', /required for an accepted risk/],
    ['an unknown kind', 'fingerprint: f1\n    reason: r\n    kind: wont-fix', /'kind' must be one of/],
    ['a ticket that is no http(s) link', 'fingerprint: f1\n    reason: r\n    kind: false-positive\n    ticket: javascript:x', /'ticket' must be an http/],
    ['a rule without a place', 'rule: catalog/leaked-secret\n    reason: r\n    kind: false-positive', /'configPath' or an 'entityKind'/],
  ])('refuses %s', (_what, entry, message) => {
    expect(() => parseSuppressions(`suppressions:\n  - ${entry}\n`, 's.yaml')).toThrow(message);
  });

  it('matches a config key path and a kind of entity', () => {
    const suppressions = parseSuppressions(
      `suppressions:
  - rule: auth/cors-wildcard
    configPath: backend.cors.origin
    kind: mitigated-elsewhere
    reason: the ingress allows one origin
  - rule: catalog/sensitive-reference
    entityKind: api
    kind: false-positive
    reason: public APIs
`,
      's.yaml',
    );
    const outcome = applySuppressions(
      [
        finding({ fingerprint: 'c1', checkId: 'auth/cors-wildcard', rule: 'auth/cors-wildcard', field: 'backend.cors.origin' }),
        finding({ fingerprint: 'c2', checkId: 'auth/cors-wildcard', rule: 'auth/cors-wildcard', field: 'backend.cors.methods' }),
        finding({ fingerprint: 'k1', checkId: 'catalog/sensitive-reference', rule: 'catalog/sensitive-reference', entityRef: 'api:default/x', entityKind: 'API' }),
        finding({ fingerprint: 'k2', checkId: 'catalog/sensitive-reference', rule: 'catalog/sensitive-reference', entityRef: 'component:default/x', entityKind: 'Component' }),
      ],
      suppressions,
      new Date('2026-06-01T00:00:00Z'),
    );
    expect(outcome.suppressed.map(s => s.finding.fingerprint)).toEqual(['c1', 'k1']);
    expect(outcome.kept.map(f => f.fingerprint)).toEqual(['c2', 'k2']);
  });
});
