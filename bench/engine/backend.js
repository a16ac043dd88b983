'use strict';

/**
 * A real Backstage backend for the benchmarks (createBackend from @backstage/backend-defaults):
 * the real catalog (entities from generated YAML through `file` locations), the scaffolder
 * entity model (so Template entities are accepted), and the security-posture plugin, on a real
 * database (SQLite file or PostgreSQL), with real auth: callers use a static external-access
 * token, i.e. a service principal, for the plugin's and the catalog's endpoints alike.
 *
 * Must be loaded with Backstage's node transform (`node -r @backstage/cli/config/nodeTransform.cjs`)
 * because the workspace packages' `main` is TypeScript source.
 */

const crypto = require('node:crypto');
const path = require('node:path');
const net = require('node:net');
const { createBackend } = require('@backstage/backend-defaults');
const {
  coreServices,
  createBackendModule,
  createServiceFactory,
} = require('@backstage/backend-plugin-api');
const { ConfigReader } = require('@backstage/config');
const { catalogServiceRef } = require('@backstage/plugin-catalog-node');

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `backend.database` for the chosen engine; each run gets its own files or databases. */
function databaseConfig(db, runId) {
  if (db.client === 'pg') {
    return {
      client: 'pg',
      connection: db.connection,
      // One database per plugin, named with a per-run prefix (dropped afterwards).
      prefix: `bench_${runId}_`,
    };
  }
  return { client: 'better-sqlite3', connection: { directory: db.directory } };
}

/**
 * When each scan's summary was saved (ms since the epoch, by scan id): the end of a scan, timed
 * in the backend instead of by polling for it (a 100 ms poll added up to 200 ms to every scan,
 * 10 % of a scan at 11k entities). The plugin's store module is the same module instance here.
 */
function timeSummarySaves() {
  const { DatabasePostureStore } = require(path.join(
    __dirname,
    '../../plugins/security-posture-backend/src/database/DatabasePostureStore',
  ));
  const saved = new Map();
  const save = DatabasePostureStore.prototype.saveSummary;
  if (!save.timedByBench) {
    DatabasePostureStore.prototype.saveSummary = async function saveSummary(point) {
      await save.call(this, point);
      saved.set(point.scanId, Date.now());
    };
    DatabasePostureStore.prototype.saveSummary.timedByBench = saved;
  }
  const times = DatabasePostureStore.prototype.saveSummary.timedByBench;
  return scanId => times.get(scanId);
}

/**
 * Starts the backend. Returns its base URL, the static token, a `hooks` object with the
 * catalog service, auth and database clients the benchmark uses for baselines and bulk loading,
 * and `stop()`.
 */
async function startBenchBackend(options) {
  const {
    db,
    catalogFiles,
    runId = crypto.randomBytes(4).toString('hex'),
  } = options;
  const port = await freePort();
  const token = crypto.randomBytes(24).toString('base64url');
  const config = {
    app: { baseUrl: 'http://localhost:3000' },
    backend: {
      baseUrl: `http://127.0.0.1:${port}`,
      listen: { port, host: '127.0.0.1' },
      database: databaseConfig(db, runId),
      auth: {
        externalAccess: [
          { type: 'static', options: { token, subject: 'bench' } },
        ],
      },
      logger: { level: options.logLevel ?? 'warn' },
    },
    permission: { enabled: false },
    catalog: {
      rules: [
        {
          allow: [
            'Component',
            'System',
            'API',
            'Resource',
            'Location',
            'Domain',
            'Group',
            'User',
            'Template',
          ],
        },
      ],
      locations: catalogFiles.map(target => ({ type: 'file', target })),
      // Entities are processed once; no re-processing runs while the benchmark measures.
      processingInterval: { hours: 12 },
    },
    securityPosture: {
      // Scans are started by the benchmark only: a yearly cron never fires during a run, and no
      // initialDelay (the scheduler ignores triggers until an initial delay has passed).
      schedule: { frequency: { cron: '0 0 1 1 *' }, timeout: { hours: 2 } },
      // Incremental rescans never fall back to a full pass on their own here: the full-scan
      // measurement asks for full passes (bench/engine/scan.js), the rescan one for incremental.
      // Scans back to back: no cooldown between the benchmark's manual starts.
      scans: { fullPassEvery: { days: 365 }, cooldown: { seconds: 0 } },
      checkDefaults: { timeout: { minutes: 30 } },
      ...options.securityPosture,
    },
  };

  let resolveHooks;
  const hooksReady = new Promise(resolve => {
    resolveHooks = resolve;
  });
  // A module of the security-posture plugin: it sees the plugin's own database and credentials.
  const benchModule = createBackendModule({
    pluginId: 'security-posture',
    moduleId: 'bench-hooks',
    register(reg) {
      reg.registerInit({
        deps: {
          catalog: catalogServiceRef,
          auth: coreServices.auth,
          discovery: coreServices.discovery,
          database: coreServices.database,
        },
        async init(deps) {
          resolveHooks(deps);
        },
      });
    },
  });

  let resolveCatalogDatabase;
  const catalogDatabaseReady = new Promise(resolve => {
    resolveCatalogDatabase = resolve;
  });
  // The catalog's own database, where the rescan measurement edits 1 % of the entities.
  const catalogModule = createBackendModule({
    pluginId: 'catalog',
    moduleId: 'bench-hooks',
    register(reg) {
      reg.registerInit({
        deps: { database: coreServices.database },
        async init(deps) {
          resolveCatalogDatabase(deps.database);
        },
      });
    },
  });

  const backend = createBackend();
  backend.add(
    createServiceFactory({
      service: coreServices.rootConfig,
      deps: {},
      factory: () => new ConfigReader(config),
    }),
  );
  backend.add(require('@backstage/plugin-catalog-backend'));
  backend.add(
    require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
  );
  backend.add(require('@security-posture/plugin-security-posture-backend'));
  const summarySavedAt = timeSummarySaves();
  backend.add(benchModule);
  backend.add(catalogModule);
  await backend.start();
  const hooks = {
    ...(await hooksReady),
    catalogDatabase: await catalogDatabaseReady,
    summarySavedAt,
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `Bearer ${token}` };
  const getJson = async path => {
    const res = await fetch(`${baseUrl}${path}`, { headers });
    if (!res.ok)
      throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const postJson = async path => {
    const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers });
    if (!res.ok)
      throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  return {
    baseUrl,
    port,
    token,
    headers,
    hooks,
    runId,
    getJson,
    postJson,
    async stop() {
      await backend.stop();
    },
  };
}

module.exports = { startBenchBackend };
