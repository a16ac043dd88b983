'use strict';

/**
 * Puts a generated catalog into a real catalog backend and keeps the ingested catalog database
 * for later runs.
 *
 * Ingestion goes through the catalog's normal processing (file locations → processing →
 * stitching). That is slow (tens of entities per second on 2 cores, see README), so the ingested
 * catalog database is cached per (generator version, seed, size, templates): SQLite as a file
 * copy, PostgreSQL as a template database. A cached run still starts the real catalog on that
 * database; only the ingestion is skipped (and its time is taken from the run that ingested).
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { writeCatalogFiles } = require('../generate');
const { startBenchBackend } = require('./backend');
const { log, sleep } = require('./lib');

const GENERATOR_DIR = path.resolve(__dirname, '../generate');
const DEFAULT_CACHE_ROOT = path.join(
  os.tmpdir(),
  'security-posture-bench-cache',
);

/** Changes to the generator (or the catalog backend version) invalidate cached catalogs. */
function generatorVersion() {
  const hash = crypto.createHash('sha256');
  for (const file of fs.readdirSync(GENERATOR_DIR).sort()) {
    // Whitespace does not change what is generated (reformatting keeps the cache).
    if (file.endsWith('.js')) {
      hash.update(
        fs
          .readFileSync(path.join(GENERATOR_DIR, file), 'utf8')
          .replace(/\s+/g, ''),
      );
    }
  }
  hash.update(
    require('@backstage/plugin-catalog-backend/package.json').version,
  );
  return hash.digest('hex').slice(0, 10);
}

function pgConnection(url) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

async function withPgAdmin(connection, fn) {
  const { Client } = require('pg');
  const client = new Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = name => `"${name.replace(/"/g, '""')}"`;

/**
 * Starts a backend on the catalog for `options` (ingesting it if no cached copy exists).
 * Returns { backend, data, ingestion, finish() }; `finish()` stops the backend, keeps the
 * catalog database as the cache and removes everything else of the run.
 */
async function startWithCatalog(options) {
  const { dbKind, size, templates, seed, fresh } = options;
  const cacheRoot = options.cacheRoot ?? DEFAULT_CACHE_ROOT;
  const key = `${generatorVersion()}-s${seed}-${size}-t${templates}`;
  const cacheDir = path.join(cacheRoot, key);
  const manifestFile = path.join(cacheDir, 'files', 'manifest.json');
  let data;
  if (fs.existsSync(manifestFile) && !fresh) {
    data = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } else {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    const started = performance.now();
    const written = writeCatalogFiles(path.join(cacheDir, 'files'), {
      size,
      templates,
      seed,
    });
    data = { ...written.manifest, generateMs: performance.now() - started };
    fs.writeFileSync(manifestFile, JSON.stringify(data, null, 2));
  }
  const runId = crypto.randomBytes(4).toString('hex');
  const ingestionFile = path.join(cacheDir, `ingestion-${dbKind}.json`);
  let cachedIngestion =
    !fresh && fs.existsSync(ingestionFile)
      ? JSON.parse(fs.readFileSync(ingestionFile, 'utf8'))
      : undefined;

  let db;
  let cleanup = async () => {};
  let keepAsCache = async () => {};
  if (dbKind === 'sqlite') {
    // SQLite files live on tmpfs when available: this VM's disk takes ~10 ms per fsync, which
    // would dominate every commit (see README). Both the baseline and the scan see the same.
    const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
    const directory = fs.mkdtempSync(path.join(shm, `sp-bench-${runId}-`));
    const snapshot = path.join(cacheDir, 'catalog.sqlite');
    if (cachedIngestion && fs.existsSync(snapshot)) {
      fs.copyFileSync(snapshot, path.join(directory, 'catalog.sqlite'));
    } else {
      cachedIngestion = undefined;
    }
    db = { client: 'better-sqlite3', directory };
    keepAsCache = async () => {
      fs.copyFileSync(path.join(directory, 'catalog.sqlite'), snapshot);
    };
    cleanup = async () =>
      fs.rmSync(directory, { recursive: true, force: true });
  } else {
    const connection = {
      ...pgConnection(options.postgresUrl),
      // Same reason as tmpfs for SQLite: commits do not wait for this VM's slow fsync.
      options: '-c synchronous_commit=off',
    };
    const prefix = `bench_${runId}_`;
    const cacheDb = `bench_cache_${key
      .replace(/[^a-z0-9]/gi, '_')
      .toLowerCase()}`.slice(0, 60);
    await withPgAdmin(connection, async admin => {
      const exists = await admin.query(
        'select 1 from pg_database where datname = $1',
        [cacheDb],
      );
      if (cachedIngestion && exists.rowCount) {
        await admin.query(
          `create database ${quoteIdent(
            `${prefix}catalog`,
          )} template ${quoteIdent(cacheDb)}`,
        );
      } else {
        cachedIngestion = undefined;
      }
    });
    db = { client: 'pg', connection };
    keepAsCache = async () =>
      withPgAdmin(connection, async admin => {
        await admin.query(`drop database if exists ${quoteIdent(cacheDb)}`);
        // The stopped backend's pool may still hold idle connections to it.
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [`${prefix}catalog`],
        );
        await admin.query(
          `alter database ${quoteIdent(
            `${prefix}catalog`,
          )} rename to ${quoteIdent(cacheDb)}`,
        );
      });
    cleanup = async () =>
      withPgAdmin(connection, async admin => {
        const { rows } = await admin.query(
          'select datname from pg_database where datname like $1',
          [`${prefix}%`],
        );
        for (const { datname } of rows) {
          await admin.query(
            `drop database if exists ${quoteIdent(datname)} with (force)`,
          );
        }
      });
  }

  const expected = data.counts.total + data.files.length; // + one Location entity per file
  const started = performance.now();
  const backend = await startBenchBackend({
    db,
    catalogFiles: data.files,
    runId,
    logLevel: options.logLevel,
  });
  const startMs = performance.now() - started;

  let ingestion;
  if (cachedIngestion) {
    ingestion = { ...cachedIngestion, cached: true };
    await waitForCount(backend, expected, 120_000);
  } else {
    log(
      `ingesting ${expected} entities into the ${dbKind} catalog (slow; cached afterwards)`,
    );
    const ingestStarted = performance.now();
    const timeoutMs = options.ingestTimeoutMs ?? 60 * 60_000;
    await waitForCount(backend, expected, timeoutMs, count =>
      log(
        `  ${count}/${expected} entities after ${Math.round(
          (performance.now() - ingestStarted) / 1000,
        )} s`,
      ),
    );
    const ms = performance.now() - ingestStarted;
    ingestion = {
      entities: expected,
      ms,
      entitiesPerSecond: expected / (ms / 1000),
      measuredAt: new Date().toISOString(),
      cached: false,
    };
    fs.writeFileSync(ingestionFile, JSON.stringify(ingestion, null, 2));
  }

  return {
    backend,
    data,
    expected,
    ingestion,
    backendStartMs: startMs,
    async finish({ keep = true } = {}) {
      await backend.stop();
      if (keep && !ingestion.cached) {
        try {
          await keepAsCache();
        } catch (e) {
          log(`could not keep the ingested catalog as cache: ${e.message}`);
        }
      }
      await cleanup();
    },
  };
}

