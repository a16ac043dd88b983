'use strict';

/**
 * One engine benchmark configuration in a process of its own (so peak RSS belongs to it alone):
 * a real backend on one database with one generated catalog; scan vs catalog stream; optionally
 * the API measurements with many findings stored. Started by bench/run.js under Backstage's node
 * transform:
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs bench/engine/suite.js \
 *     --db sqlite|pg --size 10k --templates 200 [--api] [--findings 1000000] --out result.json
 */

const fs = require('node:fs');
const os = require('node:os');
const { startWithCatalog } = require('./catalogSetup');
const {
  measureFirstScans,
  measureScan,
  measureRescan,
  measureResponsiveness,
} = require('./scan');
const { measureApi } = require('./api');
const { parseSize, DEFAULT_SEED } = require('../generate');
const { log, parseArgs, roundAll } = require('./lib');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const dbKind = args.db ?? 'sqlite';
  const size = args.size ?? '1k';
  const templates = parseSize(args.templates ?? '200');
  const seed = args.seed ? Number(args.seed) : DEFAULT_SEED;
  const postgresUrl =
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??
    process.env.POSTGRES_URL;
  if (dbKind === 'pg' && !postgresUrl)
    throw new Error('PostgreSQL needs a connection string');

  const result = {
    db: dbKind,
    size,
    templates,
    seed,
    node: process.version,
    cpus: os.cpus().length,
    loadAverageAtStart: os.loadavg(),
  };
  log(`suite ${dbKind} ${size} entities + ${templates} templates`);
  const setup = await startWithCatalog({
    dbKind,
    size,
    templates,
    seed,
    postgresUrl,
    fresh: Boolean(args.fresh),
    cacheRoot: args['cache-dir'],
    // e.g. debug: the scan's phase timings (the backend logs to this process's stdout)
    logLevel: process.env.BENCH_BACKEND_LOG_LEVEL,
  });
  // BENCH_ELD_SERIES=<file>: the event loop's delay every 100 ms (epoch ms, max, p99), to
  // tell a blocked event loop from a slow database when a probed request is slow.
  const eld = process.env.BENCH_ELD_SERIES
    ? require('node:perf_hooks').monitorEventLoopDelay({ resolution: 5 })
    : undefined;
  if (eld) {
    const eldSeries = [];
    const eldTimer = setInterval(() => {
      eldSeries.push([Date.now(), eld.max / 1e6, eld.percentile(99) / 1e6]);
      eld.reset();
    }, 100);
    eldTimer.unref();
    eld.enable();
    process.on('exit', () => {
      clearInterval(eldTimer);
      fs.writeFileSync(process.env.BENCH_ELD_SERIES, JSON.stringify(eldSeries));
    });
  }
  let ok = false;
  try {
    result.catalog = {
      counts: setup.data.counts,
      entitiesServed: setup.expected,
      generateMs: setup.data.generateMs,
      backendStartMs: setup.backendStartMs,
      ingestion: setup.ingestion,
    };
    // `--first-scans N`: only scans into an empty store, N of them (see measureFirstScans).
    if (args['first-scans']) {
      result.firstScans = await measureFirstScans({
        backend: setup.backend,
        rounds: Number(args['first-scans']),
      });
      result.loadAverageAtEnd = os.loadavg();
      fs.writeFileSync(args.out, JSON.stringify(roundAll(result), null, 2));
      return;
    }
    // `--responsiveness N`: one full scan (so the store holds its results), then only the
    // responsiveness measurement with N scans (for comparing builds back to back).
    if (args.responsiveness) {
      await measureScan({ backend: setup.backend, expected: setup.expected, rounds: 1 });
      result.responsiveness = await measureResponsiveness({
        backend: setup.backend,
        rounds: Number(args.responsiveness),
      });
      result.loadAverageAtEnd = os.loadavg();
      fs.writeFileSync(args.out, JSON.stringify(roundAll(result), null, 2));
      return;
    }
    result.scan = await measureScan({
      backend: setup.backend,
      expected: setup.expected,
      rounds: Number(args.rounds ?? 3),
    });

    result.rescan = await measureRescan({
      backend: setup.backend,
      rounds: Number(args.rounds ?? 3),
    });

    // After the rescans (which need the full scans' last pass): a full scan of its own.
    result.responsiveness = await measureResponsiveness({
      backend: setup.backend,
      rounds: Number(args.rounds ?? 3),
    });

    // Sanity, not a detection benchmark: the scan found the planted fake credentials.
    const leaked = await setup.backend.getJson(
      '/api/security-posture/findings?checkId=catalog/leaked-secret&limit=1',
    );
    result.scan.plantedSecrets = {
      planted:
        setup.data.counts.plantedSecrets +
        setup.data.counts.documentationExamples,
      leakedSecretFindings: leaked.totalItems,
    };

    if (args.api) {
      result.api = await measureApi({
        backend: setup.backend,
        csvFindings: Number(args['csv-findings'] ?? 100_000),
        totalFindings: Number(args.findings ?? 1_000_000),
        connections: Number(args.connections ?? 8),
      });
    }
    result.loadAverageAtEnd = os.loadavg();
    ok = true;
  } finally {
    await setup
      .finish({ keep: true })
      .catch(e => log(`cleanup failed: ${e.message}`));
  }
  if (ok) fs.writeFileSync(args.out, JSON.stringify(roundAll(result), null, 2));
}

main().then(
  () => process.exit(0),
  error => {
    log(`suite failed: ${error.stack ?? error}`);
    process.exit(1);
  },
);
