#!/usr/bin/env node
/*
 * Memory and throughput of the findings CSV export (`GET /export.csv`), focused: one fresh
 * database per engine (PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is
 * set, and SQLite), the plugin's migrations run by DatabasePostureStore.create, N open findings
 * bulk-inserted with bench/engine/findings.js (the rows the store writes), then:
 *
 *   - baseline: the same rows read in primary-key pages of 1,000 straight through knex (no CSV,
 *     no HTTP), as bench/engine/api.js measures it;
 *   - export:   an HTTP server with the `compression` middleware Backstage's root router installs
 *     (default options) and a route doing what the plugin's does (the CSV headers, then
 *     `pipeline(findingsCsv(store.streamFindings({}, { type: 'all' })), res)`), downloaded to the
 *     end by bench/engine/csvClient.js in another process, gzip (as browsers ask) and identity.
 *
 * Every measurement runs in a process of its own (so peaks do not mix), under Backstage's node
 * transform (the plugin is TypeScript source), with --expose-gc: a short warm-up export (the
 * critical findings only) compiles the code paths, garbage is collected, then peak RSS growth is
 * the kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs) minus the RSS just
 * before; heapUsed and external memory are sampled every 20 ms. Medians over rounds; ratios are
 * to the baseline of the same run. No timing is asserted anywhere.
 *
 *   source scripts/postgres-for-tests.sh
 *   node bench/csv/run.js [--rows 100000] [--rounds 3] [--db pg,sqlite] [--page 1000]
 *                         [--export-page N] [--csv path/to/another/csv.ts] [--out file.json]
 *
 * Results go to bench/results/csv.json.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../..');
const PLUGIN = path.join(ROOT, 'plugins/security-posture-backend');
const CSV_CLIENT = path.join(ROOT, 'bench/engine/csvClient.js');
const {
  parseArgs,
  median,
  roundAll,
  resetPeakRss,
  peakRss,
  MB,
  log,
  rawKeysetRead,
} = require('../engine/lib');

const PG_ENV = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

function runNode(args, nodeOptions = []) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeOptions, ...args],
      { maxBuffer: 64 * 1024 * 1024, cwd: ROOT },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${args[0]} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

/** Runs this script in a child process (TypeScript transform, --expose-gc) in `mode`. */
const child = (mode, options) =>
  runNode(
    [__filename, `--child=${mode}`, JSON.stringify(options)],
    ['--expose-gc', '-r', '@backstage/cli/config/nodeTransform.cjs'],
  );

function knexConfig(db) {
  if (db.client === 'pg') return { client: 'pg', connection: db.connection };
  return {
    client: 'better-sqlite3',
    connection: { filename: db.filename },
    useNullAsDefault: true,
  };
}

// --- child processes -------------------------------------------------------------------------

async function openStore(db, migrate) {
  const knex = require('knex')(knexConfig(db));
  const { DatabasePostureStore } = require(path.join(
    PLUGIN,
    'src/database/DatabasePostureStore.ts',
  ));
  const store = await DatabasePostureStore.create({
    database: { getClient: async () => knex, migrations: { skip: !migrate } },
  });
  return { knex, store };
}

/** Migrations through the store, then the findings, as the engine benchmark inserts them. */
async function setup({ db, rows }) {
  const { knex } = await openStore(db, true);
  const { insertFindings } = require('../engine/findings');
  const entityRefs = Array.from(
    { length: 2000 },
    (_, i) => `component:default/service-${i}`,
  );
  const owners = Array.from(
    { length: 60 },
    (_, i) => `group:default/team-${i}`,
  );
  const written = await insertFindings(knex, {
    count: rows,
    entityRefs,
    owners,
    openShare: 1,
  });
  if (db.client === 'pg') await knex.raw('analyze');
  await knex.destroy();
  return { written };
}

/** Starts the export route behind the compression middleware; resolves to its base URL. */
async function startServer(store, findingsCsv, pageSize) {
  const express = require('express');
  const compression = require('compression');
  const { pipeline } = require('node:stream/promises');
  const app = express();
  app.use(compression()); // what @backstage/backend-defaults' root router installs
  app.get('/export.csv', async (req, res, next) => {
    try {
      const query = req.query.severity
        ? { severity: [String(req.query.severity)] }
        : {};
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader(
        'Content-Disposition',
        'attachment; filename="security-posture-report.csv"',
      );
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      await pipeline(
        findingsCsv(store.streamFindings(query, { type: 'all' }, pageSize)),
        res,
      );
    } catch (error) {
      next(error);
    }
  });
  const server = await new Promise(resolve => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, baseUrl: `http://127.0.0.1:${server.address().port}` };
}

