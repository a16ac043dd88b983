import semver from 'semver';
import { Advisory, AdvisoryIndex, mergeAdvisories } from './advisories';

function advisory(
  id: string,
  pkg: string,
  ranges: Array<[string, string?]>,
  extra: Partial<Advisory> = {},
): Advisory {
  return {
    id,
    aliases: [],
    severity: 'medium',
    summary: id,
    affected: [
      {
        package: pkg,
        ranges: ranges.map(([vulnerable, patched]) => ({
          vulnerable,
          patched,
        })),
      },
    ],
    sources: ['bundled'],
    ...extra,
  };
}

describe('AdvisoryIndex.match', () => {
  const index = new AdvisoryIndex([
    advisory('GHSA-aaaa-aaaa-aaaa', '@backstage/backend-defaults', [
      ['<0.12.2', '0.12.2'],
      ['>=0.13.0 <0.13.2', '0.13.2'],
      ['>=0.14.0 <0.14.1', '0.14.1'],
    ]),
    advisory('GHSA-bbbb-bbbb-bbbb', '@backstage/plugin-x', [['<1.0.0']]),
    advisory('GHSA-cccc-cccc-cccc', '@backstage/plugin-y', [
      ['>=2.0.0-next.0 <2.0.0', '2.0.0'],
    ]),
  ]);
  const matches = (name: string, version: string) => index.match(name, version);

  it.each([
    ['0.13.0', true, '0.13.2'],
    ['0.13.1', true, '0.13.2'],
    ['0.13.2', false, undefined],
    ['0.13.3', false, undefined],
    ['0.12.9', false, undefined],
    ['0.12.1', true, '0.12.2'],
    ['0.12.2', false, undefined],
    ['0.14.0', true, '0.14.1'],
    ['0.14.1', false, undefined],
    ['0.15.0', false, undefined],
    ['0.1.0', true, '0.12.2'],
  ])(
    'several ranges per advisory: %s vulnerable=%s, fixed in %s',
    (version, vulnerable, fixed) => {
      const found = matches('@backstage/backend-defaults', version);
      expect(found.length > 0).toBe(vulnerable);
      expect(found[0]?.firstPatchedVersion).toBe(fixed);
    },
  );

  it('matches prereleases by their place in the version order', () => {
    // 0.13.2-next.0 comes before the fix 0.13.2: inside `>=0.13.0 <0.13.2`.
    expect(
      matches('@backstage/backend-defaults', '0.13.2-next.0'),
    ).toHaveLength(1);
    // 0.13.0-next.1 comes before 0.13.0: outside both neighbouring ranges.
    expect(
      matches('@backstage/backend-defaults', '0.13.0-next.1'),
    ).toHaveLength(0);
    // A prerelease of the fixed line after the fix is not vulnerable.
    expect(
      matches('@backstage/backend-defaults', '0.14.2-next.0'),
    ).toHaveLength(0);
    // Plain semver would skip `1.0.0-next.1` for `<1.0.0`; it is a pre-fix build.
    expect(semver.satisfies('1.0.0-next.1', '<1.0.0')).toBe(false);
    expect(matches('@backstage/plugin-x', '1.0.0-next.1')).toHaveLength(1);
    expect(matches('@backstage/plugin-y', '2.0.0-next.3')).toHaveLength(1);
    expect(matches('@backstage/plugin-y', '2.0.0')).toHaveLength(0);
    expect(matches('@backstage/plugin-y', '1.9.0')).toHaveLength(0);
  });

  it('derives the fixed version from the range when the source gives none', () => {
    expect(matches('@backstage/plugin-x', '0.9.0')[0].firstPatchedVersion).toBe(
      '1.0.0',
    );
  });

  it('ignores other packages and versions that are not semver', () => {
    expect(matches('@backstage/other', '0.1.0')).toEqual([]);
    expect(matches('@backstage/plugin-x', 'github:org/repo#main')).toEqual([]);
  });

  it('reports invalid ranges instead of dropping them silently', () => {
    const broken = new AdvisoryIndex([
      advisory('GHSA-dddd-dddd-dddd', 'p', [['>=banana']]),
    ]);
    expect(broken.invalidRanges).toEqual([
      { id: 'GHSA-dddd-dddd-dddd', package: 'p', range: '>=banana' },
    ]);
  });
});

