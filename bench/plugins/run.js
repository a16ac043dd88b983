#!/usr/bin/env node
/* eslint-disable no-console */
/**
 * Benchmark of the plugins checks' matching: advisories and staleness over the demo portal's
 * full lockfile (package-lock.json, ~2,900 installed package copies) against an advisory dataset
 * scaled up to 10,000 advisories. Not part of `npm test`.
 *
 *   node bench/plugins/run.js [--advisories 10000] [--rounds 7] [--seed 7]
 *
 * The code under test is TypeScript; it is loaded through sucrase's require hook (found in
 * node_modules; tsx, ts-node and @swc/register are not installed). Everything is measured in the
 * same run and reported as ratios to the baseline, merely parsing the lockfile
 * (`parseNpmLockfile`: JSON.parse plus the walk over its entries). Medians over the rounds.
 * Writes bench/results/plugins.json.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const PLUGINS = path.join(ROOT, 'plugins/security-posture-checks/src/plugins');
const ADVISORIES = path.join(ROOT, 'plugins/static-analysis/src/advisories');
const RESULTS = path.join(ROOT, 'bench/results/plugins.json');

require(require.resolve('sucrase/register/ts', { paths: [ROOT] }));
const semver = require(require.resolve('semver', { paths: [ROOT] }));
const { parseNpmLockfile } = require(path.join(ADVISORIES, 'lockfile.ts'));
const { AdvisoryIndex, advisoriesFromBundledDataset, mergeAdvisories } = require(path.join(
  ADVISORIES,
  'advisories.ts',
));
const { versionsBehind } = require(path.join(PLUGINS, 'staleness.ts'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Small deterministic PRNG (mulberry32), so every run uses the same dataset. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEVERITIES = ['low', 'medium', 'high', 'critical'];

/**
 * The bundled advisories plus synthetic ones up to `total`: 80 % for packages of the lockfile
 * (so lookups hit and ranges are tested), 20 % for packages that are not installed. Each has
 * one to three ranges around the installed version: `<x`, `>=a <b`, prerelease bounds.
 */
function scaledAdvisories(lockedNames, installed, total, rnd) {
  const bundled = advisoriesFromBundledDataset(
    JSON.parse(
      fs.readFileSync(
        path.join(ROOT, 'plugins/security-posture-checks/data/backstage-advisories.json'),
        'utf8',
      ),
    ),
  );
  const advisories = [...bundled];
  const pick = list => list[Math.floor(rnd() * list.length)];
  for (let i = advisories.length; i < total; i += 1) {
    const installedTarget = rnd() < 0.8;
    const name = installedTarget ? pick(lockedNames) : `@bench/not-installed-${i}`;
    const base =
      semver.parse(installedTarget ? pick(installed.get(name)) : '1.4.2') ?? semver.parse('1.0.0');
    const ranges = [];
    const count = 1 + Math.floor(rnd() * 3);
    for (let r = 0; r < count; r += 1) {
      const major = Math.max(0, base.major - r);
      const minor = Math.floor(rnd() * (base.minor + 2));
      const patch = Math.floor(rnd() * (base.patch + 3)) + 1;
      const kind = rnd();
      if (kind < 0.3) {
        ranges.push({
          vulnerable: `<${major}.${minor}.${patch}`,
          patched: `${major}.${minor}.${patch}`,
        });
      } else if (kind < 0.85) {
        ranges.push({
          vulnerable: `>=${major}.${minor}.0 <${major}.${minor}.${patch}`,
          patched: `${major}.${minor}.${patch}`,
        });
      } else {
        ranges.push({
          vulnerable: `>=${major}.${minor}.0-next.0 <${major}.${minor}.${patch}`,
          patched: `${major}.${minor}.${patch}`,
        });
      }
    }
    advisories.push({
      id: `GHSA-bench-${String(i).padStart(5, '0')}`,
      aliases: [],
      severity: pick(SEVERITIES),
      summary: `synthetic advisory ${i}`,
      affected: [{ package: name, ranges }],
      sources: ['bundled'],
    });
  }
  return advisories;
}