/** Peak RSS growth (VmHWM), heap and external peaks (sampled every 20 ms) of one operation. */
async function measure(fn) {
  global.gc();
  const before = process.memoryUsage();
  resetPeakRss();
  let heapPeak = before.heapUsed;
  let externalPeak = before.external;
  let rssSampled = before.rss;
  const sample = () => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapUsed);
    externalPeak = Math.max(externalPeak, m.external);
    rssSampled = Math.max(rssSampled, m.rss);
  };
  const timer = setInterval(sample, 20);
  const started = performance.now();
  let value;
  try {
    value = await fn();
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - started;
  sample();
  const rssPeak = Math.max(peakRss(), rssSampled);
  global.gc();
  const after = process.memoryUsage();
  return {
    value,
    ms,
    rssBeforeMb: before.rss / MB,
    peakRssGrowthMb: (rssPeak - before.rss) / MB,
    peakHeapGrowthMb: (heapPeak - before.heapUsed) / MB,
    peakExternalGrowthMb: (externalPeak - before.external) / MB,
    retainedHeapMb: (after.heapUsed - before.heapUsed) / MB,
  };
}

async function measureRaw({ db, pageSize }) {
  const { knex } = await openStore(db, false);
  const read = () => rawKeysetRead(knex, pageSize);
  await read(); // warm-up
  const result = await measure(read);
  await knex.destroy();
  return { ...result, rows: result.value, value: undefined };
}

async function measureExport({ db, encoding, pageSize, csvModule }) {
  const { knex, store } = await openStore(db, false);
  const { findingsCsv } = require(csvModule ??
    path.join(PLUGIN, 'src/service/csv.ts'));
  const { server, baseUrl } = await startServer(store, findingsCsv, pageSize);
  const download = query =>
    runNode([
      CSV_CLIENT,
      JSON.stringify({
        url: `${baseUrl}/export.csv${query}`,
        headers: { 'Accept-Encoding': encoding },
      }),
    ]);
  await download('?severity=critical'); // warm-up: a few thousand rows through every code path
  const result = await measure(() => download(''));
  server.close();
  await knex.destroy();
  if (result.value.status !== 200)
    throw new Error(`export.csv: ${result.value.status}`);
  return {
    ...result,
    rows: result.value.records,
    bytes: result.value.bytes,
    value: undefined,
  };
}

async function runChild(mode, options) {
  const fn = { setup, raw: measureRaw, export: measureExport }[mode];
  const result = await fn(options);
  process.stdout.write(JSON.stringify(result));
  // The pg pool and timers are gone; exit promptly anyway.
  process.exit(0);
}

// --- parent ----------------------------------------------------------------------------------

async function createDatabases(engines, runId) {
  const out = [];
  if (engines.includes('pg')) {
    const base = process.env[PG_ENV];
    if (!base) {
      log(
        `csv: ${PG_ENV} is not set, PostgreSQL skipped (source scripts/postgres-for-tests.sh)`,
      );
    } else {
      const name = `bench_csv_${runId}`;
      const admin = require('knex')({ client: 'pg', connection: base });
      await admin.raw(`create database ${name}`);
      await admin.destroy();
      const url = new URL(base);
      url.pathname = `/${name}`;
      out.push({
        engine: 'pg',
        db: { client: 'pg', connection: url.toString() },
        drop: async () => {
          const k = require('knex')({ client: 'pg', connection: base });
          await k.raw(`drop database if exists ${name}`);
          await k.destroy();
        },
      });
    }
  }
  if (engines.includes('sqlite')) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-csv-'));
    out.push({
      engine: 'sqlite',
      db: {
        client: 'better-sqlite3',
        filename: path.join(dir, 'security-posture.sqlite'),
      },
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    });
  }
  return out;
}

