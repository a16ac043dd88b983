#!/usr/bin/env node
/*
 * CPU cost of the catalog entity checks (catalog/exposed-sensitive-entity,
 * catalog/leaked-secret, catalog/sensitive-reference) per entity, against baselines measured in
 * the same run on the same entities: JSON.stringify and structuredClone of each entity.
 *
 *   node bench/catalog-checks/run.js [--size 10k] [--rounds 5] [--seed N]
 *   node bench/catalog-checks/run.js --size 5k --record FILE   # findings, for before/after diffs
 *   node bench/catalog-checks/run.js --size 5k --compare FILE  # exits 1 when they differ
 *   ... [--config app-config.yaml]                             # the checks' options
 *   ... [--out FILE]                                           # timings as JSON
 *
 * Entities come from the seeded generator (bench/generate) plus the fixture catalog
 * (dev/fixtures/catalog) and the demo catalog (dev/catalog), with what the catalog adds on
 * ingestion (uid, etag, managed-by annotations, ownedBy relations). The checks are TypeScript,
 * loaded through sucrase's require hook. They run as the engine runs them: in id order on the
 * same entity object (the analysis is shared through a per-entity cache, so the first check of
 * the three pays for it), with each round on fresh copies of the entities so the cache is cold.
 * Timed per check: evaluate() alone, and evaluate() plus the engine's FindingFactory (masking,
 * scrubbing, fingerprints), which is what the scan report's per-check time includes.
 * Times are medians over rounds after a warm-up round. Nothing here is asserted.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { performance } = require('node:perf_hooks');

require('sucrase/register/ts');

const YAML = require('yaml');
const { ConfigReader } = require('@backstage/config');
const { generate } = require('../generate');

const ROOT = path.resolve(__dirname, '../..');
// The checks and the engine's FindingFactory live in @security-posture/checks.
const CHECKS_SRC = path.join(ROOT, 'plugins/security-posture-checks/src');
const { catalogChecks } = require(path.join(CHECKS_SRC, 'catalog/index.ts'));
const { analyzeEntityUncached, catalogCheckSettings } = require(path.join(
  CHECKS_SRC,
  'catalog/entityAnalysis.ts',
));
const { FindingFactory } = require(path.join(
  CHECKS_SRC,
  'engine/FindingFactory.ts',
));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s));
  if (!m) throw new Error(`bad --size ${s}`);
  return Math.round(
    Number(m[1]) * { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]],
  );
}
const SIZE = parseSize(arg('size', '10k'));
const ROUNDS = Number(arg('rounds', 5));
const SEED = arg('seed') === undefined ? undefined : Number(arg('seed'));
const RECORD = arg('record');
const COMPARE = arg('compare');

// --- corpus ------------------------------------------------------------------------------------

function loadDir(dir) {
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.yaml'))
    .sort()
    .flatMap(f =>
      YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')),
    )
    .map(d => d.toJS())
    .filter(e => e && e.kind && e.metadata);
}

/** What the catalog adds to an entity on ingestion (deterministic, from its position). */
function asIngested(entity, i) {
  const e = structuredClone(entity);
  const id = crypto
    .createHash('sha256')
    .update(`${i}:${e.kind}:${e.metadata.name}`)
    .digest('hex');
  e.metadata.namespace ??= 'default';
  e.metadata.uid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(
    12,
    16,
  )}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
  e.metadata.etag = id.slice(32, 48);
  e.metadata.annotations = {
    'backstage.io/managed-by-location': `file:/srv/catalog/catalog-${String(
      i % 997,
    ).padStart(3, '0')}.yaml`,
    'backstage.io/managed-by-origin-location': 'file:/srv/catalog/all.yaml',
    ...(e.metadata.annotations ?? {}),
  };
  const owner =
    e.spec && typeof e.spec.owner === 'string' ? e.spec.owner : undefined;
  if (owner) {
    const ref = owner.includes(':') ? owner : `group:default/${owner}`;
    e.relations = [
      { type: 'ownedBy', targetRef: ref.toLocaleLowerCase('en-US') },
    ];
  }
  return e;
}

