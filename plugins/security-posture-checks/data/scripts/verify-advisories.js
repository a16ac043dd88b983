#!/usr/bin/env node
/*
 * Verifies data/backstage-advisories.json against the npm registry and writes the result into
 * each row's `verification` field:
 *  - every range is valid npm semver and the ranges of a package do not overlap;
 *  - every patched version is outside all vulnerable ranges of its package and is the upper
 *    bound (`<X`) of its range;
 *  - which patched versions, and how many vulnerable versions, the registry knows;
 *  - where the package is installed in this repository: whether its CHANGELOG.md has a section
 *    for each patched version, and under which version the advisory's fix commits appear;
 *  - for rows compiled from a record (`origin`), that the row has the record's id and dates.
 * A range without a patched version is allowed only as `<=last affected` (no fix published).
 *
 * Usage: node data/scripts/verify-advisories.js [--registry https://registry.npmjs.org]
 */
const fs = require('node:fs');
const path = require('node:path');
const semver = require('semver');

const file = path.resolve(__dirname, '..', 'backstage-advisories.json');
const registryArg = process.argv.indexOf('--registry');
const registry = registryArg > 0 ? process.argv[registryArg + 1] : 'https://registry.npmjs.org';
const options = { includePrerelease: true };
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

/** Version headings of an installed package's CHANGELOG.md and the commits under each. */
function changelogOf(name) {
  const changelog = path.join(repoRoot, 'node_modules', name, 'CHANGELOG.md');
  if (!fs.existsSync(changelog)) return undefined;
  const sections = new Map();
  let current;
  for (const line of fs.readFileSync(changelog, 'utf8').split('\n')) {
    if (line.startsWith('## ')) {
      current = line.slice(3).trim();
      sections.set(current, []);
    } else if (current) {
      const commit = /^- ([0-9a-f]{7}):/.exec(line);
      if (commit) sections.get(current).push(commit[1]);
    }
  }
  return sections;
}

async function packument(name) {
  // Scoped names keep their `@` and encode the slash; unscoped names are used as they are.
  const url = name.startsWith('@')
    ? `${registry}/@${encodeURIComponent(name.slice(1))}`
    : `${registry}/${encodeURIComponent(name)}`;
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function main() {
  const dataset = JSON.parse(fs.readFileSync(file, 'utf8'));
  const cache = new Map();
  const versionsOf = async name => {
    if (!cache.has(name)) {
      const doc = await packument(name);
      cache.set(name, doc ? Object.keys(doc.versions ?? {}) : undefined);
    }
    return cache.get(name);
  };
  const checkedAt = new Date().toISOString().slice(0, 10);
  let problems = 0;

  for (const advisory of dataset.advisories) {
    const notes = [];
    let consistent = true;
    for (const affected of advisory.affected) {
      const known = await versionsOf(affected.package);
      const compiled = [];
      for (const range of affected.ranges) {
        let parsed;
        try {
          parsed = new semver.Range(range.vulnerable, options);
        } catch {
          consistent = false;
          notes.push(`${affected.package}: invalid range '${range.vulnerable}'`);
          continue;
        }
        compiled.push({ range, parsed });
        if (!range.patched && !/<=\s*\S+$/.test(range.vulnerable)) {
          notes.push(`${affected.package}: '${range.vulnerable}' has no fixed version`);
        }
        const upper = parsed.set[0].find(c => c.operator === '<');
        if (range.patched && (!upper || upper.semver.version !== range.patched)) {
          consistent = false;
          notes.push(
            `${affected.package}: patched ${range.patched} is not the end of '${range.vulnerable}'`,
          );
        }
      }
      for (const { range } of compiled) {
        if (!range.patched) continue;
        const inside = compiled.find(c => c.parsed.test(range.patched));
        if (inside) {
          consistent = false;
          notes.push(
            `${affected.package}: patched ${range.patched} lies inside '${inside.range.vulnerable}'`,
          );
        }
      }
      for (let i = 0; i < compiled.length; i += 1) {
        for (let j = i + 1; j < compiled.length; j += 1) {
          if (compiled[i].parsed.intersects(compiled[j].parsed, options)) {
            consistent = false;
            notes.push(
              `${affected.package}: '${compiled[i].range.vulnerable}' overlaps '${compiled[j].range.vulnerable}'`,
            );
          }
        }
      }
      const changelog = changelogOf(affected.package);
      if (changelog) {
        const headed = affected.ranges
          .map(r => r.patched)
          .filter(Boolean)
          .map(p => `${p} ${changelog.has(p) ? 'has a section' : 'has no section'}`);
        const commits = (advisory.fixCommits ?? []).map(commit => {
          const versions = [...changelog]
            .filter(([, list]) => list.includes(commit))
            .map(([version]) => version)
            .filter(v => !semver.prerelease(v));
          return `${commit} ${
            versions.length ? `listed under ${versions.join(', ')}` : 'not listed'
          }`;
        });
        notes.push(
          `${affected.package} CHANGELOG (installed copy): ${[...headed, ...commits].join('; ')}`,
        );
      }
      if (!known) {
        notes.push(`${affected.package}: not in the registry`);
        continue;
      }
      const patched = affected.ranges.map(r => r.patched).filter(Boolean);
      const present = patched.filter(p => known.includes(p));
      const vulnerable = known.filter(v => compiled.some(c => c.parsed.test(v)));
      notes.push(
        `${affected.package}: patched ${patched.join('/')}: ${
          present.length === patched.length
            ? 'all published'
            : `published: ${present.join('/') || 'none'} (registry knows ${known.length} versions)`
        }; ${vulnerable.length} of ${known.length} known versions vulnerable`,
      );
    }
    if (advisory.origin) {
      const { record, modified } = advisory.origin;
      if (!String(record).includes(advisory.id)) {
        consistent = false;
        notes.push(`origin ${record} does not name ${advisory.id}`);
      } else {
        notes.push(`compiled from ${record}${modified ? ` (modified ${modified})` : ''}`);
      }
    }
    if (!consistent) problems += 1;
    advisory.verification = {
      checkedAt,
      registry,
      rangesConsistent: consistent,
      notes,
    };
  }
  dataset.verifiedAt = checkedAt;
  fs.writeFileSync(file, `${JSON.stringify(dataset, null, 2)}\n`);
  console.log(
    `${dataset.advisories.length} advisories verified, ${problems} with inconsistent ranges`,
  );
  process.exitCode = problems ? 1 : 0;
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
