import {
  githubAdvisorySource,
  githubRangeToNpm,
  npmBulkAdvisorySource,
  osvEventsToRanges,
  rangesWithPatched,
} from './advisorySources';
import { StandInServer, startStandIn } from './testHelpers';

const context = () => ({
  fetch,
  signal: new AbortController().signal,
  requestTimeoutMs: 5000,
});

const queries = [
  { name: '@backstage/backend-defaults', versions: ['0.13.1'] },
  { name: '@backstage/plugin-techdocs-node', versions: ['1.14.0', '1.12.0'] },
];

describe('conversions', () => {
  it('turns OSV introduced/fixed events into npm ranges with their fixes', () => {
    expect(
      osvEventsToRanges([
        { introduced: '0' },
        { fixed: '0.12.2' },
        { introduced: '0.13.0' },
        { fixed: '0.13.2' },
        { introduced: '0.14.0' },
        { last_affected: '0.14.0' },
        { introduced: '1.0.0-next.0' },
      ]),
    ).toEqual([
      { vulnerable: '>=0.0.0-0 <0.12.2', patched: '0.12.2' },
      { vulnerable: '>=0.13.0 <0.13.2', patched: '0.13.2' },
      { vulnerable: '>=0.14.0 <=0.14.0' },
      { vulnerable: '>=1.0.0-next.0' },
    ]);
  });

  it('turns GitHub ranges into npm ranges', () => {
    expect(githubRangeToNpm('>= 0.13.0, < 0.13.2')).toBe('>=0.13.0 <0.13.2');
    expect(githubRangeToNpm('< 0.12.2')).toBe('<0.12.2');
    expect(githubRangeToNpm('= 1.0.0')).toBe('=1.0.0');
  });

  it('splits npm ranges and finds where each part ends', () => {
    expect(rangesWithPatched('<0.12.2 || >=0.13.0 <0.13.2')).toEqual([
      { vulnerable: '<0.12.2', patched: '0.12.2' },
      { vulnerable: '>=0.13.0 <0.13.2', patched: '0.13.2' },
    ]);
    expect(rangesWithPatched('<=1.0.0')).toEqual([{ vulnerable: '<=1.0.0' }]);
  });
});

describe('npm bulk advisory source (local stand-in)', () => {
  let server: StandInServer;
  afterEach(() => server?.close());

  it('posts installed versions and reads advisories keyed by package', async () => {
    server = await startStandIn(({ method, url }) =>
      method === 'POST' && url === '/-/npm/v1/security/advisories/bulk'
        ? {
            status: 200,
            body: {
              '@backstage/backend-defaults': [
                {
                  id: 1112233,
                  url: 'https://github.com/advisories/GHSA-rq6q-wr2q-7pgp',
                  title: 'Symlink path traversal',
                  severity: 'high',
                  vulnerable_versions: '<0.12.2 || >=0.13.0 <0.13.2 || >=0.14.0 <0.14.1',
                },
              ],
            },
          }
        : { status: 405 },
    );
    const { advisories } = await npmBulkAdvisorySource(`${server.url}/`).query(queries, context());
    expect(JSON.parse(server.requests[0].body)).toEqual({
      '@backstage/backend-defaults': ['0.13.1'],
      '@backstage/plugin-techdocs-node': ['1.14.0', '1.12.0'],
    });
    expect(advisories).toEqual([
      expect.objectContaining({
        id: 'GHSA-rq6q-wr2q-7pgp',
        aliases: ['npm:1112233'],
        severity: 'high',
        sources: ['npm'],
        affected: [
          {
            package: '@backstage/backend-defaults',
            ranges: [
              { vulnerable: '<0.12.2', patched: '0.12.2' },
              { vulnerable: '>=0.13.0 <0.13.2', patched: '0.13.2' },
              { vulnerable: '>=0.14.0 <0.14.1', patched: '0.14.1' },
            ],
          },
        ],
      }),
    ]);
  });

  it('fails the way the registry these machines reach does (405)', async () => {
    server = await startStandIn(() => ({
      status: 405,
      body: { error: 'Method not allowed' },
    }));
    await expect(npmBulkAdvisorySource(server.url).query(queries, context())).rejects.toThrow(
      /405/,
    );
  });
});