function summarise(runs) {
  const pick = key => median(runs.map(r => r[key]));
  return {
    rows: runs[0].rows,
    ms: pick('ms'),
    rowsPerSecond: runs[0].rows / (pick('ms') / 1000),
    peakRssGrowthMb: pick('peakRssGrowthMb'),
    peakRssGrowthMbEach: runs.map(r => r.peakRssGrowthMb),
    peakHeapGrowthMb: pick('peakHeapGrowthMb'),
    peakExternalGrowthMb: pick('peakExternalGrowthMb'),
    retainedHeapMb: pick('retainedHeapMb'),
    rssBeforeMb: pick('rssBeforeMb'),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const rows = Number(args.rows ?? 100_000);
  const rounds = Number(args.rounds ?? 3);
  const pageSize = Number(args.page ?? 1000);
  // The export's page size: the store's default unless given (to try others).
  const exportPage = args['export-page']
    ? Number(args['export-page'])
    : undefined;
  // Another findingsCsv to measure (e.g. an earlier version copied next to csv.ts).
  const csvModule = args.csv ? path.resolve(args.csv) : undefined;
  const engines = String(args.db ?? 'pg,sqlite').split(',');
  const runId = crypto.randomBytes(4).toString('hex');
  const databases = await createDatabases(engines, runId);
  const results = {
    rows,
    rounds,
    node: process.version,
    csv: args.csv ?? 'the plugin',
    engines: {},
  };
  try {
    for (const { engine, db } of databases) {
      log(`csv ${engine}: migrations and ${rows} findings`);
      await child('setup', { db, rows });
      const runs = { baseline: [], gzip: [], identity: [] };
      // Alternate the three measurements so drift affects them alike.
      for (let round = 0; round < rounds; round++) {
        runs.baseline.push(await child('raw', { db, pageSize }));
        const exportOptions = { db, pageSize: exportPage, csvModule };
        runs.gzip.push(
          await child('export', { ...exportOptions, encoding: 'gzip' }),
        );
        runs.identity.push(
          await child('export', { ...exportOptions, encoding: 'identity' }),
        );
        log(
          `csv ${engine} round ${round + 1}: peak RSS +${Math.round(
            runs.gzip[round].peakRssGrowthMb,
          )} MB gzip, +${Math.round(
            runs.identity[round].peakRssGrowthMb,
          )} MB identity, +${Math.round(
            runs.baseline[round].peakRssGrowthMb,
          )} MB raw read`,
        );
      }
      const baseline = summarise(runs.baseline);
      const gzip = summarise(runs.gzip);
      const identity = summarise(runs.identity);
      results.engines[engine] = {
        baseline: {
          what: 'primary-key-paged SELECT (1,000 per page), no CSV, no HTTP',
          ...baseline,
        },
        exportGzip: {
          what: 'GET /export.csv, gzip, read to the end by another process',
          ...gzip,
        },
        exportIdentity: { what: 'GET /export.csv, uncompressed', ...identity },
        ratio: {
          gzipRowsPerSecond: gzip.rowsPerSecond / baseline.rowsPerSecond,
          identityRowsPerSecond:
            identity.rowsPerSecond / baseline.rowsPerSecond,
          gzipPeakRssGrowthMinusBaselineMb:
            gzip.peakRssGrowthMb - baseline.peakRssGrowthMb,
          identityPeakRssGrowthMinusBaselineMb:
            identity.peakRssGrowthMb - baseline.peakRssGrowthMb,
        },
      };
    }
  } finally {
    for (const { drop } of databases) await drop().catch(() => {});
  }
  const rounded = roundAll(results);
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  const out = args.out
    ? path.resolve(args.out)
    : path.join(ROOT, 'bench/results/csv.json');
  fs.writeFileSync(out, `${JSON.stringify(rounded, null, 2)}\n`);
  for (const [engine, r] of Object.entries(rounded.engines)) {
    console.log(
      `${engine}: raw read ${Math.round(r.baseline.rowsPerSecond)} rows/s (+${
        r.baseline.peakRssGrowthMb
      } MB); ` +
        `export gzip ${Math.round(r.exportGzip.rowsPerSecond)} rows/s (${
          r.ratio.gzipRowsPerSecond
        }x) peak RSS +${r.exportGzip.peakRssGrowthMb} MB; ` +
        `identity ${Math.round(r.exportIdentity.rowsPerSecond)} rows/s (${
          r.ratio.identityRowsPerSecond
        }x) peak RSS +${r.exportIdentity.peakRssGrowthMb} MB`,
    );
  }
}

module.exports = { runChild };

if (require.main === module) {
  const childMode = process.argv.find(a => a.startsWith('--child='));
  const fail = error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  };
  if (childMode) {
    const options = JSON.parse(
      process.argv[process.argv.indexOf(childMode) + 1],
    );
    runChild(childMode.slice('--child='.length), options).catch(fail);
  } else {
    main().catch(fail);
  }
}
