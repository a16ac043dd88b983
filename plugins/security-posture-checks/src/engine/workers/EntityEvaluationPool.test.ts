import { LoggerService } from '@backstage/backend-plugin-api';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import {
  EntitySecurityCheck,
  SecurityCheck,
} from '@security-posture/plugin-security-posture-node';
import { fakes } from '@security-posture/static-analysis/testUtils';
import { catalogChecks } from '../../catalog';
import { CheckRegistry } from '../CheckRegistry';
import { FindingFactory, ownersOf } from '../FindingFactory';
import { evaluateEntityCheck, joinFindingsDigests } from '../entityEvaluation';
import os from 'node:os';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  EntityEvaluationPool,
  EvaluationSession,
} from './EntityEvaluationPool';
import { CatalogPageReadError } from './poolWorker';
import { DEFAULT_WORKER_NICENESS } from './threadPriority';
import { errorSubject } from './errorSubject';
import { workerTestChecks } from './__fixtures__/workerTestChecks';
import { EvaluationResults } from './packedEvaluations';

jest.setTimeout(120_000);

// Jest's transform does not reach worker threads: they load the TypeScript sources through
// Backstage's node transform, as `backstage-cli package start` does.
const execArgv = [
  '--require',
  require.resolve('@backstage/cli/config/nodeTransform.cjs'),
];
const FIXTURES = require.resolve('./__fixtures__/workerTestChecks');

/** A batch's evaluations as objects: per item, per check asked. */
const unpacked = (results: Promise<EvaluationResults>) =>
  results.then(r => r.toArrays());

function entity(
  name: string,
  annotations: Record<string, string> = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'group:default/payments' },
    relations: [
      { type: RELATION_OWNED_BY, targetRef: 'group:default/payments' },
    ],
  };
}

function resolve(config: JsonObject, checks: SecurityCheck[]) {
  const registry = new CheckRegistry(new ConfigReader(config));
  registry.add(...checks);
  return registry.list();
}

const withFixtureModule = (
  checks: EntitySecurityCheck[],
): EntitySecurityCheck[] =>
  checks.map(check => ({
    ...check,
    workerModule: { module: FIXTURES, exportName: 'workerTestChecks' },
  }));

/** Every line logged through the logger or its children, as text. */
function recordingLogger() {
  const lines: string[] = [];
  const make = (meta: object = {}): LoggerService => {
    const log = (level: string) => (message: string, extra?: unknown) =>
      lines.push(
        `${level} ${JSON.stringify(meta)} ${message} ${JSON.stringify(
          extra ?? {},
        )}`,
      );
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: childMeta => make({ ...meta, ...childMeta }),
    };
  };
  return { lines, logger: make() };
}