describe('GitHub advisory source (local stand-in)', () => {
  let server: StandInServer;
  afterEach(() => server?.close());

  const page1 = [
    {
      ghsa_id: 'GHSA-RQ6Q-WR2Q-7PGP',
      cve_id: 'CVE-2026-24046',
      summary: 'Symlink path traversal',
      severity: 'high',
      html_url: 'https://github.com/advisories/GHSA-rq6q-wr2q-7pgp',
      vulnerabilities: [
        {
          package: { ecosystem: 'npm', name: '@backstage/backend-defaults' },
          vulnerable_version_range: '>= 0.13.0, < 0.13.2',
          first_patched_version: '0.13.2',
        },
        {
          package: { ecosystem: 'npm', name: '@backstage/backend-defaults' },
          vulnerable_version_range: '< 0.12.2',
          first_patched_version: { identifier: '0.12.2' },
        },
      ],
    },
  ];
  const page2 = [
    {
      ghsa_id: 'GHSA-928r-fm4v-mvrw',
      severity: 'high',
      summary: 'MkDocs allowlist gap',
      vulnerabilities: [
        {
          package: {
            ecosystem: 'npm',
            name: '@backstage/plugin-techdocs-node',
          },
          vulnerable_version_range: '< 1.14.3',
          first_patched_version: null,
        },
      ],
    },
  ];

  it('asks with affects=name@version, sends the token as a header, follows pagination', async () => {
    server = await startStandIn(({ url }) => {
      if (url.startsWith('/advisories?') && !url.includes('page=2')) {
        return {
          status: 200,
          body: page1,
          headers: {
            link: `<${server.url}/advisories?page=2>; rel="next", <${server.url}/advisories?page=2>; rel="last"`,
          },
        };
      }
      if (url === '/advisories?page=2') return { status: 200, body: page2 };
      return { status: 404 };
    });
    const { advisories } = await githubAdvisorySource(server.url, 'ghp_testtoken').query(
      queries,
      context(),
    );
    const first = new URL(server.requests[0].url, server.url);
    expect(first.searchParams.get('affects')).toBe(
      '@backstage/backend-defaults@0.13.1,@backstage/plugin-techdocs-node@1.14.0,@backstage/plugin-techdocs-node@1.12.0',
    );
    expect(first.searchParams.get('ecosystem')).toBe('npm');
    expect(server.requests.every(r => r.headers.authorization === 'Bearer ghp_testtoken')).toBe(
      true,
    );
    expect(server.requests).toHaveLength(2);
    expect(advisories.map(a => a.id)).toEqual(['GHSA-rq6q-wr2q-7pgp', 'GHSA-928r-fm4v-mvrw']);
    expect(advisories[0].affected[0].ranges).toEqual([
      { vulnerable: '>=0.13.0 <0.13.2', patched: '0.13.2' },
      { vulnerable: '<0.12.2', patched: '0.12.2' },
    ]);
    expect(advisories[1].affected[0].ranges).toEqual([
      { vulnerable: '<1.14.3', patched: undefined },
    ]);
  });

  it('does not follow a next link to another origin (the token would go with it)', async () => {
    server = await startStandIn(() => ({
      status: 200,
      body: page1,
      headers: {
        link: '<https://attacker.example/advisories?page=2>; rel="next"',
      },
    }));
    const { advisories } = await githubAdvisorySource(server.url, 'ghp_testtoken').query(
      queries,
      context(),
    );
    expect(server.requests).toHaveLength(1);
    expect(advisories).toHaveLength(1);
  });

  it('fails on an error answer (e.g. rate limited)', async () => {
    server = await startStandIn(() => ({
      status: 403,
      body: { message: 'API rate limit exceeded' },
    }));
    await expect(githubAdvisorySource(server.url).query(queries, context())).rejects.toThrow(/403/);
  });
});
