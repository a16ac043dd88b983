#!/usr/bin/env node
'use strict';

/**
 * `npm run bench`: the engine benchmarks (scan vs catalog stream, API latency and load, CSV
 * export) on a real backend per database, then the check-family benchmarks
 * (bench/{secrets,templates,plugins}/run.js), all folded into bench/results/latest.json and a
 * markdown table in bench/results/latest.md. Not part of `npm test`; nothing here asserts a
 * timing: every number is reported next to a baseline measured in the same run.
 *
 * Options:
 *   --size 1k,10k        catalog sizes (components+APIs+resources); 100k is opt-in (slow ingestion)
 *   --templates N        templates per catalog (default: 200, and 2000 with 100k)
 *   --db sqlite,pg       databases (default: sqlite, plus pg when a connection string is set:
 *                        BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING or POSTGRES_URL)
 *   --findings 1M        findings stored for the API measurements (default 1M)
 *   --api-size 10k       the catalog size whose backend the API measurements use (default: largest)
 *   --no-api             skip the API measurements
 *   --no-families        skip the check-family benchmarks
 *   --only-families      run only the check-family benchmarks (and fold them in)
 *   --fresh              re-generate and re-ingest catalogs instead of using the cached ones
 *   --rounds 3           scan/stream rounds per configuration
 *   --clean-cache        remove the cached catalogs (files and bench_cache_* databases) and exit
 *   --no-merge           drop earlier results of configurations not run this time (by default
 *                        they are kept, with their own date)
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { parseArgs, roundAll } = require('./engine/lib');
const { parseSize } = require('./generate');
const { renderMarkdown } = require('./engine/report');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const FAMILIES = ['secrets', 'templates', 'plugins', 'advisories', 'detections'];
const TRANSFORM = require.resolve('@backstage/cli/config/nodeTransform.cjs', {
  paths: [ROOT],
});

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs a node script with the repo root as cwd; stderr streams through. */
function runNode(args, { timeoutMs, env } = {}) {
  return new Promise(resolve => {
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', chunk => {
      stdout += chunk;
    });
    let timedOut = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, timeoutMs)
      : undefined;
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, ms: Date.now() - started });
    });
  });
}