describe('EntityEvaluationPool', () => {
  let pool: EntityEvaluationPool;
  let recorded = recordingLogger();
  let logger = recorded.logger;
  beforeEach(() => {
    recorded = recordingLogger();
    logger = recorded.logger;
  });
  afterEach(() => pool?.close());

  async function start(
    checks: SecurityCheck[],
    config: JsonObject = {},
    size = 1,
    niceness?: number,
  ): Promise<{
    session: EvaluationSession | undefined;
    factory: FindingFactory;
  }> {
    pool = new EntityEvaluationPool({ size, logger, execArgv, niceness });
    const factory = new FindingFactory('installation-key');
    const session = await pool.startScan({
      config: new ConfigReader(config),
      checks: resolve(config, checks),
      fingerprintKey: 'installation-key',
      factory,
      getPublished: async () => undefined,
    });
    return { session, factory };
  }

  /** A pool with only the check that hangs on `hang-*` entities (for `hangMs`) and throws on `throw-*`. */
  function startHangingCheck(options: {
    hangMs: number;
    timeoutSeconds?: number;
  }) {
    const settings: JsonObject = { options: { hangMs: options.hangMs } };
    if (options.timeoutSeconds)
      settings.timeout = { seconds: options.timeoutSeconds };
    return start(
      withFixtureModule([workerTestChecks[1] as EntitySecurityCheck]),
      {
        securityPosture: {
          checks: { catalog: { 'worker-test-crash': settings } },
        },
      },
    );
  }

  it('finds in the workers exactly what the main thread finds, masked, and no raw secret crosses back', async () => {
    const secret = fakes.awsKeyId();
    const password = fakes.password();
    const entities = [
      entity('plain'),
      entity('leaky', {
        'acme.io/deploy-key': secret,
        'vault.io/secrets-path': 'secret/data/payments/prod',
      }),
      entity('db', {
        'acme.io/database-url': `postgres://app:${password}@db.internal:5432/app`,
      }),
      entity('pagerduty', { 'pagerduty.com/service-id': 'PABC123' }),
    ];
    const { session } = await start(catalogChecks, {}, 2);
    expect(session && [...session.checkIds].sort()).toEqual(
      catalogChecks.map(c => c.meta.id).sort(),
    );
    const ids = catalogChecks.map(c => c.meta.id);
    const inWorkers = await unpacked(session!.evaluate(
      entities.map(e => ({ entity: e, checkIds: ids })),
    ));

    // The same checks on this thread, under the same key.
    const here = new FindingFactory('installation-key');
    const resolved = resolve({}, catalogChecks);
    const expected = [];
    for (const e of entities) {
      const forEntity = [];
      for (const r of ids.map(
        id => resolved.find(c => c.check.meta.id === id)!,
      )) {
        forEntity.push(
          await evaluateEntityCheck({
            check: r.check as EntitySecurityCheck,
            settings: r,
            entity: e,
            context: {
              config: new ConfigReader({}),
              options: r.options,
              logger,
              signal: new AbortController().signal,
              instanceMetadata: { getInstalledPlugins: async () => [] },
              services: {} as never,
              getPublished: async () => undefined,
            },
            factory: here,
            signal: new AbortController().signal,
          }),
        );
      }
      expected.push(forEntity);
    }
    const findingsOf = (evaluations: typeof inWorkers) =>
      evaluations.map(forEntity => forEntity.map(e => e.findings));
    expect(findingsOf(inWorkers)).toEqual(findingsOf(expected));
    const leaked = inWorkers[1][0].findings;
    expect(leaked.map(f => f.evidence.secretMask)).toEqual([
      `${secret.slice(0, 4)}…(20 chars)`,
    ]);
    expect(inWorkers[1][1].findings.length).toBeGreaterThan(0);
    const crossed = JSON.stringify(inWorkers);
    expect(crossed).not.toContain(secret);
    expect(crossed).not.toContain(password);
    expect(pool.evaluatedEntities).toBe(entities.length);
  });

  it('scrubs what checks log and throw in the worker, and reports the thrown check as an error', async () => {
    const token = fakes.github('ghp');
    const { session } = await start(
      withFixtureModule(workerTestChecks as EntitySecurityCheck[]),
    );
    const [[found, crashed]] = await unpacked(session!.evaluate([
      {
        entity: entity('throw-1', { 'test.io/token': token }),
        checkIds: ['catalog/worker-test-secret', 'catalog/worker-test-crash'],
      },
    ]));
    expect(found.findings).toHaveLength(1);
    expect(found.findings[0].evidence.secretFingerprint).toBeDefined();
    expect(crashed.thrown?.finding).toMatchObject({
      outcome: 'error',
      checkId: 'catalog/worker-test-crash',
      entityRef: 'component:default/throw-1',
    });
    expect(crashed.thrown?.message).toMatch(/^cannot evaluate /);
    const logged = recorded.lines.join('\n');
    expect(logged).toContain('found ');
    expect(logged).not.toContain(token);
    expect(JSON.stringify(crashed)).not.toContain(token);
  });

  it('says plainly when a check in a worker reaches for what workers do not offer', async () => {
    const { session } = await start(
      withFixtureModule(workerTestChecks as EntitySecurityCheck[]),
    );
    const [[services]] = await unpacked(session!.evaluate([
      { entity: entity('svc'), checkIds: ['catalog/worker-test-services'] },
    ]));
    expect(services.thrown?.message).toMatch(
      /services is not available to checks evaluated in a worker thread; leave the check's workerModule unset/,
    );
  });

  it('turns a worker that outlives the batch deadline into error outcomes and replaces it', async () => {
    // Only the hanging check in the pool: the batch deadline is the longest timeout of its checks.
    const { session } = await startHangingCheck({
      hangMs: 60_000,
      timeoutSeconds: 1,
    });
    const ids = ['catalog/worker-test-crash'];
    const [[hung]] = await unpacked(session!.evaluate([
      { entity: entity('hang-1'), checkIds: ids },
    ]));
    // Made from what the pool kept of the entity (not the entity): its ref, kind and owners.
    expect(hung.thrown?.finding).toMatchObject({
      outcome: 'error',
      entityRef: 'component:default/hang-1',
      entityKind: 'Component',
      owners: ['group:default/payments'],
    });
    expect(hung.thrown?.message).toMatch(
      /did not finish a batch of 1 entities in 1000 ms/,
    );
    // The next batch runs on a fresh worker.
    const [[next]] = await unpacked(session!.evaluate([
      { entity: entity('fine'), checkIds: ids },
    ]));
    expect(next).toMatchObject({ applied: true, counts: { pass: 1 } });
    expect(next.thrown).toBeUndefined();
  });

  it('answers each batch with its own results when a second is sent before the first is done', async () => {
    const { session } = await startHangingCheck({ hangMs: 300 });
    const ids = ['catalog/worker-test-crash'];
    // A stopped scan leaves its batch behind; the next scan's batch must not get its answer.
    const first = unpacked(session!.evaluate([
      { entity: entity('hang-slow'), checkIds: ids },
    ]));
    const second = unpacked(session!.evaluate([
      { entity: entity('throw-now'), checkIds: ids },
      { entity: entity('fine'), checkIds: ids },
    ]));
    const [a, b] = await Promise.all([first, second]);
    expect(a).toHaveLength(1);
    expect(a[0][0]).toMatchObject({ counts: { pass: 1 } });
    expect(b).toHaveLength(2);
    expect(b[0][0].thrown?.finding.entityRef).toBe(
      'component:default/throw-now',
    );
    expect(b[1][0]).toMatchObject({ counts: { pass: 1 } });
  });

  it('starts a queued batch deadline when the batch before it is answered', async () => {
    const { session } = await startHangingCheck({
      hangMs: 700,
      timeoutSeconds: 1,
    });
    const ids = ['catalog/worker-test-crash'];
    // Sent together (as the catalog pass sends the next page while one is evaluated): the second
    // waits 700 ms in line and takes 700 ms itself, past the deadline counted from its sending.
    const [a, b] = await Promise.all([
      unpacked(session!.evaluate([{ entity: entity('hang-first'), checkIds: ids }])),
      unpacked(session!.evaluate([{ entity: entity('hang-second'), checkIds: ids }])),
    ]);
    expect(a[0][0].thrown).toBeUndefined();
    expect(b[0][0].thrown).toBeUndefined();
    expect(b[0][0]).toMatchObject({ counts: { pass: 1 } });
  });

  it('leaves checks without a loadable worker module to the main thread', async () => {
    const unloadable: EntitySecurityCheck = {
      ...(workerTestChecks[0] as EntitySecurityCheck),
      meta: { ...workerTestChecks[0].meta, id: 'catalog/not-in-module' },
      workerModule: { module: FIXTURES, exportName: 'workerTestChecks' },
    };
    const noModule: EntitySecurityCheck = {
      ...(workerTestChecks[1] as EntitySecurityCheck),
      workerModule: undefined,
    };
    const { session } = await start([
      unloadable,
      noModule,
      ...withFixtureModule([workerTestChecks[0] as EntitySecurityCheck]),
    ]);
    expect([...session!.checkIds]).toEqual(['catalog/worker-test-secret']);
    expect(recorded.lines.join('\n')).toMatch(
      /catalog\/not-in-module cannot run in an evaluation worker.*holds no check/,
    );
  });

  it('runs its worker threads at a lower CPU priority than the event loop, as configured', async () => {
    // Per thread on Linux only (see threadPriority.test.ts); elsewhere the workers report none.
    const linux = process.platform === 'linux';
    const before = os.getPriority();
    await start(catalogChecks, {}, 2);
    const lowered = linux
      ? Math.max(DEFAULT_WORKER_NICENESS, before)
      : undefined;
    expect(pool.workerNiceness).toEqual([lowered, lowered]);
    expect(os.getPriority()).toBe(before);
    await pool.close();
    await start(catalogChecks, {}, 1, 0);
    expect(pool.workerNiceness).toEqual([undefined]);
  });

  it('is off with size 0', async () => {
    const { session } = await start(catalogChecks, {}, 0);
    expect(session).toBeUndefined();
  });

  it('keeps of an entity, for its error findings, exactly the ref, kind and owners', () => {
    const full: Entity = {
      ...entity('svc', { 'example.com/token': 'x' }),
      metadata: {
        name: 'svc',
        namespace: 'team-ns',
        annotations: { 'example.com/token': 'x' },
      },
      spec: { type: 'service', owner: 'platform' },
      relations: [
        { type: RELATION_OWNED_BY, targetRef: 'group:team-ns/payments' },
        { type: 'dependsOn', targetRef: 'resource:default/db' },
      ],
    };
    const subject = errorSubject(full);
    expect(ownersOf(subject)).toEqual(ownersOf(full));
    expect(ownersOf(subject)).toEqual([
      'group:team-ns/payments',
      'group:team-ns/platform',
    ]);
    const factory = new FindingFactory('k');
    const meta = workerTestChecks[0].meta;
    const error = new Error('worker gone');
    expect(factory.fromError(meta, 'high', error, subject)).toEqual(
      factory.fromError(meta, 'high', error, full),
    );
    // Nothing else is kept (no annotations, no other relations).
    expect(JSON.stringify(subject)).not.toContain('example.com/token');
    expect(JSON.stringify(subject)).not.toContain('dependsOn');
  });

  describe('catalog pages read by the workers', () => {
    let server: Server | undefined;
    afterEach(
      () =>
        new Promise<void>(done =>
          server ? server.close(() => done()) : done(),
        ),
    );

    /** A catalog answering `GET /entities/by-query` in pages of `pageSize` (cursor = offset). */
    async function serveCatalog(
      entities: Entity[],
      options: { pageSize: number; failWith?: number },
    ) {
      const requests: Array<{ url: string; authorization?: string }> = [];
      server = createServer((req, res) => {
        requests.push({
          url: req.url!,
          authorization: req.headers.authorization,
        });
        if (options.failWith) {
          res.writeHead(options.failWith, {
            'content-type': 'application/json',
          });
          res.end('{"error":{"message":"catalog is down"}}');
          return;
        }
        const offset = Number(
          new URL(req.url!, 'http://x').searchParams.get('cursor') ?? 0,
        );
        const next = offset + options.pageSize;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            items: entities.slice(offset, next),
            totalItems: entities.length,
            pageInfo:
              next < entities.length ? { nextCursor: String(next) } : {},
          }),
        );
      });
      await new Promise<void>(done => server!.listen(0, '127.0.0.1', done));
      const { port } = server!.address() as AddressInfo;
      const request = (cursor?: string) => ({
        url: `http://127.0.0.1:${port}/entities/by-query?limit=${
          options.pageSize
        }${cursor ? `&cursor=${cursor}` : ''}`,
        token: 'catalog-token',
      });
      return { requests, request };
    }

    it('evaluates the entities of a page it read as it evaluates entities sent to it, masked', async () => {
      const secret = fakes.awsKeyId();
      const entities = [
        entity('plain'),
        entity('leaky', { 'acme.io/deploy-key': secret }),
        entity('pagerduty', { 'pagerduty.com/service-id': 'PABC123' }),
      ];
      const { requests, request } = await serveCatalog(entities, {
        pageSize: 2,
      });
      const { session } = await start(catalogChecks, {}, 2);
      const ids = catalogChecks.map(c => c.meta.id);

      const first = await session!.readPage(request(), {
        checkIds: ids,
        incremental: true,
      });
      expect(first.totalItems).toBe(3);
      expect(first.nextCursor).toBe('2');
      expect(first.entities.entityRefs).toEqual([
        'component:default/plain',
        'component:default/leaky',
      ]);
      const second = await session!.readPage(request(first.nextCursor), {
        checkIds: ids,
        incremental: true,
      });
      expect(second.nextCursor).toBeUndefined();
      expect(requests).toEqual([
        {
          url: '/entities/by-query?limit=2',
          authorization: 'Bearer catalog-token',
        },
        {
          url: '/entities/by-query?limit=2&cursor=2',
          authorization: 'Bearer catalog-token',
        },
      ]);

      // Only the second entity of the first page, and the one of the second page.
      const fromHeld = [
        ...(await unpacked(first.evaluate([{ index: 1 }]))),
        ...(await unpacked(second.evaluate([{ index: 0 }]))),
      ];
      const sentAlong = await unpacked(session!.evaluate(
        [entities[1], entities[2]].map(e => ({ entity: e, checkIds: ids })),
      ));
      const findingsOf = (evaluations: typeof fromHeld) =>
        evaluations.map(forEntity => forEntity.map(e => e.findings));
      expect(findingsOf(fromHeld)).toEqual(findingsOf(sentAlong));
      expect(fromHeld[0][0].findings.map(f => f.evidence.secretMask)).toEqual([
        `${secret.slice(0, 4)}…(20 chars)`,
      ]);
      const crossed = JSON.stringify([
        first.entities,
        second.entities,
        fromHeld,
      ]);
      expect(crossed).not.toContain(secret);

      // Recorded digests line up with the checks the page said apply: equal findings stay home.
      const again = await session!.readPage(request(), {
        checkIds: ids,
        incremental: true,
      });
      const [kept] = await unpacked(again.evaluate([
        {
          index: 1,
          recordedDigests: joinFindingsDigests(
            fromHeld[0].map(e => e.findingsDigest!),
          ),
        },
      ]));
      expect(kept.map(e => [e.findings.length, e.keptFailures])).toEqual(
        fromHeld[0].map(e => [
          0,
          e.findings.filter(f => f.outcome === 'fail').length,
        ]),
      );
    });

    it("reports a failed catalog answer as the catalog's failure, and the worker reads on", async () => {
      const failing = await serveCatalog([entity('a')], {
        pageSize: 1,
        failWith: 503,
      });
      const { session } = await start(catalogChecks);
      const options = {
        checkIds: ['catalog/leaked-secret'],
        incremental: false,
      };
      const failed = session!.readPage(failing.request(), options);
      await expect(failed).rejects.toBeInstanceOf(CatalogPageReadError);
      await expect(failed).rejects.toThrow(
        /Catalog request failed with 503 Service Unavailable: .*catalog is down/,
      );
      await new Promise<void>(done => server!.close(() => done()));
      const working = await serveCatalog([entity('a')], { pageSize: 1 });
      const page = await session!.readPage(working.request(), options);
      const [[evaluation]] = await unpacked(page.evaluate([{ index: 0 }]));
      expect(evaluation.thrown).toBeUndefined();
    });

    it('turns a worker that dies holding a page into error outcomes for what the page said of its entities', async () => {
      const { request } = await serveCatalog(
        [entity('ok-1'), entity('hang-1')],
        {
          pageSize: 2,
        },
      );
      const { session } = await startHangingCheck({
        hangMs: 60_000,
        timeoutSeconds: 1,
      });
      const ids = ['catalog/worker-test-crash'];
      const page = await session!.readPage(request(), {
        checkIds: ids,
        incremental: false,
      });
      const [passed, hung] = await unpacked(page.evaluate([{ index: 0 }, { index: 1 }]));
      for (const [evaluation, name] of [
        [passed[0], 'ok-1'],
        [hung[0], 'hang-1'],
      ] as const) {
        expect(evaluation.thrown?.finding).toMatchObject({
          outcome: 'error',
          entityRef: `component:default/${name}`,
          owners: ['group:default/payments'],
        });
      }
      // A fresh worker reads and evaluates the next page.
      const next = await session!.readPage(request(), {
        checkIds: ids,
        incremental: false,
      });
      const [[ok]] = await unpacked(next.evaluate([{ index: 0 }]));
      expect(ok.thrown).toBeUndefined();
      expect(ok.counts.pass).toBe(1);
    });

    it('lets a released page go: it cannot be evaluated after', async () => {
      const { request } = await serveCatalog([entity('a')], { pageSize: 1 });
      const { session } = await start(catalogChecks);
      const ids = ['catalog/leaked-secret'];
      const page = await session!.readPage(request(), {
        checkIds: ids,
        incremental: false,
      });
      page.release();
      const [[evaluation]] = await unpacked(page.evaluate([{ index: 0 }]));
      expect(evaluation.thrown?.message).toMatch(
        /catalog page \d+ is no longer held/,
      );
    });
  });
});