describe('AdvisoryIndex.recommendUpgrade', () => {
  const index = new AdvisoryIndex([
    advisory('GHSA-aaaa-aaaa-aaaa', 'pkg', [['<1.2.0', '1.2.0']]),
    advisory('GHSA-bbbb-bbbb-bbbb', 'pkg', [['>=1.2.0 <1.2.3', '1.2.3']]),
  ]);

  it('picks the lowest published release that no advisory affects', () => {
    expect(
      index.recommendUpgrade('pkg', '1.1.0', [
        '1.1.0',
        '1.2.0',
        '1.2.1',
        '1.2.3',
        '1.3.0-next.0',
        '1.3.0',
      ]),
    ).toBe('1.2.3');
  });

  it('without the list of releases, steps from fix to fix until nothing matches', () => {
    expect(index.recommendUpgrade('pkg', '1.1.0')).toBe('1.2.3');
  });

  it('skips prereleases even when they are safe', () => {
    expect(
      index.recommendUpgrade('pkg', '1.2.2', ['1.2.4-next.0', '1.2.5']),
    ).toBe('1.2.5');
  });
});

describe('mergeAdvisories', () => {
  it('merges the same advisory from every source under its GHSA id', () => {
    const bundled = advisory(
      'GHSA-rq6q-wr2q-7pgp',
      '@backstage/backend-defaults',
      [['<0.12.2', '0.12.2']],
      {
        aliases: ['CVE-2026-24046'],
        severity: 'medium',
      },
    );
    const npm = advisory(
      'GHSA-RQ6Q-WR2Q-7PGP',
      '@backstage/backend-defaults',
      [
        ['<0.12.2', '0.12.2'],
        ['>=0.13.0 <0.13.2', '0.13.2'],
      ],
      { aliases: ['npm:1100000'], severity: 'high', sources: ['npm'] },
    );
    const osv = advisory(
      'GHSA-rq6q-wr2q-7pgp',
      '@backstage/plugin-scaffolder-backend',
      [['>=3.1.0 <3.1.1', '3.1.1']],
      { aliases: ['CVE-2026-24046'], sources: ['osv'] },
    );
    // A source that only knows the CVE id.
    const cveOnly = advisory(
      'CVE-2026-24046',
      '@backstage/backend-defaults',
      [['>=0.14.0 <0.14.1', '0.14.1']],
      {
        sources: ['github'],
      },
    );

    const merged = mergeAdvisories([[bundled], [npm], [osv], [cveOnly]]);
    expect(merged).toHaveLength(1);
    const [ghsa] = merged;
    expect(ghsa.id).toBe('GHSA-rq6q-wr2q-7pgp');
    // The CVE-only record joins the advisory that carries the CVE as an alias.
    expect(ghsa.sources.sort()).toEqual(['bundled', 'github', 'npm', 'osv']);
    expect(ghsa.severity).toBe('high');
    expect(ghsa.aliases).toEqual(
      expect.arrayContaining(['CVE-2026-24046', 'npm:1100000']),
    );
    // Live sources' ranges replace the bundled ones for that package, and are united.
    expect(
      ghsa.affected.find(a => a.package === '@backstage/backend-defaults')!
        .ranges,
    ).toEqual([
      { vulnerable: '<0.12.2', patched: '0.12.2' },
      { vulnerable: '>=0.13.0 <0.13.2', patched: '0.13.2' },
      { vulnerable: '>=0.14.0 <0.14.1', patched: '0.14.1' },
    ]);
    expect(ghsa.affected.map(a => a.package).sort()).toEqual([
      '@backstage/backend-defaults',
      '@backstage/plugin-scaffolder-backend',
    ]);
  });

  it('unites the ranges of several live sources and drops equal ones', () => {
    const a = advisory('GHSA-aaaa-aaaa-aaaa', 'p', [['<1.0.0', '1.0.0']], {
      sources: ['npm'],
    });
    const b = advisory(
      'GHSA-aaaa-aaaa-aaaa',
      'p',
      [
        ['<1.0.0', '1.0.0'],
        ['>=2.0.0 <2.0.1', '2.0.1'],
      ],
      {
        sources: ['osv'],
      },
    );
    const [merged] = mergeAdvisories([[a], [b]]);
    expect(merged.affected[0].ranges.map(r => r.vulnerable)).toEqual([
      '<1.0.0',
      '>=2.0.0 <2.0.1',
    ]);
  });

  it('keeps bundled ranges for packages no live source reported', () => {
    const bundled = advisory('GHSA-aaaa-aaaa-aaaa', 'p', [['<1.0.0', '1.0.0']]);
    bundled.affected.push({
      package: 'q',
      ranges: [{ vulnerable: '<3.0.0', patched: '3.0.0' }],
    });
    const live = advisory('GHSA-aaaa-aaaa-aaaa', 'p', [['<1.0.1', '1.0.1']], {
      sources: ['github'],
    });
    const [merged] = mergeAdvisories([[bundled], [live]]);
    expect(merged.affected).toEqual([
      { package: 'p', ranges: [{ vulnerable: '<1.0.1', patched: '1.0.1' }] },
      { package: 'q', ranges: [{ vulnerable: '<3.0.0', patched: '3.0.0' }] },
    ]);
  });
});
