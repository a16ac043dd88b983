#!/usr/bin/env node
/*
 * What the security-posture auditor adds to Backstage's own audit logging: 100k auditor events
 * (50k createEvent + success pairs of catalog entity-fetch, meta as the catalog sends it)
 * through the default auditor (`auditorServiceFactory` of @backstage/backend-defaults), and
 * through `securityPostureAuditorServiceFactory` feeding the live detection engine:
 *   - wrapped: the request path (logging, reduction, hand-off, queueing), queue drained;
 *   - wrappedWithEvaluation: also the engine's batch evaluation every 1,000 events (rules and
 *     windows; an in-memory window store stands in for the database).
 * All log through the same real Winston logger writing JSON to a discarding stream, low
 * severity mapped to info so every event is written, as when shipping to a SIEM. The cost is
 * the process's CPU time (user + system), less disturbed by other load than wall time. Rounds
 * rotate the order; medians; ratios to the default auditor in the same run (goal ≤ 1.10,
 * issue 20).
 *
 *   node bench/detections/run.js [--events 100000] [--rounds 7]
 *
 * Results go to bench/results/detections.json.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

require('sucrase/register/ts');

const ROOT = path.resolve(__dirname, '../..');
const RESULTS = path.join(ROOT, 'bench/results/detections.json');
const {
  coreServices,
  createServiceFactory,
} = require('@backstage/backend-plugin-api');
const {
  auditorServiceFactory,
} = require('@backstage/backend-defaults/auditor');
const { WinstonLogger } = require('@backstage/backend-defaults/rootLogger');
const {
  mockServices,
  ServiceFactoryTester,
} = require('@backstage/backend-test-utils');
const winston = require('winston');
const Transport = require('winston-transport');
const { MESSAGE } = require('triple-beam');
const {
  AuditEventHub,
  securityPostureAuditEventsServiceRef,
} = require(path.join(ROOT, 'plugins/security-posture-node/src/index.ts'));
const { securityPostureAuditorServiceFactory } = require(path.join(
  ROOT,
  'plugins/security-posture-backend/src/auditor/securityPostureAuditorServiceFactory.ts',
));
const { DetectionEngine } = require(path.join(
  ROOT,
  'plugins/security-posture-backend/src/detections/DetectionEngine.ts',
));
const { buildDetectionRules, DetectionEvaluator } = require(path.join(
  ROOT,
  'plugins/static-analysis/src/index.ts',
));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const EVENTS = arg('events', 100_000);
const ROUNDS = arg('rounds', 7);

const median = values => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const round = n => Math.round(n * 1000) / 1000;

/** Counts what would be written; winston's Stream transport piles up memory at this rate. */
class DiscardingTransport extends Transport {
  constructor() {
    super();
    this.bytes = 0;
  }
  log(info, callback) {
    this.bytes += info[MESSAGE].length;
    callback();
  }
}

function discardingLogger() {
  const transport = new DiscardingTransport();
  const root = WinstonLogger.create({
    meta: { service: 'backstage' },
    level: 'info',
    format: winston.format.json(),
    transports: [transport],
  });
  return { root, bytes: () => transport.bytes };
}

/** The engine's store, in memory. */
function memoryStore() {
  const windows = new Map();
  const findings = new Set();
  return {
    updateWindows: async (keys, _updatedAt, update) => {
      const loaded = new Map(
        keys.filter(k => windows.has(k)).map(k => [k, windows.get(k)]),
      );
      const { touched, result } = update(loaded);
      for (const [k, w] of touched) windows.set(k, w);
      return result;
    },
    recordFindings: async detections =>
      detections
        .filter(
          d =>
            !findings.has(d.finding.fingerprint) &&
            findings.add(d.finding.fingerprint),
        )
        .map(d => d.finding.fingerprint),
  };
}

async function auditorOf(factory, withEngine) {
  const { root, bytes } = discardingLogger();
  const hub = new AuditEventHub();
  let engine;
  if (withEngine) {
    engine = new DetectionEngine({
      evaluator: new DetectionEvaluator(buildDetectionRules()),
      store: memoryStore(),
      memberships: { groupsOf: async () => new Map() },
      logger: {
        info() {},
        warn() {},
        error() {},
        debug() {},
        child() {
          return this;
        },
      },
      maxQueue: EVENTS,
    });
    hub.subscribe(event => engine.accept(event));
  }
  const tester = ServiceFactoryTester.from(factory, {
    dependencies: [
      mockServices.rootConfig.factory({
        data: {
          backend: { auditor: { severityLogLevelMappings: { low: 'info' } } },
        },
      }),
      createServiceFactory({
        service: coreServices.logger,
        deps: { plugin: coreServices.pluginMetadata },
        factory: ({ plugin }) => root.child({ plugin: plugin.getId() }),
      }),
      createServiceFactory({
        service: securityPostureAuditEventsServiceRef,
        deps: {},
        factory: () => hub,
      }),
    ],
  });
  const auditor = await tester.getSubject('catalog');
  return { auditor, bytes, engine };
}

