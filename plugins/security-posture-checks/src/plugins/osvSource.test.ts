import { advisoryFromOsv } from './osvRecords';
import { OsvCache, osvAdvisorySource } from './osvSource';
import { OsvStandIn, osvRecord, startOsvStandIn } from './osvStandIn';
import { unreachableUrl } from './testHelpers';

const context = (requestTimeoutMs = 5000) => ({
  fetch,
  signal: new AbortController().signal,
  requestTimeoutMs,
});

const redos = osvRecord({
  id: 'GHSA-c2qf-2222-3333',
  cve: 'CVE-2026-0001',
  pkg: 'tiny-semver',
  ranges: [
    ['0', '5.7.2'],
    ['6.0.0', '6.3.1'],
  ],
  severity: 'HIGH',
  summary: 'ReDoS in range parsing',
});
const pollution = osvRecord({
  id: 'GHSA-4444-5555-6666',
  pkg: 'deep-merge-lite',
  ranges: [['0', '2.0.1']],
  severity: 'CRITICAL',
});

describe('OSV records', () => {
  it('reads a GitHub-reviewed record: GHSA id, CVE alias, severity, ranges with fixes', () => {
    expect(advisoryFromOsv(redos)).toEqual({
      id: 'GHSA-c2qf-2222-3333',
      aliases: ['CVE-2026-0001'],
      severity: 'high',
      summary: 'ReDoS in range parsing',
      url: 'https://github.com/advisories/GHSA-c2qf-2222-3333',
      publishedAt: '2026-09-15T18:30:00Z',
      affected: [
        {
          package: 'tiny-semver',
          ranges: [
            { vulnerable: '>=0.0.0-0 <5.7.2', patched: '5.7.2' },
            { vulnerable: '>=6.0.0 <6.3.1', patched: '6.3.1' },
          ],
        },
      ],
      sources: ['osv'],
    });
  });

  it('keys OSV-only records by their GHSA alias', () => {
    const advisory = advisoryFromOsv({
      ...redos,
      id: 'OSV-2026-1',
      aliases: ['GHSA-C2QF-2222-3333'],
    });
    expect(advisory.id).toBe('GHSA-c2qf-2222-3333');
    expect(advisory.aliases).toEqual(['OSV-2026-1']);
  });

  it('rates a malicious-package record critical and drops a withdrawn one', () => {
    const malicious = advisoryFromOsv({
      id: 'MAL-2026-1234',
      summary: 'Malicious code in evil-pkg (npm)',
      affected: [
        {
          package: { ecosystem: 'npm', name: 'evil-pkg' },
          versions: ['1.0.1'],
        },
      ],
    });
    expect(malicious.severity).toBe('critical');
    expect(malicious.affected).toEqual([
      { package: 'evil-pkg', ranges: [{ vulnerable: '=1.0.1' }] },
    ]);
    expect(advisoryFromOsv({ ...redos, withdrawn: '2026-10-02T00:00:00Z' }).affected).toEqual([]);
  });
});

