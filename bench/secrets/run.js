#!/usr/bin/env node
/*
 * Detection throughput and coverage of the catalog secret detector against secretlint 11 with
 * @secretlint/secretlint-rule-preset-recommend, on the same entity texts: every entity of the
 * fixture catalog (dev/fixtures/catalog) and of the demo catalog (dev/catalog), each serialised
 * as its own catalog-info.yaml, the corpus repeated to a few thousand entities.
 *
 *   node bench/secrets/run.js [--repeat 25] [--rounds 9]
 *
 * Our detector is TypeScript; it is loaded through sucrase's require hook (sucrase ships with
 * the repository's dev dependencies), untranspiled ahead of time. Three ways of ours are timed:
 *   - text:   detectSecrets() over the whole YAML text, the same input secretlint gets;
 *   - fields: detectSecrets() per string field of the parsed entity, with key-name context;
 *   - entity: the full per-entity analysis the checks run (secrets + sensitive references).
 * Times are medians over rounds after a warm-up round; the ratio is secretlint time divided by
 * ours, measured in the same run. Results go to bench/results/secrets.json.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

require('sucrase/register/ts');

const YAML = require('yaml');
const { ConfigReader } = require('@backstage/config');
const ROOT = path.resolve(__dirname, '../..');
const CATALOG_SRC = path.join(ROOT, 'plugins/security-posture-checks/src/catalog');
const { detectSecrets } = require(
  path.join(ROOT, 'plugins/static-analysis/src/secrets/secretDetectors.ts'),
);
const { entityStrings } = require(path.join(CATALOG_SRC, 'entityStrings.ts'));
const { analyzeEntityUncached, catalogCheckSettings } = require(path.join(
  CATALOG_SRC,
  'entityAnalysis.ts',
));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const REPEAT = arg('repeat', 25);
const ROUNDS = arg('rounds', 9);

// --- corpus ------------------------------------------------------------------------------------

function loadDir(dir, source) {
  return fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.yaml'))
    .flatMap(f => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')))
    .map(d => d.toJS())
    .filter(e => e && e.kind && e.metadata)
    .map(entity => ({
      source,
      entity,
      ref: `${entity.kind.toLowerCase()}:${entity.metadata.namespace ?? 'default'}/${
        entity.metadata.name
      }`,
      text: YAML.stringify(entity, { lineWidth: 0 }),
    }));
}

const fixtureExpected = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'dev/fixtures/catalog/expected.json'), 'utf8'),
);
const entities = [
  ...loadDir(path.join(ROOT, 'dev/fixtures/catalog/entities'), 'fixtures'),
  ...loadDir(path.join(ROOT, 'dev/catalog'), 'demo'),
];

/** Rows (entity ref, field path, kind, value cell) of one section of PLANTED-SECRETS.md. */
function plantedRows(sectionTitle) {
  const md = fs.readFileSync(path.join(ROOT, 'dev/catalog/PLANTED-SECRETS.md'), 'utf8');
  const rows = [];
  let section = '';
  for (const line of md.split('\n')) {
    if (line.startsWith('## ')) section = line;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map(c => c.trim());
    if (cells.length !== 4 || !cells[0].includes(':') || cells[0] === 'Entity ref') continue;
    if (section.includes(sectionTitle)) rows.push(cells);
  }
  return rows;
}

/** Planted secrets of the demo catalog. */
function demoPlanted() {
  return plantedRows('Fake leaked credentials').map(cells => ({
    entityRef: cells[0],
    path: cells[1],
    kind: cells[2].split(' ')[0].replace('url-with-credentials', 'url-credentials'),
    secret: (/secret part: `([^`]+)`/.exec(cells[3]) || /`([^`]+)`/.exec(cells[3]))[1],
    classification: 'secret',
  }));
}