/** CPU ms (user + system) of `pairs` createEvent + success pairs; the queue handled per 500. */
async function drive(auditor, pairs, engine, evaluate) {
  const started = process.cpuUsage();
  for (let i = 0; i < pairs; i++) {
    const event = await auditor.createEvent({
      eventId: 'entity-fetch',
      meta: {
        queryType: 'by-name',
        entityRef: `component:default/service-${i % 500}`,
      },
    });
    await event.success();
    if (engine && i % 500 === 499) {
      if (evaluate) await engine.flush();
      else engine.queue = [];
    }
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

async function main() {
  const pairs = EVENTS / 2;
  const variants = {
    default: () => auditorOf(auditorServiceFactory, false),
    wrapped: () => auditorOf(securityPostureAuditorServiceFactory, true),
    wrappedWithEvaluation: () =>
      auditorOf(securityPostureAuditorServiceFactory, true),
  };
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map(n => [n, []]));
  const logged = {};
  let findingsRaised = 0;
  for (const name of names) {
    const warm = await variants[name]();
    await drive(
      warm.auditor,
      2000,
      warm.engine,
      name === 'wrappedWithEvaluation',
    );
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, k) => names[(k + r) % names.length]);
    for (const name of order) {
      const subject = await variants[name]();
      if (global.gc) global.gc();
      samples[name].push(
        await drive(
          subject.auditor,
          pairs,
          subject.engine,
          name === 'wrappedWithEvaluation',
        ),
      );
      logged[name] = subject.bytes();
    }
    process.stderr.write(
      `[detections] round ${r + 1}: ${names
        .map(n => `${n} ${round(samples[n].at(-1))} ms`)
        .join(', ')}\n`,
    );
  }
  if (new Set(Object.values(logged)).size !== 1) {
    throw new Error(
      `the auditors logged different amounts: ${JSON.stringify(logged)}`,
    );
  }

  // The engine's batch work for the same events, in memory (no database): the rules over them.
  const evaluator = new DetectionEvaluator(buildDetectionRules());
  const start = Date.parse('2027-01-11T10:00:00Z');
  const records = Array.from({ length: pairs }, (_, i) => ({
    at: start + i * 10,
    plugin: 'catalog',
    eventId: 'entity-fetch',
    status: 'succeeded',
    actorId: `user:default/u${i % 200}`,
    queryType: 'by-name',
  }));
  const evaluation = [];
  for (let i = 0; i < 3; i++) {
    const t = process.cpuUsage();
    findingsRaised = evaluator.evaluateAll(records, new Map()).length;
    const used = process.cpuUsage(t);
    evaluation.push((used.user + used.system) / 1000);
  }

  const cpu = Object.fromEntries(names.map(n => [n, median(samples[n])]));
  const result = {
    benchmark:
      'security-posture auditor vs the default auditor (100k auditor events)',
    date: new Date().toISOString(),
    events: EVENTS,
    rounds: ROUNDS,
    bytesLoggedPerRound: logged.default,
    medianCpuMs: {
      defaultAuditor: round(cpu.default),
      securityPostureAuditor: round(cpu.wrapped),
      securityPostureAuditorWithEvaluation: round(cpu.wrappedWithEvaluation),
      rulesAloneOverTheTerminalEvents: round(median(evaluation)),
    },
    cpuUsPerEvent: Object.fromEntries(
      names.map(n => [n, round((cpu[n] * 1000) / EVENTS)]),
    ),
    ratio: round(cpu.wrapped / cpu.default),
    ratioWithEvaluation: round(cpu.wrappedWithEvaluation / cpu.default),
    samplesCpuMs: Object.fromEntries(
      names.map(n => [n, samples[n].map(round)]),
    ),
    rulesAloneFindings: findingsRaised,
    goal: 'ratio ≤ 1.10: the wrapped auditor adds at most 10% to the logging cost (issue 20)',
  };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
