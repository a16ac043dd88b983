'use strict';

/**
 * API measurements with many findings stored, each against a catalog (or raw database) baseline
 * measured in the same run:
 *
 * - CSV export of 100k findings (GET /export.csv) vs a bare keyset-paged read of the same rows.
 * - Entity findings (GET /entities/:kind/:ns/:name/findings) vs the catalog's get-entity-by-name,
 *   one request at a time, same entities, alternating blocks.
 * - Summary and findings list under concurrent load (autocannon in its own process) vs the
 *   catalog's entity facets and entity list pages under the same load.
 */

const path = require('node:path');
const { execFile } = require('node:child_process');
const { insertFindings } = require('./findings');
const { measure, percentile, log, rawKeysetRead } = require('./lib');

const LOAD_CLIENT = path.join(__dirname, 'loadClient.js');
const CSV_CLIENT = path.join(__dirname, 'csvClient.js');

function runNode(script, options) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, JSON.stringify(options)],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${path.basename(script)} failed: ${stderr || error.message}`,
            ),
          );
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

function runLoad(
  backend,
  paths,
  { connections = 1, amount, raw = false, timeoutSec = 120 },
) {
  const options = {
    baseUrl: backend.baseUrl,
    headers: backend.headers,
    paths,
    connections,
    amount,
    raw,
    timeoutSec,
  };
  return runNode(LOAD_CLIENT, options);
}

/** Entity refs of the catalog that findings can belong to (not users, groups, locations). */
async function catalogRefs(hooks) {
  const credentials = await hooks.auth.getOwnServiceCredentials();
  const refs = [];
  let cursor;
  do {
    const response = await hooks.catalog.queryEntities(
      cursor
        ? { cursor, limit: 1000 }
        : {
            limit: 1000,
            filter: { kind: ['Component', 'API', 'Resource', 'Template'] },
            fields: [
              'kind',
              'metadata.name',
              'metadata.namespace',
              'spec.owner',
            ],
          },
      { credentials },
    );
    for (const e of response.items) {
      refs.push({
        kind: e.kind.toLowerCase(),
        namespace: (e.metadata.namespace ?? 'default').toLowerCase(),
        name: e.metadata.name.toLowerCase(),
        owner: `group:default/${String(
          e.spec?.owner ?? 'unknown',
        ).toLowerCase()}`,
      });
    }
    cursor = response.pageInfo.nextCursor;
  } while (cursor);
  return refs;
}

async function countFindings(knex, status) {
  const q = knex('security_posture_findings');
  if (status) q.where({ status });
  const [{ count }] = await q.count({ count: '*' });
  return Number(count);
}

async function measureCsv({ backend, knex }) {
  const pageSize = 1000;
  // Floor: the same rows read in primary-key pages of 1,000 with no other condition (open rows
  // are counted in JS), i.e. the cheapest paged read of the table; no CSV, no HTTP.
  const rawRead = await measure(() => rawKeysetRead(knex, pageSize));
  // The download runs in a child process; the backend's peak RSS is measured here. Browsers ask
  // for gzip, so that is the main figure; an uncompressed download shows what compression costs.
  const download = encoding =>
    measure(async () => {
      const value = await runNode(CSV_CLIENT, {
        url: `${backend.baseUrl}/api/security-posture/export.csv`,
        headers: { ...backend.headers, 'Accept-Encoding': encoding },
      });
      if (value.status !== 200) throw new Error(`export.csv: ${value.status}`);
      return value;
    });
  const csv = await download('gzip');
  const identity = await download('identity');
  const rowsPerSecond = run => run.value.records / (run.wallMs / 1000);
  const floorRate = rawRead.value / (rawRead.wallMs / 1000);
  return {
    rows: csv.value.records,
    bytes: csv.value.bytes,
    baseline: {
      what: 'primary-key-paged SELECT of the findings table (1,000 per page), open rows counted; no CSV, no HTTP',
      ms: rawRead.wallMs,
      rowsPerSecond: floorRate,
      peakRssGrowthMb: rawRead.peakRssGrowthMb,
    },
    export: {
      what: 'GET /api/security-posture/export.csv, gzip (as browsers ask), streamed to the end by a client in another process',
      ms: csv.wallMs,
      rowsPerSecond: rowsPerSecond(csv),
      peakRssGrowthMb: csv.peakRssGrowthMb,
      peakHeapGrowthMb: csv.peakHeapGrowthMb,
      retainedHeapMb: csv.retainedHeapMb,
    },
    exportUncompressed: {
      ms: identity.wallMs,
      rowsPerSecond: rowsPerSecond(identity),
      peakRssGrowthMb: identity.peakRssGrowthMb,
      peakHeapGrowthMb: identity.peakHeapGrowthMb,
      retainedHeapMb: identity.retainedHeapMb,
    },
    ratio: {
      rowsPerSecond: rowsPerSecond(csv) / floorRate,
      uncompressedRowsPerSecond: rowsPerSecond(identity) / floorRate,
    },
  };
}

/** Picks n entities deterministically (every k-th) so both APIs see the same ones. */
function pickEntities(refs, n) {
  const step = Math.max(1, Math.floor(refs.length / n));
  const out = [];
  for (let i = 0; i < refs.length && out.length < n; i += step)
    out.push(refs[i]);
  return out;
}

async function measureEntityFindings({
  backend,
  refs,
  targetSec = 40,
  blocks = 3,
}) {
  const sample = pickEntities(
    refs.filter(r => r.kind !== 'template'),
    300,
  );
  const catalogPaths = sample.map(
    r => `/api/catalog/entities/by-name/${r.kind}/${r.namespace}/${r.name}`,
  );
  const findingsPaths = sample.map(
    r =>
      `/api/security-posture/entities/${r.kind}/${r.namespace}/${r.name}/findings`,
  );
  // Warm both paths (JIT, caches); the slower one sizes the run to about `targetSec` per endpoint.
  const warmCatalog = await runLoad(backend, catalogPaths.slice(0, 10), {
    amount: 10,
  });
  const warmFindings = await runLoad(backend, findingsPaths.slice(0, 5), {
    amount: 5,
  });
  const slowestMs = Math.max(warmCatalog.meanMs, warmFindings.meanMs, 1);
  // At least 30 samples per endpoint (p95 is then the second slowest), at most 600.
  const requests = Math.max(
    30,
    Math.min(600, Math.round((targetSec * 1000) / slowestMs)),
  );
  const catalog = [];
  const findings = [];
  const perBlock = Math.ceil(requests / blocks);
  let non2xx = 0;
  for (let b = 0; b < blocks; b++) {
    const c = await runLoad(backend, catalogPaths, {
      amount: perBlock,
      raw: true,
    });
    const f = await runLoad(backend, findingsPaths, {
      amount: perBlock,
      raw: true,
    });
    catalog.push(...c.latencies);
    findings.push(...f.latencies);
    non2xx += c.non2xx + f.non2xx;
  }
  const stats = values => ({
    requests: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
  });
  const c = stats(catalog);
  const f = stats(findings);
  return {
    entities: sample.length,
    concurrency: 1,
    non2xx,
    baseline: {
      what: 'GET /api/catalog/entities/by-name/:kind/:namespace/:name',
      ...c,
    },
    endpoint: {
      what: 'GET /api/security-posture/entities/:kind/:namespace/:name/findings',
      ...f,
    },
    ratio: { p50: f.p50 / c.p50, p95: f.p95 / c.p95 },
  };
}

/** Sizes a load run from one probe request so it lasts about `targetSec`. */
async function sizedLoad(
  backend,
  paths,
  { connections, targetSec = 8, maxRequests = 3000 },
) {
  // A first request may fill a cache (e.g. the summary's scores): size from a warm probe.
  await runLoad(backend, paths, { amount: Math.min(3, paths.length) });
  const probe = await runLoad(backend, paths, {
    amount: Math.min(3, paths.length),
  });
  const perRequestMs = Math.max(1, probe.meanMs);
  // Slow endpoints get one or two waves of `connections` requests, fast ones about targetSec.
  const amount = Math.max(
    perRequestMs > 2000 ? connections : connections * 2,
    Math.min(
      maxRequests,
      Math.round(((targetSec * 1000) / perRequestMs) * connections),
    ),
  );
  return runLoad(backend, paths, { connections, amount, timeoutSec: 300 });
}

async function measureUnderLoad({ backend, connections = 8 }) {
  const pairs = {
    summary: {
      endpoint: ['/api/security-posture/summary'],
      baseline: [
        '/api/catalog/entity-facets?facet=kind',
        '/api/catalog/entity-facets?facet=spec.owner',
      ],
      baselineWhat:
        'GET /api/catalog/entity-facets (kind, spec.owner): an aggregate over the catalog',
    },
    findingsList: {
      endpoint: [
        '/api/security-posture/findings?limit=50',
        '/api/security-posture/findings?limit=50&severity=critical,high',
        '/api/security-posture/findings?limit=50&category=templates',
        '/api/security-posture/findings?limit=50&offset=500',
      ],
      baseline: [
        '/api/catalog/entities/by-query?limit=50',
        '/api/catalog/entities/by-query?limit=50&filter=kind=component',
        '/api/catalog/entities/by-query?limit=50&filter=kind=api',
        '/api/catalog/entities/by-query?limit=50&orderField=metadata.name,desc',
      ],
      baselineWhat:
        'GET /api/catalog/entities/by-query?limit=50 (with filters / order)',
    },
  };
  const out = {};
  for (const [name, pair] of Object.entries(pairs)) {
    const baseline = await sizedLoad(backend, pair.baseline, { connections });
    const endpoint = await sizedLoad(backend, pair.endpoint, { connections });
    out[name] = {
      connections,
      baseline: { what: pair.baselineWhat, ...baseline },
      endpoint: { what: `GET ${pair.endpoint.join(' | ')}`, ...endpoint },
      ratio: {
        p95: endpoint.p95 / baseline.p95,
        rps: endpoint.rps / baseline.rps,
      },
    };
    log(
      `load ${name}: p95 ${Math.round(
        endpoint.p95,
      )} ms vs baseline ${Math.round(baseline.p95)} ms (${
        endpoint.requests
      } vs ${baseline.requests} requests)`,
    );
  }
  return out;
}

/**
 * The whole API part: 100k open findings → CSV; fill up to `totalFindings` → entity findings
 * latency and load; load is also measured at 100k to show how it scales.
 */
async function measureApi({
  backend,
  csvFindings = 100_000,
  totalFindings = 1_000_000,
  connections = 8,
}) {
  const { hooks } = backend;
  const knex = await hooks.database.getClient();
  const refs = await catalogRefs(hooks);
  const refStrings = refs.map(r => `${r.kind}:${r.namespace}/${r.name}`);
  const owners = [...new Set(refs.map(r => r.owner))];
  const result = { findingsLoad: {} };

  const openNow = await countFindings(knex, 'open');
  const firstBatch = Math.max(0, csvFindings - openNow);
  log(`api: inserting ${firstBatch} open findings (to ${csvFindings} open)`);
  let loaded = await measure(() =>
    insertFindings(knex, {
      count: firstBatch,
      entityRefs: refStrings,
      owners,
      openShare: 1,
    }),
  );
  result.findingsLoad.toCsvSize = {
    rows: firstBatch,
    ms: loaded.wallMs,
    rowsPerSecond: firstBatch / (loaded.wallMs / 1000),
  };
  if (knex.client.config.client === 'pg') await knex.raw('analyze');

  log('api: CSV export');
  result.csv = await measureCsv({ backend, knex });
  log(
    `api: CSV ${Math.round(
      result.csv.export.rowsPerSecond,
    )} rows/s, peak RSS +${Math.round(result.csv.export.peakRssGrowthMb)} MB`,
  );

  log('api: load at 100k findings');
  result.loadAt100k = await measureUnderLoad({ backend, connections });

  const total = await countFindings(knex);
  const rest = Math.max(0, totalFindings - total);
  log(`api: inserting ${rest} more findings (to ${totalFindings} stored)`);
  loaded = await measure(() =>
    insertFindings(knex, {
      count: rest,
      entityRefs: refStrings,
      owners,
      startIndex: firstBatch,
    }),
  );
  result.findingsLoad.toTotal = {
    rows: rest,
    ms: loaded.wallMs,
    rowsPerSecond: rest / (loaded.wallMs / 1000),
  };
  if (knex.client.config.client === 'pg') await knex.raw('analyze');
  result.storedFindings = await countFindings(knex);
  result.openFindings = await countFindings(knex, 'open');

  log('api: entity findings vs catalog get-by-name');
  result.entityFindings = await measureEntityFindings({ backend, refs });
  log(
    `api: entity findings p95 ${result.entityFindings.endpoint.p95} ms vs catalog ${result.entityFindings.baseline.p95} ms`,
  );

  log('api: load at full size');
  result.loadAtTotal = await measureUnderLoad({ backend, connections });
  return result;
}

module.exports = { measureApi, runLoad };