/** Waits until the catalog serves `expected` entities (all processed and stitched). */
async function waitForCount(backend, expected, timeoutMs, onProgress) {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  for (;;) {
    const { totalItems } = await backend.getJson(
      '/api/catalog/entities/by-query?limit=1&fields=kind',
    );
    if (totalItems >= expected) return totalItems;
    if (Date.now() > deadline) {
      throw new Error(
        `catalog holds ${totalItems} of ${expected} entities after ${timeoutMs} ms`,
      );
    }
    if (onProgress && Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      onProgress(totalItems);
    }
    await sleep(1000);
  }
}

/**
 * Drops databases of finished or crashed runs (`bench_<8 hex>_*`): a stopped backend can leave a
 * pool that re-creates or keeps one. Cached catalogs (`bench_cache_*`) stay.
 */
async function dropRunDatabases(postgresUrl) {
  return withPgAdmin(pgConnection(postgresUrl), async admin => {
    const { rows } = await admin.query(
      "select datname from pg_database where datname ~ '^bench_[0-9a-f]{8}_'",
    );
    for (const { datname } of rows) {
      await admin.query(
        `drop database if exists ${quoteIdent(datname)} with (force)`,
      );
    }
    return rows.map(r => r.datname);
  });
}

/** Removes every cached catalog: the cache directory and the `bench_cache_*` databases. */
async function cleanCache({
  cacheRoot = DEFAULT_CACHE_ROOT,
  postgresUrl,
} = {}) {
  fs.rmSync(cacheRoot, { recursive: true, force: true });
  if (!postgresUrl) return;
  await withPgAdmin(pgConnection(postgresUrl), async admin => {
    const { rows } = await admin.query(
      "select datname from pg_database where datname like 'bench\\_cache\\_%'",
    );
    for (const { datname } of rows) {
      await admin.query(
        `drop database if exists ${quoteIdent(datname)} with (force)`,
      );
    }
  });
}

module.exports = {
  startWithCatalog,
  cleanCache,
  dropRunDatabases,
  DEFAULT_CACHE_ROOT,
};