function corpus() {
  const generated = generate({
    size: String(SIZE),
    templates: 0,
    seed: SEED,
  }).all;
  const fixtures = loadDir(path.join(ROOT, 'dev/fixtures/catalog/entities'));
  const demo = loadDir(path.join(ROOT, 'dev/catalog'));
  return [...fixtures, ...demo, ...generated].map(asIngested);
}

// --- running the checks as the engine does -----------------------------------------------------

// `--config FILE`: app-config (YAML) for the checks' options, e.g. custom sensitive-reference rules.
const config = new ConfigReader(
  arg('config') ? YAML.parse(fs.readFileSync(arg('config'), 'utf8')) : {},
);
const checks = [...catalogChecks].sort((a, b) =>
  a.meta.id.localeCompare(b.meta.id),
);

function contextFor() {
  return {
    config,
    logger: {
      info() {},
      warn() {},
      error() {},
      debug() {},
      child() {
        return this;
      },
    },
    instanceMetadata: { getInstalledPlugins: async () => [] },
    services: {},
    signal: new AbortController().signal,
    options: new ConfigReader({}),
    getPublished: async () => undefined,
  };
}

/** The engine's per-entity timeout wrapper for checks that return a promise. */
async function withTimeout(pending, timeoutMs, parent) {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort);
  let timer;
  try {
    return await Promise.race([
      pending,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
  }
}

async function runChecks(entities, { withFactory, collect }) {
  const factory = new FindingFactory();
  const scanSignal = new AbortController().signal;
  const states = checks.map(check => ({
    check,
    context: contextFor(),
    ms: 0,
    findings: 0,
    results: collect ? [] : undefined,
  }));
  for (const entity of entities) {
    for (const state of states) {
      const started = performance.now();
      const pending = state.check.evaluate(entity, state.context);
      const results =
        pending && typeof pending.then === 'function'
          ? await withTimeout(pending, 60_000, scanSignal)
          : pending;
      if (withFactory) {
        state.findings += factory.fromResults(
          state.check.meta,
          state.check.meta.defaultSeverity,
          results,
          entity,
        ).length;
      } else {
        state.findings += results.filter(
          r => r.outcome === 'fail' || r.outcome === 'error',
        ).length;
      }
      state.ms += performance.now() - started;
      if (collect) state.results.push(results);
    }
  }
  return states;
}

// --- recording and comparing findings ----------------------------------------------------------

async function findingsOf(entities) {
  const factory = new FindingFactory();
  const out = {};
  for (const check of checks) out[check.meta.id] = [];
  const states = checks.map(check => ({ check, context: contextFor() }));
  for (const entity of entities) {
    for (const { check, context } of states) {
      const results = await check.evaluate(entity, context);
      for (const f of factory.fromResults(
        check.meta,
        check.meta.defaultSeverity,
        results,
        entity,
      )) {
        out[check.meta.id].push(f);
      }
      // Results that do not become findings (pass, notApplicable) are compared too.
      for (const r of results) {
        if (r.outcome !== 'fail' && r.outcome !== 'error')
          out[check.meta.id].push({ result: r });
      }
    }
  }
  return out;
}

function digest(findings) {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(findings))
    .digest('hex');
}

// --- main --------------------------------------------------------------------------------------

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = x => Math.round(x * 10) / 10;

