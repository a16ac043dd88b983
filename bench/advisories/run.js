#!/usr/bin/env node
/* eslint-disable no-console */
/**
 * Benchmark of advisory matching over the whole installed tree when the live source (OSV) is
 * served from its per-scan cache: the repository's package-lock.json (~3,000 installed package
 * copies), an OSV stand-in on 127.0.0.1 holding records for a share of them, one cold query to
 * fill the cache, then per round: the cached query, merging with the bundled dataset, building
 * the index and matching every installed copy. Not part of `npm test`; no timing is asserted.
 *
 *   node bench/advisories/run.js [--records 300] [--rounds 9] [--seed 11]
 *
 * The baseline, measured in the same run, is merely parsing the lockfile (`parseNpmLockfile`);
 * the goal of issue 22 is matching from cache within 2x of it. Medians over the rounds. Writes
 * bench/results/advisories.json.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const PLUGINS = path.join(ROOT, 'plugins/security-posture-checks/src/plugins');
const ADVISORIES = path.join(ROOT, 'plugins/static-analysis/src/advisories');
const RESULTS = path.join(ROOT, 'bench/results/advisories.json');

require(require.resolve('sucrase/register/ts', { paths: [ROOT] }));
const { parseNpmLockfile } = require(path.join(ADVISORIES, 'lockfile.ts'));
const { AdvisoryIndex, advisoriesFromBundledDataset, mergeAdvisories } = require(path.join(
  ADVISORIES,
  'advisories.ts',
));
const { OsvCache, osvAdvisorySource } = require(path.join(PLUGINS, 'osvSource.ts'));
const { osvRecord, startOsvStandIn } = require(path.join(PLUGINS, 'osvStandIn.ts'));
const { createRandom } = require('../generate/random');
const { median, round } = require('../engine/lib');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function time(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/** Installed versions per package name, as the plugins checks ask the live sources. */
function queriesOf(lock) {
  const versions = new Map();
  for (const p of lock.packages) {
    const list = versions.get(p.name) ?? new Set();
    list.add(p.version);
    versions.set(p.name, list);
  }
  return [...versions].map(([name, set]) => ({ name, versions: [...set] }));
}

/** Records for `count` installed name@versions: each affects its version, fixed one patch up. */
function recordsFor(queries, count, random) {
  const records = [];
  const SEVERITIES = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL'];
  for (let i = 0; i < count; i += 1) {
    const q = random.pick(queries);
    const version = q.versions[0];
    const [major, minor, patch] = version.split(/[.-]/).map(Number);
    if ([major, minor, patch].some(Number.isNaN)) continue;
    records.push(
      osvRecord({
        id: `GHSA-bnch-${String(i).padStart(4, '0').replace(/[01]/g, 'x')}-mmmm`,
        pkg: q.name,
        ranges: [[`${major}.${minor}.0`, `${major}.${minor}.${patch + 1}`]],
        severity: SEVERITIES[i % SEVERITIES.length],
      }),
    );
  }
  return records;
}

async function main() {
  const rounds = arg('rounds', 9);
  const random = createRandom(arg('seed', 11));
  const lockfileText = fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8');
  const lock = parseNpmLockfile(lockfileText);
  const queries = queriesOf(lock);
  const records = recordsFor(queries, arg('records', 300), random);
  const bundled = advisoriesFromBundledDataset(
    JSON.parse(
      fs.readFileSync(
        path.join(ROOT, 'plugins/security-posture-checks/data/backstage-advisories.json'),
        'utf8',
      ),
    ),
  );

  const standIn = await startOsvStandIn(records);
  try {
    const cache = new OsvCache();
    const source = osvAdvisorySource({ baseUrl: standIn.url, cache });
    const context = { fetch, signal: new AbortController().signal, requestTimeoutMs: 30_000 };
    const cold = await time(() => source.query(queries, context));
    if (cold.result.problems.length) throw new Error(cold.result.problems.join('; '));
    const requests = () => standIn.batches().length + standIn.recordReads().length;
    const coldRequests = requests();

    const samples = { parse: [], cachedQuery: [], merge: [], index: [], match: [] };
    let answer;
    let vulnerableCopies = 0;
    for (let r = 0; r < rounds; r += 1) {
      samples.parse.push((await time(() => parseNpmLockfile(lockfileText))).ms);
      const cached = await time(() => source.query(queries, context));
      answer = cached.result;
      samples.cachedQuery.push(cached.ms);
      const merged = await time(() => mergeAdvisories([bundled, answer.advisories]));
      samples.merge.push(merged.ms);
      const indexed = await time(() => new AdvisoryIndex(merged.result));
      samples.index.push(indexed.ms);
      const matched = await time(() => {
        let copies = 0;
        for (const p of lock.packages) {
          if (indexed.result.match(p.name, p.version).length) copies += 1;
        }
        return copies;
      });
      samples.match.push(matched.ms);
      vulnerableCopies = matched.result;
    }
    // The rounds must have been served from the cache: not one more request to the stand-in.
    if (requests() !== coldRequests) {
      throw new Error(`the rounds asked OSV again (${requests() - coldRequests} requests)`);
    }

    const parseMs = median(samples.parse);
    const fromCache =
      median(samples.cachedQuery) + median(samples.merge) + median(samples.index) + median(samples.match);
    const result = {
      benchmark: 'advisories: matching the whole installed tree with OSV served from the per-scan cache',
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model,
      cpus: os.cpus().length,
      rounds,
      tree: {
        file: 'package-lock.json',
        installedCopies: lock.packages.length,
        distinctVersions: queries.reduce((n, q) => n + q.versions.length, 0),
      },
      osv: {
        records: records.length,
        coldQueryMs: round(cold.ms),
        httpRequestsOfTheColdQuery: coldRequests,
        httpRequestsInTheRounds: requests() - coldRequests,
        cacheHitsPerRound: answer.cacheHits,
      },
      advisories: { bundled: bundled.length, fromOsv: answer.advisories.length, vulnerableCopies },
      medianMs: {
        parseLockfile: round(parseMs),
        cachedQuery: round(median(samples.cachedQuery)),
        merge: round(median(samples.merge)),
        buildIndex: round(median(samples.index)),
        match: round(median(samples.match)),
      },
      ratioToParsing: {
        cachedQuery: round(median(samples.cachedQuery) / parseMs),
        merge: round(median(samples.merge) / parseMs),
        buildIndex: round(median(samples.index) / parseMs),
        match: round(median(samples.match) / parseMs),
        matchingFromCacheTotal: round(fromCache / parseMs),
      },
      goal: 'matchingFromCacheTotal within 2x of parsing the lockfile (issue 22)',
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await standIn.close();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