/** The demo catalog's documentation examples: decoys since issue 14 (never reported). */
function demoExamples() {
  return plantedRows('Documentation example')
    .map(cells => ({ cells, value: (/`([^`]+)`/.exec(cells[3]) || [])[1] }))
    .filter(({ value }) => value)
    .map(({ cells, value }) => ({
      entityRef: cells[0],
      path: cells[1],
      value,
      decoy: 'documentation-example',
    }));
}

const planted = [
  ...fixtureExpected.secrets.map(s => ({ ...s, source: 'fixtures' })),
  ...demoPlanted().map(s => ({ ...s, source: 'demo' })),
];
const decoys = [
  ...demoExamples().map(d => ({ ...d, source: 'demo' })),
  ...fixtureExpected.decoys.map(d => ({ ...d, source: 'fixtures' })),
].filter(
  d =>
    !['ordinary-annotation', 'ordinary-label', 'ordinary-link', 'ordinary-host', 'email'].includes(
      d.decoy,
    ),
);

// In the YAML text a multi-line value (a PEM block) is indented; compare on its first line.
const probe = value => value.split('\n')[0];

// --- tools -------------------------------------------------------------------------------------

const settings = catalogCheckSettings(new ConfigReader({}));

const ours = {
  text: e => detectSecrets(e.text).map(m => [m.start, m.end]),
  fields: e => {
    const spans = [];
    for (const f of entityStrings(e.entity)) {
      for (const m of detectSecrets(f.value, { key: f.key, path: f.path, parent: f.parent })) {
        spans.push({ path: f.path, value: m.value });
      }
    }
    return spans;
  },
  entity: e => analyzeEntityUncached(e.entity, settings),
};

async function loadSecretlint() {
  const { lintSource } = await import('@secretlint/core');
  const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
  // secretlint's built-in profiler records a performance mark per rule and file and, in its
  // observer, searches every mark recorded so far for each new one: in a process that lints
  // thousands of texts that is quadratic, and it keeps the process spinning long after the last
  // lint. Profiling is not detection work, so its marks are switched off for the bench.
  const { secretLintProfiler } = await import('@secretlint/profiler');
  secretLintProfiler.mark = () => {};
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  return async e => {
    const result = await lintSource({
      source: {
        content: e.text,
        filePath: '/catalog-info.yaml',
        ext: '.yaml',
        contentType: 'text',
      },
      options: { config, maskSecrets: true, noPhysicFilePath: true },
    });
    return result.messages.map(m => ({ range: m.range, ruleId: m.ruleId }));
  };
}

async function time(run, corpus) {
  const started = performance.now();
  for (const e of corpus) await run(e);
  return performance.now() - started;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// --- coverage ----------------------------------------------------------------------------------

/** Character ranges of `value` in `text` (first line of it for multi-line values). */
function occurrences(text, value) {
  const needle = probe(value);
  const ranges = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
    ranges.push([i, i + needle.length]);
  }
  return ranges;
}
const overlaps = (a, b) => a[0] < b[1] && b[0] < a[1];

async function coverage(secretlint) {
  const byRef = new Map(entities.map(e => [`${e.source}|${e.ref}`, e]));
  const rows = [];
  const cache = new Map();
  const reportsOf = async e => {
    if (!cache.has(e)) {
      cache.set(e, {
        secretlint: (await secretlint(e)).map(m => m.range),
        text: ours.text(e),
        fields: ours.fields(e),
      });
    }
    return cache.get(e);
  };
  for (const p of planted) {
    const e = byRef.get(`${p.source}|${p.entityRef}`);
    if (!e) throw new Error(`planted secret in unknown entity ${p.entityRef}`);
    const reports = await reportsOf(e);
    const where = occurrences(e.text, p.secret);
    rows.push({
      source: p.source,
      kind: p.kind,
      classification: p.classification,
      secretlint: reports.secretlint.some(r => where.some(w => overlaps(r, w))),
      oursText: reports.text.some(r => where.some(w => overlaps(r, w))),
      oursFields: reports.fields.some(f => f.path === p.path && f.value === p.secret),
    });
  }
  const decoyRows = [];
  for (const d of decoys) {
    const e = byRef.get(`${d.source}|${d.entityRef}`);
    const reports = await reportsOf(e);
    const where = occurrences(e.text, d.value);
    decoyRows.push({
      decoy: d.decoy,
      secretlint: reports.secretlint.some(r => where.some(w => overlaps(r, w))),
      oursText: reports.text.some(r => where.some(w => overlaps(r, w))),
      oursFields: reports.fields.some(
        f => f.path === d.path && (d.value.includes(f.value) || f.value.includes(d.value)),
      ),
    });
  }
  return { rows, decoyRows };
}

// --- main --------------------------------------------------------------------------------------

async function main() {
  const secretlint = await loadSecretlint();
  const corpus = Array.from({ length: REPEAT }, () => entities).flat();
  const bytes = corpus.reduce((n, e) => n + Buffer.byteLength(e.text), 0);

  const tools = {
    secretlint,
    'ours (text)': ours.text,
    'ours (fields)': ours.fields,
    'ours (entity analysis)': ours.entity,
  };
  const samples = Object.fromEntries(Object.keys(tools).map(k => [k, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    // Interleaved, so drift of the machine affects every tool alike; round 0 warms up.
    for (const [name, run] of Object.entries(tools)) {
      const ms = await time(run, corpus);
      if (round > 0) samples[name].push(ms);
    }
  }
  const timing = Object.fromEntries(
    Object.entries(samples).map(([name, xs]) => {
      const ms = median(xs);
      return [
        name,
        {
          medianMs: Math.round(ms * 10) / 10,
          entitiesPerSecond: Math.round((corpus.length / ms) * 1000),
          mbPerSecond: Math.round((bytes / 1024 / 1024 / (ms / 1000)) * 100) / 100,
          roundsMs: xs.map(x => Math.round(x)),
        },
      ];
    }),
  );
  const ratio = name => Math.round((timing.secretlint.medianMs / timing[name].medianMs) * 10) / 10;

  const { rows, decoyRows } = await coverage(secretlint);
  const perKind = {};
  for (const r of rows) {
    const key = r.classification === 'example' ? `example:${r.kind}` : r.kind;
    perKind[key] ??= { planted: 0, secretlint: 0, oursText: 0, oursFields: 0 };
    perKind[key].planted += 1;
    for (const tool of ['secretlint', 'oursText', 'oursFields'])
      if (r[tool]) perKind[key][tool] += 1;
  }
  const decoyHits = { total: decoyRows.length, secretlint: 0, oursText: 0, oursFields: 0 };
  const decoyKinds = {};
  for (const d of decoyRows) {
    for (const tool of ['secretlint', 'oursText', 'oursFields']) {
      if (d[tool]) {
        decoyHits[tool] += 1;
        decoyKinds[tool] ??= {};
        decoyKinds[tool][d.decoy] = (decoyKinds[tool][d.decoy] ?? 0) + 1;
      }
    }
  }

  const result = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    loader: 'sucrase/register/ts',
    secretlint: {
      core: require('@secretlint/core/package.json').version,
      preset: require('@secretlint/secretlint-rule-preset-recommend/package.json').version,
    },
    corpus: {
      distinctEntities: entities.length,
      repeat: REPEAT,
      entities: corpus.length,
      megabytes: Math.round((bytes / 1024 / 1024) * 100) / 100,
      rounds: ROUNDS,
    },
    timing,
    speedup: {
      'secretlint / ours (text)': ratio('ours (text)'),
      'secretlint / ours (fields)': ratio('ours (fields)'),
      'secretlint / ours (entity analysis)': ratio('ours (entity analysis)'),
    },
    plantedFound: perKind,
    plantedTotals: {
      planted: rows.length,
      secretlint: rows.filter(r => r.secretlint).length,
      oursText: rows.filter(r => r.oursText).length,
      oursFields: rows.filter(r => r.oursFields).length,
    },
    decoysReported: decoyHits,
    decoysReportedByKind: decoyKinds,
    notes: [
      'A planted secret counts as found by secretlint or ours (text) when a reported range overlaps its first line in the YAML text; ours (fields) must report the exact value at the exact field path.',
      'Documentation examples (AKIAIOSFODNN7EXAMPLE and the like) are decoys: they must not be reported.',
      'Decoys exclude the ordinary-annotation/link/host/email decoys, which concern sensitive references.',
    ],
  };

  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(
    path.join(ROOT, 'bench/results/secrets.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );

  const pad = (s, n) => String(s).padEnd(n);
  console.log(
    `Corpus: ${corpus.length} entity texts (${entities.length} distinct x ${REPEAT}), ${result.corpus.megabytes} MB; median of ${ROUNDS} rounds`,
  );
  for (const [name, t] of Object.entries(timing)) {
    console.log(
      `  ${pad(name, 24)} ${pad(`${t.medianMs} ms`, 12)} ${pad(
        `${t.entitiesPerSecond} entities/s`,
        20,
      )} ${t.mbPerSecond} MB/s`,
    );
  }
  for (const [name, r] of Object.entries(result.speedup)) console.log(`  ${pad(name, 38)} x${r}`);
  console.log(
    '\nPlanted secrets found (per kind): planted / secretlint / ours (text) / ours (fields)',
  );
  for (const [kind, k] of Object.entries(perKind).sort()) {
    console.log(
      `  ${pad(kind, 32)} ${pad(k.planted, 4)} ${pad(k.secretlint, 4)} ${pad(k.oursText, 4)} ${
        k.oursFields
      }`,
    );
  }
  const t = result.plantedTotals;
  console.log(
    `  ${pad('total', 32)} ${pad(t.planted, 4)} ${pad(t.secretlint, 4)} ${pad(t.oursText, 4)} ${
      t.oursFields
    }`,
  );
  console.log(
    `\nDecoys reported (of ${decoyHits.total}): secretlint ${decoyHits.secretlint}, ours (text) ${decoyHits.oursText}, ours (fields) ${decoyHits.oursFields}`,
  );
  for (const [tool, kinds] of Object.entries(decoyKinds))
    console.log(`  ${tool}: ${JSON.stringify(kinds)}`);
  console.log('\nWrote bench/results/secrets.json');
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