function familyScript(family) {
  for (const name of ['run.js', 'index.js', 'run.ts', 'index.ts']) {
    const file = path.join(__dirname, family, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

async function runFamilies(startedAt) {
  const out = {};
  for (const family of FAMILIES) {
    const script = familyScript(family);
    const resultFile = path.join(RESULTS, `${family}.json`);
    let run;
    if (script) {
      log(`family ${family}: ${path.relative(ROOT, script)}`);
      const args = script.endsWith('.ts')
        ? ['-r', TRANSFORM, script]
        : [script];
      run = await runNode(args, { timeoutMs: 15 * 60_000 });
      if (run.code !== 0)
        log(
          `family ${family} exited with ${
            run.timedOut ? 'a timeout' : run.code
          }`,
        );
    }
    let result;
    let stale = false;
    if (fs.existsSync(resultFile)) {
      result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
      stale = fs.statSync(resultFile).mtimeMs < startedAt;
    }
    out[family] = {
      script: script ? path.relative(ROOT, script) : null,
      exitCode: run?.code ?? null,
      ms: run?.ms ?? null,
      // A result file older than this run was not refreshed by it (script missing or failed).
      stale,
      result: result ?? null,
    };
  }
  return out;
}

async function runEngine(options) {
  const suites = [];
  const sizes = options.sizes;
  const apiSize = options.apiSize ?? sizes[sizes.length - 1];
  for (const db of options.dbs) {
    for (const size of sizes) {
      const templates =
        options.templates ?? (parseSize(size) >= 100_000 ? 2000 : 200);
      const withApi = options.api && size === apiSize;
      const outFile = path.join(
        os.tmpdir(),
        `sp-bench-${process.pid}-${db}-${size}.json`,
      );
      const args = [
        '--expose-gc',
        '-r',
        TRANSFORM,
        path.join(__dirname, 'engine/suite.js'),
        '--db',
        db,
        '--size',
        size,
        '--templates',
        String(templates),
        '--rounds',
        String(options.rounds),
        '--findings',
        String(options.findings),
        '--out',
        outFile,
        ...(withApi ? ['--api'] : []),
        ...(options.fresh ? ['--fresh'] : []),
      ];
      log(
        `engine: ${db}, ${size} entities + ${templates} templates${
          withApi ? ', API with ' + options.findings + ' findings' : ''
        }`,
      );
      const run = await runNode(args, { timeoutMs: options.suiteTimeoutMs });
      if (run.code === 0 && fs.existsSync(outFile)) {
        suites.push({
          ...JSON.parse(fs.readFileSync(outFile, 'utf8')),
          measuredAt: new Date().toISOString(),
          suiteMs: run.ms,
        });
        fs.rmSync(outFile);
      } else {
        suites.push({
          db,
          size,
          templates,
          measuredAt: new Date().toISOString(),
          error: run.timedOut
            ? `timed out after ${run.ms} ms`
            : `exited with ${run.code}`,
        });
      }
    }
  }
  return suites;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const postgresUrl =
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
    process.env.POSTGRES_URL;
  const dbs = args.db
    ? String(args.db).split(',')
    : ['sqlite', ...(postgresUrl ? ['pg'] : [])];
  if (dbs.includes('pg') && !postgresUrl) {
    throw new Error(
      'PostgreSQL needs BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING or POSTGRES_URL (source scripts/postgres-for-tests.sh)',
    );
  }
  const options = {
    sizes: String(args.size ?? '1k,10k').split(','),
    templates: args.templates ? parseSize(args.templates) : undefined,
    dbs,
    findings: parseSize(args.findings ?? '1M'),
    apiSize: args['api-size'],
    api: !args['no-api'],
    rounds: Number(args.rounds ?? 3),
    fresh: Boolean(args.fresh),
    suiteTimeoutMs: Number(args['suite-timeout-min'] ?? 120) * 60_000,
  };
  if (args['clean-cache']) {
    // Loaded lazily: it needs the node transform only for the backend, not for cleaning.
    const { cleanCache } = require('./engine/catalogSetup');
    await cleanCache({ postgresUrl });
    log('removed the cached catalogs');
    return;
  }
  const startedAt = Date.now();
  fs.mkdirSync(RESULTS, { recursive: true });

  const previous = fs.existsSync(path.join(RESULTS, 'latest.json'))
    ? JSON.parse(fs.readFileSync(path.join(RESULTS, 'latest.json'), 'utf8'))
    : undefined;
  const measured = args['only-families'] ? [] : await runEngine(options);
  if (dbs.includes('pg') && !args['only-families']) {
    const { dropRunDatabases } = require('./engine/catalogSetup');
    const dropped = await dropRunDatabases(postgresUrl);
    if (dropped.length)
      log(`dropped leftover run databases: ${dropped.join(', ')}`);
  }
  // Configurations not re-run this time keep their earlier results (each row shows its date),
  // so an opt-in `--size 100k` run adds to the standard table instead of replacing it.
  const key = s => `${s.db}/${s.size}/${s.templates}`;
  const rerun = new Set(measured.map(key));
  const kept = args['no-merge']
    ? []
    : (previous?.engine ?? []).filter(s => !rerun.has(key(s)));
  const order = s => [s.db === 'pg' ? 1 : 0, parseSize(s.size)];
  // A configuration re-run without the API part keeps its earlier API results, with their date.
  const withEarlierApi = measured.map(s => {
    const before = (previous?.engine ?? []).find(p => key(p) === key(s));
    if (s.api || s.error || args['no-merge'] || !before?.api) return s;
    return {
      ...s,
      api: before.api,
      apiMeasuredAt: before.apiMeasuredAt ?? before.measuredAt,
    };
  });
  const engine = [...kept, ...withEarlierApi].sort((a, b) => {
    const [da, sa] = order(a);
    const [db, sb] = order(b);
    return da - db || sa - sb;
  });
  // Family results not re-run this time are kept too (each shows its own date).
  const families = args['no-families']
    ? previous?.families ?? {}
    : await runFamilies(startedAt);

  const cpu = os.cpus();
  const result = roundAll({
    date: new Date().toISOString(),
    durationMs: Date.now() - startedAt,
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model,
      memoryGb: os.totalmem() / 1024 ** 3,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverageAtEnd: os.loadavg(),
    },
    options: { ...options, postgres: Boolean(postgresUrl) },
    engine,
    families,
  });
  if (!postgresUrl && !args.db) {
    result.notes = [
      'PostgreSQL not measured: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (source scripts/postgres-for-tests.sh)',
    ];
  }
  fs.writeFileSync(
    path.join(RESULTS, 'latest.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(RESULTS, 'latest.md'), renderMarkdown(result));
  log(
    `wrote bench/results/latest.json and latest.md in ${Math.round(
      (Date.now() - startedAt) / 1000,
    )} s`,
  );
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