async function main() {
  const base = corpus();
  console.log(
    `Corpus: ${base.length} entities (${SIZE} generated + fixture and demo catalogs)`,
  );

  if (RECORD || COMPARE) {
    const findings = await findingsOf(base.map(e => structuredClone(e)));
    const summary = Object.fromEntries(
      Object.entries(findings).map(([id, list]) => [
        id,
        { count: list.length, sha256: digest(list) },
      ]),
    );
    for (const [id, s] of Object.entries(summary))
      console.log(`  ${id}: ${s.count} (${s.sha256.slice(0, 16)})`);
    if (RECORD) {
      fs.writeFileSync(
        RECORD,
        JSON.stringify({ size: SIZE, seed: SEED, summary, findings }),
      );
      console.log(`Recorded to ${RECORD}`);
      return;
    }
    const before = JSON.parse(fs.readFileSync(COMPARE, 'utf8'));
    let same = true;
    for (const [id, list] of Object.entries(findings)) {
      const old = before.findings[id] ?? [];
      if (digest(old) === digest(list)) continue;
      same = false;
      console.log(
        `  ${id}: DIFFERENT (${old.length} before, ${list.length} now)`,
      );
      for (let i = 0; i < Math.max(old.length, list.length); i++) {
        if (JSON.stringify(old[i]) !== JSON.stringify(list[i])) {
          console.log(
            `    first difference at #${i}:\n    before ${JSON.stringify(
              old[i],
            )}\n    now    ${JSON.stringify(list[i])}`,
          );
          break;
        }
      }
    }
    console.log(same ? 'Identical findings.' : 'Findings differ.');
    if (!same) process.exitCode = 1;
    return;
  }

  const settings = catalogCheckSettings(config);
  const samples = {};
  const push = (name, ms) => (samples[name] ??= []).push(ms);
  let findingCounts = {};
  for (let round = 0; round <= ROUNDS; round++) {
    const copies = base.map(e => structuredClone(e));
    let started = performance.now();
    for (const e of copies) JSON.stringify(e);
    const stringifyMs = performance.now() - started;
    started = performance.now();
    for (const e of copies) structuredClone(e);
    const cloneMs = performance.now() - started;
    started = performance.now();
    for (const e of copies) analyzeEntityUncached(e, settings);
    const analysisMs = performance.now() - started;
    const bare = await runChecks(copies, { withFactory: false });
    const withFactory = await runChecks(
      base.map(e => structuredClone(e)),
      { withFactory: true },
    );
    if (round === 0) continue; // warm-up
    push('JSON.stringify (baseline)', stringifyMs);
    push('structuredClone (baseline)', cloneMs);
    push('analysis (uncached)', analysisMs);
    for (const s of bare) push(`${s.check.meta.id}: evaluate`, s.ms);
    for (const s of withFactory)
      push(`${s.check.meta.id}: evaluate + FindingFactory`, s.ms);
    findingCounts = Object.fromEntries(
      withFactory.map(s => [s.check.meta.id, s.findings]),
    );
  }

  const stringify = median(samples['JSON.stringify (baseline)']);
  const per100k = ms => (ms / base.length) * 100_000;
  const pad = (s, n) => String(s).padEnd(n);
  console.log(
    `Median of ${ROUNDS} rounds after a warm-up; per-100k figures scaled linearly.\n`,
  );
  console.log(
    `  ${pad('', 58)} ${pad('ms', 10)} ${pad(
      'ms / 100k',
      12,
    )} × JSON.stringify`,
  );
  const rows = {};
  for (const [name, xs] of Object.entries(samples)) {
    const ms = median(xs);
    rows[name] = {
      medianMs: round1(ms),
      per100kMs: Math.round(per100k(ms)),
      vsStringify: round1(ms / stringify),
    };
    console.log(
      `  ${pad(name, 58)} ${pad(round1(ms), 10)} ${pad(
        Math.round(per100k(ms)),
        12,
      )} ${round1(ms / stringify)}×`,
    );
  }
  console.log('\nFindings per check:', JSON.stringify(findingCounts));
  const out = arg('out');
  if (!out) return;
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        node: process.version,
        loader: 'sucrase/register/ts',
        corpus: {
          entities: base.length,
          generated: SIZE,
          seed: SEED ?? 'default',
          rounds: ROUNDS,
        },
        timing: rows,
        findings: findingCounts,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`Wrote ${out}`);
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
