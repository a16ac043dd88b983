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
          // Without a fix the record names the last affected version: `<=X`, and X matches.
          const lastAffected = /<=\s*(\S+)$/.exec(range.vulnerable)?.[1];
          if (!range.patched && !(lastAffected && hits(lastAffected)))
            wrong.push(
              `${a.id} ${affected.package} '${range.vulnerable}' has no fix`,
            );
          else if (range.patched && hits(range.patched))
            wrong.push(`${a.id} ${affected.package}@${range.patched} matched`);
          checked += 1;
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it('says how it was compiled, and every compiled row names its record and an installed package', () => {
    const meta = dataset as BundledAdvisoryDataset & {
      advisories: Array<{
        id: string;
        origin?: { record: string; modified?: string };
        affected: Array<{ package: string }>;
      }>;
    };
    expect(meta.compiledFrom?.length).toBeGreaterThan(0);
    expect(meta.compiledFrom!.some(c => c.status === 'answered')).toBe(true);
    const root = path.resolve(__dirname, '../../../..');
    const installed = new Set<string>();
    for (const file of meta.coverage!.lockfiles) {
      const lock = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
      for (const [at, entry] of Object.entries<any>(lock.packages)) {
        if (at.includes('node_modules/') && !entry.link) {
          installed.add(
            entry.name ?? at.slice(at.lastIndexOf('node_modules/') + 13),
          );
        }
      }
    }
    const compiled = meta.advisories.filter(a => a.origin);
    expect(compiled.length).toBeGreaterThanOrEqual(20);
    for (const row of compiled) {
      expect(row.origin!.record).toContain(row.id);
      expect(row.origin!.modified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(row.affected.every(a => installed.has(a.package))).toBe(true);
    }
    // Third-party packages, not only @backstage/*.
    const packages = new Set(
      meta.advisories.flatMap(a => a.affected.map(x => x.package)),
    );
    expect(
      [...packages].filter(p => !p.startsWith('@backstage/')).length,
    ).toBeGreaterThanOrEqual(20);
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
