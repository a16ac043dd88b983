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