describe('OSV source against a local stand-in', () => {
  let osv: OsvStandIn | undefined;
  afterEach(async () => {
    await osv?.close();
    osv = undefined;
  });

  it('asks in batches of at most 1000 and reads each distinct record once', async () => {
    osv = await startOsvStandIn([redos, pollution]);
    // 2,400 versions: three batches (1000, 1000, 400).
    const packages = [
      { name: 'tiny-semver', versions: ['5.7.1', '6.3.0', '7.0.0'] },
      { name: 'deep-merge-lite', versions: ['2.0.0'] },
      ...Array.from({ length: 2396 }, (_, i) => ({
        name: `clean-${i}`,
        versions: ['1.0.0'],
      })),
    ];
    const answer = await osvAdvisorySource({ baseUrl: osv.url }).query(packages, context());
    expect(osv.batches().map(b => b.length)).toEqual([1000, 1000, 400]);
    expect(osv.recordReads().sort()).toEqual(['GHSA-4444-5555-6666', 'GHSA-c2qf-2222-3333']);
    expect(answer.advisories.map(a => [a.id, a.severity])).toEqual([
      ['GHSA-4444-5555-6666', 'critical'],
      ['GHSA-c2qf-2222-3333', 'high'],
    ]);
    expect(answer).toMatchObject({ problems: [], asked: 2400, answered: 2400 });
  });

  it('refuses nothing a real OSV would: a smaller batch limit is honoured', async () => {
    osv = await startOsvStandIn([redos], { batchLimit: 10 });
    const packages = Array.from({ length: 25 }, (_, i) => ({
      name: `p${i}`,
      versions: ['1.0.0'],
    }));
    const answer = await osvAdvisorySource({
      baseUrl: osv.url,
      batchSize: 10,
    }).query(packages, context());
    expect(osv.batches().map(b => b.length)).toEqual([10, 10, 5]);
    expect(answer.problems).toEqual([]);
  });

  it('follows next_page_token until the last page of a version', async () => {
    const many = Array.from({ length: 5 }, (_, i) =>
      osvRecord({
        id: `GHSA-7777-8888-${'23456789c'[i]}99${'f'}`,
        pkg: 'old-lib',
        ranges: [['0', '9.0.0']],
      }),
    );
    osv = await startOsvStandIn(many, { pageSize: 2 });
    const answer = await osvAdvisorySource({ baseUrl: osv.url }).query(
      [
        { name: 'old-lib', versions: ['1.0.0'] },
        { name: 'new-lib', versions: ['1.0.0'] },
      ],
      context(),
    );
    const batches = osv.batches();
    // First batch: both versions; then only old-lib, with the token of its next page.
    expect(batches.map(b => b.map(q => `${q.package.name}:${q.page_token ?? ''}`))).toEqual([
      ['old-lib:', 'new-lib:'],
      ['old-lib:page:2'],
      ['old-lib:page:4'],
    ]);
    expect(answer.advisories.map(a => a.id).sort()).toEqual(many.map(r => r.id).sort());
    expect(answer.problems).toEqual([]);
  });

  it('gives up on a version after the page limit and says so', async () => {
    const many = Array.from({ length: 6 }, (_, i) =>
      osvRecord({
        id: `GHSA-7777-9999-${'23456789c'[i]}99f`,
        pkg: 'old-lib',
        ranges: [['0', '9.0.0']],
      }),
    );
    osv = await startOsvStandIn(many, { pageSize: 1 });
    const answer = await osvAdvisorySource({
      baseUrl: osv.url,
      maxPagesPerQuery: 3,
    }).query([{ name: 'old-lib', versions: ['1.0.0'] }], context());
    expect(osv.batches()).toHaveLength(3);
    expect(answer.advisories).toHaveLength(3);
    expect(answer.problems).toEqual(['old-lib@1.0.0: more than 3 pages of vulnerabilities']);
    expect(answer.answered).toBe(0);
  });

  it('keeps the answered batches when another answers 503 (partial)', async () => {
    osv = await startOsvStandIn([redos, pollution], {
      batchAnswer: n =>
        n === 1 ? { status: 503, body: { code: 14, message: 'unavailable' } } : undefined,
    });
    const answer = await osvAdvisorySource({
      baseUrl: osv.url,
      batchSize: 2,
      concurrency: 1,
    }).query(
      [
        { name: 'tiny-semver', versions: ['5.7.1'] },
        { name: 'a', versions: ['1.0.0'] },
        { name: 'deep-merge-lite', versions: ['2.0.0'] },
        { name: 'b', versions: ['1.0.0'] },
      ],
      context(),
    );
    expect(answer.advisories.map(a => a.id)).toEqual(['GHSA-c2qf-2222-3333']);
    expect(answer.problems).toEqual([
      `querybatch of 2 package versions: ${osv.url} answered 503 Service Unavailable`,
    ]);
    expect(answer).toMatchObject({ asked: 4, answered: 2 });
  });

  it('fails as a whole when no batch is answered: malformed JSON', async () => {
    osv = await startOsvStandIn([redos], {
      batchAnswer: () => ({ status: 200, raw: '{"results": [{"vulns": [' }),
    });
    await expect(
      osvAdvisorySource({ baseUrl: osv.url }).query(
        [{ name: 'tiny-semver', versions: ['5.7.1'] }],
        context(),
      ),
    ).rejects.toThrow(/answered malformed JSON/);
  });

  it('fails when the results do not line up with the queries', async () => {
    osv = await startOsvStandIn([redos], {
      batchAnswer: () => ({ status: 200, body: { results: [] } }),
    });
    await expect(
      osvAdvisorySource({ baseUrl: osv.url }).query(
        [{ name: 'tiny-semver', versions: ['5.7.1'] }],
        context(),
      ),
    ).rejects.toThrow('OSV answered 0 results for 1 queries');
  });

  it('times out a slow querybatch, and a slow record leaves the answer partial', async () => {
    osv = await startOsvStandIn([redos, pollution], {
      recordAnswer: id =>
        id === pollution.id ? { status: 200, body: pollution, delayMs: 2000 } : undefined,
    });
    const answer = await osvAdvisorySource({ baseUrl: osv.url }).query(
      [
        { name: 'tiny-semver', versions: ['5.7.1'] },
        { name: 'deep-merge-lite', versions: ['2.0.0'] },
      ],
      context(300),
    );
    expect(answer.advisories.map(a => a.id)).toEqual([redos.id]);
    expect(answer.problems).toEqual([
      `vulnerability ${pollution.id}: ${osv.url} did not answer within 0.3 s`,
    ]);
    await osv.close();

    osv = await startOsvStandIn([redos], {
      batchAnswer: () => ({
        status: 200,
        body: { results: [{}] },
        delayMs: 2000,
      }),
    });
    await expect(
      osvAdvisorySource({ baseUrl: osv.url }).query(
        [{ name: 'tiny-semver', versions: ['5.7.1'] }],
        context(300),
      ),
    ).rejects.toThrow(`${osv.url} did not answer within 0.3 s`);
  });

  it('fails with the reason when nothing listens', async () => {
    const url = await unreachableUrl();
    await expect(
      osvAdvisorySource({ baseUrl: url }).query([{ name: 'a', versions: ['1.0.0'] }], context()),
    ).rejects.toThrow(`${url} unreachable (ECONNREFUSED)`);
  });

  it('answers repeated versions from the cache and refetches only modified records', async () => {
    osv = await startOsvStandIn([redos, pollution]);
    const records = new Map();
    const first = new OsvCache(records);
    const source = osvAdvisorySource({ baseUrl: osv.url, cache: first });
    const packages = [
      { name: 'tiny-semver', versions: ['5.7.1'] },
      { name: 'deep-merge-lite', versions: ['2.0.0'] },
    ];
    await source.query(packages, context());
    // The same scan asks again (another lockfile with the same versions): no request at all.
    const again = await source.query(packages, context());
    expect(osv.batches()).toHaveLength(1);
    expect(osv.recordReads()).toHaveLength(2);
    expect(again).toMatchObject({ cacheHits: 4, answered: 2 });
    expect(again.advisories.map(a => a.id)).toEqual([pollution.id, redos.id]);
    await osv.close();

    // Next scan: versions are asked again, records are reused unless OSV reports them modified.
    osv = await startOsvStandIn([
      redos,
      { ...pollution, modified: '2026-11-20T00:00:00Z', summary: 'Updated' },
    ]);
    const next = await osvAdvisorySource({
      baseUrl: osv.url,
      cache: new OsvCache(records),
    }).query(packages, context());
    expect(osv.batches()).toHaveLength(1);
    expect(osv.recordReads()).toEqual([pollution.id]);
    expect(next.cacheHits).toBe(1);
    expect(next.advisories.find(a => a.id === pollution.id)?.summary).toBe('Updated');
  });
});
