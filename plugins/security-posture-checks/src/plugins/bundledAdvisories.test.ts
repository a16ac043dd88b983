// The dataset shipped in data/: checked against the advisory index of static-analysis.
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import {
  AdvisoryIndex,
  advisoriesFromBundledDataset,
  BundledAdvisoryDataset,
} from '@security-posture/static-analysis';

describe('the bundled advisory dataset', () => {
  const dataset: BundledAdvisoryDataset = JSON.parse(
    fs.readFileSync(
      path.resolve(__dirname, '../../data/backstage-advisories.json'),
      'utf8',
    ),
  );
  const advisories = advisoriesFromBundledDataset(dataset);
  const index = new AdvisoryIndex(advisories);

  it('is dated, has unique GHSA ids and only valid ranges', () => {
    expect(dataset.compiledAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const ids = advisories.map(a => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/);
    expect(index.invalidRanges).toEqual([]);
    expect(
      dataset.advisories.every(
        a => (a as { verification?: unknown }).verification,
      ),
    ).toBe(true);
  });

  it('marks each range start vulnerable and each patched version safe', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const a of advisories) {
      for (const affected of a.affected) {
        for (const range of affected.ranges) {
          const hits = (version: string) =>
            index
              .match(affected.package, version)
              .some(m => m.advisory.id === a.id);
          const start = semver.minVersion(range.vulnerable)!.version;
          if (!hits(start))
            wrong.push(`${a.id} ${affected.package}@${start} not matched`);
          if (!range.patched)
            wrong.push(
              `${a.id} ${affected.package} '${range.vulnerable}' has no fix`,
            );
          else if (hits(range.patched))
            wrong.push(`${a.id} ${affected.package}@${range.patched} matched`);
          checked += 1;
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it('does not flag the Backstage 1.55 packages this repository runs', () => {
    const root = path.resolve(__dirname, '../../../..');
    const pins: Record<string, string> = JSON.parse(
      fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
    ).overrides;
    const flagged = Object.entries(pins).filter(
      ([name, version]) =>
        semver.valid(version) && index.isVulnerable(name, version),
    );
    expect(flagged).toEqual([]);
  });
});