/** Registry metadata for every installed package: its versions and 10–40 more around them. */
function syntheticMetadata(installed, rnd) {
  const metadata = new Map();
  for (const [name, versions] of installed) {
    const all = new Set(versions);
    const top = semver.parse(versions.slice().sort(semver.rcompare)[0]) ?? semver.parse('1.0.0');
    const extra = 10 + Math.floor(rnd() * 30);
    for (let i = 0; i < extra; i += 1) {
      all.add(
        `${top.major + Math.floor(rnd() * 2)}.${Math.floor(rnd() * (top.minor + 3))}.${Math.floor(
          rnd() * 10,
        )}`,
      );
    }
    const list = [...all].filter(v => semver.valid(v)).sort(semver.compare);
    metadata.set(name, { latest: list[list.length - 1], versions: list });
  }
  return metadata;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

function main() {
  const total = arg('advisories', 10000);
  const rounds = arg('rounds', 7);
  const rnd = random(arg('seed', 7));
  const lockfileText = fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8');

  const lock = parseNpmLockfile(lockfileText);
  const installed = new Map();
  for (const p of lock.packages) {
    if (!semver.valid(p.version)) continue;
    const list = installed.get(p.name) ?? [];
    if (!list.includes(p.version)) list.push(p.version);
    installed.set(p.name, list);
  }
  const names = [...installed.keys()];
  const advisories = scaledAdvisories(names, installed, total, rnd);
  const metadata = syntheticMetadata(installed, rnd);

  const samples = { parse: [], merge: [], index: [], match: [], staleness: [] };
  let matched = 0;
  let vulnerableCopies = 0;
  let behindPackages = 0;
  for (let round = 0; round < rounds; round += 1) {
    // Baseline: merely parsing the lockfile.
    const parsed = time(() => parseNpmLockfile(lockfileText));
    samples.parse.push(parsed.ms);

    // Merging by GHSA id (one source here) and compiling the ranges into the index.
    const merged = time(() => mergeAdvisories([advisories]));
    samples.merge.push(merged.ms);
    const indexed = time(() => new AdvisoryIndex(merged.result));
    samples.index.push(indexed.ms);
    const index = indexed.result;

    // Advisory matching: every installed copy of the lockfile, plus the upgrade to recommend.
    const matching = time(() => {
      let hits = 0;
      let copies = 0;
      for (const p of parsed.result.packages) {
        const found = index.match(p.name, p.version);
        if (!found.length) continue;
        copies += 1;
        hits += found.length;
        index.recommendUpgrade(p.name, p.version, metadata.get(p.name)?.versions);
      }
      return { hits, copies };
    });
    samples.match.push(matching.ms);
    matched = matching.result.hits;
    vulnerableCopies = matching.result.copies;

    // Staleness: versions behind latest for every installed package.
    const staleness = time(() => {
      let behind = 0;
      for (const [name, versions] of installed) {
        const meta = metadata.get(name);
        const highest = versions.slice().sort(semver.rcompare)[0];
        if (versionsBehind(highest, meta.latest, meta.versions)) behind += 1;
      }
      return behind;
    });
    samples.staleness.push(staleness.ms);
    behindPackages = staleness.result;
  }

  const parseMs = median(samples.parse);
  const result = {
    benchmark: 'plugins: advisory and staleness matching over the demo lockfile',
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    tsRunner:
      'sucrase/register/ts (tsx, ts-node, @swc/register not installed; esbuild also present)',
    rounds,
    lockfile: {
      file: 'package-lock.json',
      bytes: Buffer.byteLength(lockfileText),
      installedCopies: lock.packages.length,
      distinctPackages: installed.size,
    },
    advisories: {
      total: advisories.length,
      bundled: advisories.filter(a => !a.id.startsWith('GHSA-bench-')).length,
      ranges: advisories.reduce((n, a) => n + a.affected[0].ranges.length, 0),
      matches: matched,
      vulnerableCopies,
    },
    staleness: { packages: installed.size, behindLatest: behindPackages },
    medianMs: {
      parseLockfile: round(parseMs),
      mergeAdvisories: round(median(samples.merge)),
      buildIndex: round(median(samples.index)),
      matchAdvisories: round(median(samples.match)),
      staleness: round(median(samples.staleness)),
    },
    ratioToParsing: {
      mergeAdvisories: round(median(samples.merge) / parseMs),
      buildIndex: round(median(samples.index) / parseMs),
      matchAdvisories: round(median(samples.match) / parseMs),
      staleness: round(median(samples.staleness) / parseMs),
      matchingTotal: round(
        (median(samples.merge) +
          median(samples.index) +
          median(samples.match) +
          median(samples.staleness)) /
          parseMs,
      ),
    },
  };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

function round(n) {
  return Math.round(n * 100) / 100;
}

main();
