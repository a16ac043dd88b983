import { randomBytes } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { Finding, Scan } from '@security-posture/plugin-security-posture-common';
import {
  CheckResult,
  createEntitySecurityCheck,
  createSecurityCheck,
  redactSecret,
  SecurityCheck,
  SecurityCheckMeta,
} from '@security-posture/plugin-security-posture-node';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import { CatalogEntitySource, EntityPage } from './CatalogEntitySource';
import { CheckRegistry } from '@security-posture/checks';
import { CheckRunner } from './CheckRunner';
import { DefaultScanService } from './ScanService';
import { deferIndexes, findingsIndexes } from '../database/deferredIndexes';

type ScanServiceDeps = ConstructorParameters<typeof DefaultScanService>[0];

const databases = TestDatabases.create({ ids: ['SQLITE_3'], disableDocker: true });

const TABLES = [
  'security_posture_scans',
  'security_posture_findings',
  'security_posture_owner_sets',
  'security_posture_finding_texts',
  'security_posture_summaries',
];

function entity(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { type: 'service', owner: `team-${name}` },
    relations: [{ type: RELATION_OWNED_BY, targetRef: `group:default/team-${name}` }],
  };
}

const refOf = (name: string) => `component:default/${name}`;

/** A catalog whose pages the test controls, including failing after some pages. */
class FakeCatalog {
  entities: Entity[] = [entity('a'), entity('b'), entity('c')];
  /** Throw after yielding this many pages. */
  failAfterPages?: number;
  pagesServed = 0;

  async *pages(options: { pageSize?: number } = {}): AsyncIterable<EntityPage> {
    const size = options.pageSize ?? 500;
    let served = 0;
    for (let i = 0; i < this.entities.length || i === 0; i += size) {
      if (served === this.failAfterPages) {
        throw new Error('catalog unavailable');
      }
      served += 1;
      this.pagesServed += 1;
      yield { items: this.entities.slice(i, i + size), totalItems: this.entities.length };
    }
  }

  async *streamEntities(options: { pageSize?: number } = {}): AsyncIterable<Entity[]> {
    for await (const page of this.pages(options)) yield page.items;
  }
}

function meta(id: string, overrides: Partial<SecurityCheckMeta> = {}): SecurityCheckMeta {
  return {
    id,
    title: `Title of ${id}`,
    category: id.split('/')[0],
    defaultSeverity: 'high',
    description: 'A test check',
    remediation: 'Fix it',
    ...overrides,
  };
}

const failOn = (e: Entity, location = 'spec.owner'): CheckResult => ({
  outcome: 'fail',
  target: { type: 'entity', entityRef: refOf(e.metadata.name) },
  location,
  message: `${e.metadata.name} fails`,
});

const configFinding = (path: string): CheckResult => ({
  outcome: 'fail',
  target: { type: 'config', path },
  location: path,
  message: `${path} is unsafe`,
});

async function setup(checks: SecurityCheck[], config: JsonObject = {}) {
  const knex = await databases.init('SQLITE_3');
  const store = await DatabasePostureStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  const rootConfig = new ConfigReader(config);
  const registry = new CheckRegistry(rootConfig);
  registry.add(...checks);
  const logger = mockServices.logger.mock();
  const catalog = new FakeCatalog();
  const runner = new CheckRunner({
    registry,
    catalog: catalog as unknown as CatalogEntitySource,
    instanceMetadata: { getInstalledPlugins: async () => [] },
    config: rootConfig,
    logger,
    services: {
      auth: mockServices.auth(),
      discovery: mockServices.discovery(),
      fetch: async () => {
        throw new Error('no network in tests');
      },
    },
    getPublished: async (checkId, key) => (await store.getPublished(checkId, key))?.data,
    entityPageSize: 2,
  });
  const serviceDeps: ScanServiceDeps = {
    store,
    runner,
    registry,
    logger,
    fingerprintKey: async () => 'installation-key',
    trigger: async () => {},
    timeoutMs: 60 * 60 * 1000,
    heartbeatMs: 60 * 1000,
    staleAfterMs: 5 * 60 * 1000,
    retentionMs: 90 * 24 * 60 * 60 * 1000,
  };
  const service = new DefaultScanService(serviceDeps);
  /** Another service on the same store, as a second replica would run it. */
  const replica = (overrides: Partial<ScanServiceDeps> = {}) =>
    new DefaultScanService({ ...serviceDeps, ...overrides });
  const scan = async () => {
    const requested = await service.requestScan({ trigger: 'manual' });
    await service.processQueue();
    return (await store.getScan(requested.id))!;
  };
  const all = { type: 'all' } as const;
  const findings = async (checkId?: string, status: Finding['status'][] = ['open']) =>
    (
      await store.listFindings(
        { checkId: checkId ? [checkId] : undefined, status, limit: 1000, orderBy: 'entityRef' },
        all,
      )
    ).items;
  return { knex, store, logger, catalog, scan, findings, replica };
}

const runOf = (scan: Scan, id: string) =>
  scan.checkRuns?.find(r => r.checkId === id);

/** Every call on a logger mock and on the children it handed out. */
function logCalls(logger: LoggerService): unknown[] {
  const mock = logger as jest.Mocked<LoggerService>;
  const calls: unknown[] = [];
  for (const level of ['error', 'warn', 'info', 'debug', 'child'] as const) {
    calls.push(...mock[level].mock.calls);
  }
  for (const result of mock.child.mock.results) {
    if (result.type === 'return') calls.push(...logCalls(result.value));
  }
  return calls;
}

const stringify = (value: unknown) =>
  JSON.stringify(value, (_key, v) =>
    v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v,
  );

describe('DefaultScanService', () => {
  it('turns a throwing and a hanging check into errors and keeps the rest', async () => {
    const hangingSignals: AbortSignal[] = [];
    const { scan, findings, store } = await setup(
      [
        createSecurityCheck({
          meta: meta('auth/throws'),
          run: async () => {
            throw new Error('probe exploded');
          },
        }),
        createSecurityCheck({
          meta: meta('auth/hangs'),
          run: context => {
            hangingSignals.push(context.signal);
            return new Promise<never>(() => {});
          },
        }),
        createSecurityCheck({
          meta: meta('permissions/framework-disabled', { defaultSeverity: 'critical' }),
          run: async () => [
            configFinding('permission.enabled'),
            { outcome: 'pass', target: { type: 'config', path: 'permission.policy' }, message: 'ok' },
          ],
        }),
        createEntitySecurityCheck({
          meta: meta('catalog/no-owner', { defaultSeverity: 'low' }),
          evaluate: e => (e.metadata.name === 'b' ? [failOn(e)] : []),
        }),
      ],
      { securityPosture: { checkDefaults: { timeout: { milliseconds: 200 } } } },
    );

    const started = Date.now();
    const result = await scan();
    expect(Date.now() - started).toBeLessThan(5000);

    expect(result.status).toBe('partial');
    // Listed in the order they finished: the hanging one only after its timeout.
    expect(result.message).toBe('2 of 4 checks could not complete: auth/throws, auth/hangs');
    expect(result.finishedAt).toBeDefined();
    expect(runOf(result, 'auth/throws')).toMatchObject({
      outcome: 'error',
      errorCount: 1,
      findingCount: 0,
      message: 'probe exploded',
    });
    expect(runOf(result, 'auth/hangs')).toMatchObject({
      outcome: 'error',
      errorCount: 1,
      message: 'timed out after 200 ms',
    });
    expect(runOf(result, 'auth/hangs')!.durationMs).toBeGreaterThanOrEqual(190);
    expect(runOf(result, 'permissions/framework-disabled')).toMatchObject({
      outcome: 'fail',
      findingCount: 1,
      errorCount: 0,
    });
    expect(runOf(result, 'catalog/no-owner')).toMatchObject({ outcome: 'fail', findingCount: 1 });
    // The hanging check was told to stop.
    expect(hangingSignals).toHaveLength(1);
    expect(hangingSignals[0].aborted).toBe(true);

    expect(await findings('auth/throws')).toEqual([
      expect.objectContaining({
        outcome: 'error',
        status: 'open',
        severity: 'high',
        title: 'Check could not complete: Title of auth/throws',
        message: 'probe exploded',
        target: { type: 'deployment' },
        evidence: { errorName: 'Error' },
      }),
    ]);
    expect(await findings('auth/hangs')).toEqual([
      expect.objectContaining({
        outcome: 'error',
        message: 'timed out after 200 ms',
        evidence: { errorName: 'TimeoutError' },
      }),
    ]);
    expect(await findings('permissions/framework-disabled')).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'critical',
        target: { type: 'config', path: 'permission.enabled' },
        message: 'permission.enabled is unsafe',
      }),
    ]);
    expect(await findings('catalog/no-owner')).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'low',
        entityRef: refOf('b'),
        entityKind: 'Component',
        owners: ['group:default/team-b'],
      }),
    ]);

    const [point] = await store.listHistory({ limit: 10 });
    expect(point).toMatchObject({ scanId: result.id, status: 'partial', grade: 'D' });
    expect(point.counts).toEqual({ critical: 1, high: 0, medium: 0, low: 1, info: 0 });
  });

  it('records an error for the one entity a check cannot evaluate and goes on', async () => {
    const steadySaw: string[] = [];
    const { scan, findings } = await setup([
      createEntitySecurityCheck({
        meta: meta('catalog/fragile'),
        evaluate: async e => {
          if (e.metadata.name === 'b') throw new TypeError('cannot parse spec of b');
          return [failOn(e)];
        },
      }),
      createEntitySecurityCheck({
        meta: meta('catalog/steady'),
        evaluate: e => {
          steadySaw.push(e.metadata.name);
          return [];
        },
      }),
    ]);

    const result = await scan();
    expect(steadySaw).toEqual(['a', 'b', 'c']);
    expect(result.status).toBe('partial');
    expect(runOf(result, 'catalog/fragile')).toMatchObject({
      outcome: 'error',
      errorCount: 1,
      findingCount: 2,
      message: '1 entities could not be evaluated; first error: cannot parse spec of b',
    });
    expect(runOf(result, 'catalog/steady')).toMatchObject({ outcome: 'pass', errorCount: 0 });

    const stored = await findings('catalog/fragile');
    expect(stored.map(f => [f.entityRef, f.outcome, f.message])).toEqual([
      [refOf('a'), 'fail', 'a fails'],
      [refOf('b'), 'error', 'cannot parse spec of b'],
      [refOf('c'), 'fail', 'c fails'],
    ]);
    expect(stored[1]).toMatchObject({
      target: { type: 'entity', entityRef: refOf('b') },
      owners: ['group:default/team-b'],
      evidence: { errorName: 'TypeError' },
    });
  });

  it('keeps earlier findings when the catalog fails mid-stream, then resolves on success', async () => {
    let unsafePath = 'auth.environment';
    let failing = ['a', 'b', 'c'];
    const { scan, findings, catalog, store } = await setup([
      createSecurityCheck({
        meta: meta('auth/unsafe-config'),
        run: async () => [configFinding(unsafePath)],
      }),
      createEntitySecurityCheck({
        meta: meta('catalog/no-owner'),
        evaluate: e => (failing.includes(e.metadata.name) ? [failOn(e)] : []),
      }),
    ]);

    const first = await scan();
    expect(first.status).toBe('succeeded');
    const firstFindings = await findings('catalog/no-owner');
    expect(firstFindings.map(f => f.entityRef)).toEqual([refOf('a'), refOf('b'), refOf('c')]);
    const cBefore = firstFindings[2];

    // Second scan: the catalog serves [a, b], then breaks; the deployment check moved on.
    catalog.failAfterPages = 1;
    unsafePath = 'backend.auth.dangerouslyDisableDefaultAuthPolicy';
    const second = await scan();
    expect(second.status).toBe('partial');
    expect(second.message).toBe('1 of 2 checks could not complete: catalog/no-owner');
    expect(runOf(second, 'catalog/no-owner')).toMatchObject({
      outcome: 'error',
      errorCount: 1,
      message: 'Catalog read failed after 2 entities: catalog unavailable',
    });
    expect(second.progress).toEqual({ done: 3, total: 4 });

    const afterFailure = await findings('catalog/no-owner');
    expect(afterFailure.map(f => [f.entityRef ?? null, f.outcome])).toEqual([
      [null, 'error'],
      [refOf('a'), 'fail'],
      [refOf('b'), 'fail'],
      [refOf('c'), 'fail'],
    ]);
    expect(afterFailure[0]).toMatchObject({
      target: { type: 'deployment' },
      message: 'Catalog read failed after 2 entities: catalog unavailable',
    });
    // c was never read in the second scan, and nothing about it was lost.
    expect(afterFailure[3]).toEqual(cBefore);
    // a was seen again unchanged: kept as it was (last sightings are refreshed daily).
    expect(afterFailure[1]).toEqual(firstFindings[0]);
    expect((await store.getFinding(cBefore.fingerprint))?.status).toBe('open');

    // The deployment check of the same scan updated normally.
    const deployment = await findings('auth/unsafe-config', ['open', 'resolved']);
    expect(deployment.map(f => [(f.target as { path: string }).path, f.status])).toEqual(
      expect.arrayContaining([
        ['auth.environment', 'resolved'],
        ['backend.auth.dangerouslyDisableDefaultAuthPolicy', 'open'],
      ]),
    );
    expect(deployment).toHaveLength(2);

    // Third scan: the catalog is back and b was fixed.
    catalog.failAfterPages = undefined;
    failing = ['a', 'c'];
    const third = await scan();
    expect(third.status).toBe('succeeded');
    expect(third.message).toBeUndefined();
    expect(third.progress).toEqual({ done: 4, total: 4 });
    expect((await findings('catalog/no-owner')).map(f => f.entityRef)).toEqual([
      refOf('a'),
      refOf('c'),
    ]);
    const resolved = await findings('catalog/no-owner', ['resolved']);
    expect(resolved.map(f => [f.entityRef ?? null, f.outcome])).toEqual([
      [null, 'error'],
      [refOf('b'), 'fail'],
    ]);
    for (const f of resolved) {
      expect(f.resolvedAt).toBeDefined();
      expect(f.resolvedAt! >= f.lastSeenAt).toBe(true);
    }

    const history = await store.listHistory({ limit: 10 });
    expect(history.map(h => h.status)).toEqual(['succeeded', 'partial', 'succeeded']);
    expect(history[2].counts.high).toBe(3);
    expect(history[2].score).toBeGreaterThan(history[0].score);
  });

  it('writes each page of entity findings during the pass, and fails the scan if a write fails', async () => {
    const storedWhenLastPageRead: string[] = [];
    const late = {} as { store: Awaited<ReturnType<typeof setup>>['store'] };
    const context = await setup([
      createEntitySecurityCheck({
        meta: meta('catalog/no-owner'),
        evaluate: async e => {
          if (e.metadata.name === 'e') {
            const stored = await late.store.listFindings(
              { checkId: ['catalog/no-owner'], limit: 100 },
              { type: 'all' },
            );
            storedWhenLastPageRead.push(...stored.items.map(f => f.entityRef!));
          }
          return [failOn(e)];
        },
      }),
    ]);
    late.store = context.store;
    const { store } = context;
    // Pages of 2: [a, b], [c, d], [e]. When page 3 is evaluated, page 1 is stored (page 2 may
    // still be in flight: writes overlap with the next page's checks).
    context.catalog.entities = ['a', 'b', 'c', 'd', 'e'].map(entity);
    const first = await context.scan();
    expect(first.status).toBe('succeeded');
    expect(storedWhenLastPageRead).toEqual(expect.arrayContaining([refOf('a'), refOf('b')]));
    expect(storedWhenLastPageRead).not.toContain(refOf('e'));
    expect(runOf(first, 'catalog/no-owner')).toMatchObject({ outcome: 'fail', findingCount: 5 });
    expect((await context.findings('catalog/no-owner')).map(f => f.entityRef)).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map(refOf),
    );

    // The database fails while the second scan writes its pages (unchanged ones, gathered into
    // one write): the scan fails, and what the first scan found is still open (nothing was
    // resolved by a scan that could not finish).
    const apply = store.applyEntityPage.bind(store);
    let calls = 0;
    jest.spyOn(store, 'applyEntityPage').mockImplementation(async options => {
      calls += 1;
      if (calls === 1) throw new Error('select * from security_posture_findings: database is gone');
      return apply(options);
    });
    context.catalog.entities = ['a', 'b', 'c'].map(entity);
    const second = await context.scan();
    expect(second.status).toBe('failed');
    // Said plainly; the database's own text is only logged.
    expect(second.message).toBe(
      'Scan failed: its results could not be written to the database; previous results are kept',
    );
    expect((await context.findings('catalog/no-owner')).map(f => f.entityRef)).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map(refOf),
    );
  });

  it('builds the findings indexes a scan into an empty store deferred, when its pass ends or the scan fails', async () => {
    const noOwner = () =>
      createEntitySecurityCheck({ meta: meta('catalog/no-owner'), evaluate: async e => [failOn(e)] });
    // Pages of 2: [a, b], [c, d], [e]; the number of findings indexes after each page's write.
    const firstScan = async (failAtWrite?: number) => {
      const context = await setup([noOwner()]);
      const { store, knex } = context;
      const migrated = await findingsIndexes(knex);
      const apply = store.applyEntityPage.bind(store);
      const indexesAfterWrites: number[] = [];
      jest.spyOn(store, 'applyEntityPage').mockImplementation(async options => {
        if (indexesAfterWrites.length + 1 === failAtWrite) throw new Error('database is gone');
        await apply(options);
        indexesAfterWrites.push((await findingsIndexes(knex)).length);
      });
      context.catalog.entities = ['a', 'b', 'c', 'd', 'e'].map(entity);
      const scan = await context.scan();
      return { scan, migrated, indexesAfterWrites, indexes: await findingsIndexes(knex) };
    };

    const ended = await firstScan();
    expect(ended.scan.status).toBe('succeeded');
    // Deferred after the first page (only the entity index stays), built at the pass's end.
    expect(ended.indexesAfterWrites).toEqual([1, 1, 1]);
    expect(ended.indexes).toEqual(ended.migrated);

    const failed = await firstScan(2);
    expect(failed.scan.status).toBe('failed');
    expect(failed.indexesAfterWrites).toEqual([1]);
    expect(failed.indexes).toEqual(failed.migrated);
  });

  it('looks up recorded evaluations page by page only once some are recorded', async () => {
    const context = await setup([
      createEntitySecurityCheck({ meta: meta('catalog/no-owner'), evaluate: async e => [failOn(e)] }),
    ]);
    const lookups = jest.spyOn(context.store, 'getEntityEvaluations');
    const finishes = jest.spyOn(context.store, 'finishEntityPass');
    context.catalog.entities = ['a', 'b', 'c'].map(entity);
    expect((await context.scan()).status).toBe('succeeded');
    // The first scan: nothing recorded yet, so no page asks, and its end forgets nothing.
    expect(lookups).not.toHaveBeenCalled();
    expect(finishes).toHaveBeenLastCalledWith(expect.objectContaining({ evaluationsRecordedBefore: false }));
    expect(await context.store.hasEntityEvaluations()).toBe(true);
    const second = await context.scan();
    expect(second.status).toBe('succeeded');
    // Full or not, a later pass reads what the first recorded (its findings digests).
    expect(lookups).toHaveBeenCalled();
    expect(finishes).toHaveBeenLastCalledWith(expect.objectContaining({ evaluationsRecordedBefore: true }));
  });

  it('answers a scan request with the scan already waiting to start', async () => {
    const { store } = await setup([
      createSecurityCheck({ meta: meta('auth/unsafe-config'), run: async () => [] }),
    ]);
    const service = new DefaultScanService({
      store,
      runner: { run: async () => [] } as unknown as CheckRunner,
      registry: new CheckRegistry(new ConfigReader({})),
      logger: mockServices.logger.mock(),
      trigger: async () => {},
      timeoutMs: 60_000,
      heartbeatMs: 10_000,
      staleAfterMs: 60_000,
      retentionMs: 60_000,
    });
    const first = await service.requestScan({ trigger: 'manual', requestedBy: 'user:default/a' });
    const second = await service.requestScan({ trigger: 'manual', requestedBy: 'user:default/b' });
    expect(second.id).toBe(first.id);
    await service.processQueue();
    const third = await service.requestScan({ trigger: 'manual' });
    expect(third.id).not.toBe(first.id);
    expect((await store.listScans({ limit: 10 })).map(s => s.status)).toEqual([
      'queued',
      'succeeded',
    ]);
  });

  it('resolves what a later successful scan no longer reports', async () => {
    let failing = ['a', 'b', 'c'];
    let unsafe = ['auth.environment', 'auth.providers.guest'];
    const { scan, findings, store } = await setup([
      createSecurityCheck({
        meta: meta('auth/unsafe-config'),
        run: async () => unsafe.map(configFinding),
      }),
      createEntitySecurityCheck({
        meta: meta('catalog/no-owner'),
        evaluate: e => (failing.includes(e.metadata.name) ? [failOn(e)] : []),
      }),
    ]);
    const first = await scan();
    expect(first.status).toBe('succeeded');
    expect(first.progress).toEqual({ done: 4, total: 4 });
    const before = await findings();
    expect(before).toHaveLength(5);

    failing = ['c'];
    unsafe = ['auth.providers.guest'];
    const second = await scan();
    expect(second).toMatchObject({ status: 'succeeded', progress: { done: 4, total: 4 } });

    const open = await findings();
    expect(open.map(f => f.entityRef ?? (f.target as { path: string }).path).sort()).toEqual([
      'auth.providers.guest',
      refOf('c'),
    ]);
    const resolved = await findings(undefined, ['resolved']);
    expect(resolved.map(f => f.entityRef ?? (f.target as { path: string }).path).sort()).toEqual([
      'auth.environment',
      refOf('a'),
      refOf('b'),
    ]);
    for (const f of resolved) {
      const previous = before.find(b => b.fingerprint === f.fingerprint)!;
      expect(f).toMatchObject({ status: 'resolved', lastSeenAt: previous.lastSeenAt });
      expect(f.resolvedAt! >= f.lastSeenAt).toBe(true);
    }
    // Still-reported findings keep their first sighting.
    const c = open.find(f => f.entityRef === refOf('c'))!;
    expect(c.firstSeenAt).toBe(before.find(f => f.entityRef === refOf('c'))!.firstSeenAt);

    const history = await store.listHistory({ limit: 10 });
    expect(history.map(h => h.scanId)).toEqual([first.id, second.id]);
    expect(history[1].score).toBeGreaterThan(history[0].score);
  });

  it('never stores or logs a detected secret', async () => {
    const PLANTED = ['tok', '_', randomBytes(12).toString('hex')].join('');
    const TAIL = PLANTED.slice(4);
    const { mask, fingerprint } = redactSecret(PLANTED, 'installation-key');
    const { scan, findings, knex, logger } = await setup([
      createEntitySecurityCheck({
        meta: meta('catalog/secret-probe'),
        evaluate: (e, context): CheckResult[] => {
          if (e.metadata.name !== 'a') return [];
          context.logger.info(`probing ${e.metadata.name}: saw ${PLANTED}`);
          context.logger.warn('details', { token: PLANTED });
          return [
            // Reported before the result that declares the secret, and without declaring it.
            {
              outcome: 'fail',
              target: { type: 'entity', entityRef: refOf('a') },
              location: 'metadata.description',
              message: `the description repeats ${PLANTED}`,
              evidence: { excerpt: PLANTED },
            },
            {
              outcome: 'fail',
              target: { type: 'entity', entityRef: refOf('a') },
              location: `spec.config["${PLANTED}"]`,
              title: `Token ${PLANTED} in entity`,
              message: `spec.config holds ${PLANTED}`,
              evidence: { snippet: `token: ${PLANTED}`, lines: [`1: ${PLANTED}`, 'clean'] },
              secret: { value: PLANTED, kind: 'test-token' },
            },
          ];
        },
      }),
      createEntitySecurityCheck({
        meta: meta('catalog/secret-thrower'),
        evaluate: e => {
          if (e.metadata.name === 'b') throw new Error(`could not parse ${PLANTED}`);
          return [];
        },
      }),
    ]);

    const result = await scan();
    expect(result.status).toBe('partial');

    const probeFindings = await findings('catalog/secret-probe');
    expect(probeFindings).toHaveLength(2);
    const secretFinding = probeFindings.find(f => f.evidence.secretMask)!;
    expect(probeFindings.find(f => f !== secretFinding)).toMatchObject({
      message: `the description repeats ${mask}`,
      evidence: { excerpt: mask },
    });
    expect(secretFinding).toMatchObject({
      title: `Token ${mask} in entity`,
      message: `spec.config holds ${mask}`,
      location: `spec.config["${mask}"]`,
      evidence: {
        secretKind: 'test-token',
        secretMask: mask,
        secretFingerprint: fingerprint,
        snippet: `token: ${mask}`,
        lines: [`1: ${mask}`, 'clean'],
      },
    });
    const [thrown] = await findings('catalog/secret-thrower');
    expect(thrown).toMatchObject({ outcome: 'error', message: `could not parse ${mask}` });

    // Sweep every row of every table.
    for (const table of TABLES) {
      const rows = await knex(table).select();
      expect(rows.length).toBeGreaterThan(0);
      const dump = stringify(rows);
      expect(dump).not.toContain(PLANTED);
      expect(dump).not.toContain(TAIL);
    }
    const findingsDump = stringify(await knex('security_posture_findings').select());
    expect(findingsDump).toContain(mask);
    expect(findingsDump).toContain(fingerprint);

    // ... and everything that was logged, including what the check logged itself.
    const logged = stringify(logCalls(logger));
    expect(logged).not.toContain(PLANTED);
    expect(logged).not.toContain(TAIL);
    expect(logged).toContain(`probing a: saw ${mask}`);
    expect(logged).toContain(JSON.stringify({ token: mask }));
  });

  it('fails a scan in which every check errors and keeps the previous results', async () => {
    let broken = false;
    const { scan, findings, store } = await setup([
      createSecurityCheck({
        meta: meta('auth/unsafe-config'),
        run: async () => {
          if (broken) throw new Error('config unreadable');
          return [configFinding('auth.environment')];
        },
      }),
      createEntitySecurityCheck({
        meta: meta('catalog/no-owner'),
        evaluate: e => {
          if (broken) throw new Error(`cannot read ${e.metadata.name}`);
          return e.metadata.name === 'a' ? [failOn(e)] : [];
        },
      }),
    ]);
    const first = await scan();
    expect(first.status).toBe('succeeded');
    const before = await findings();
    expect(before.map(f => f.outcome)).toEqual(['fail', 'fail']);

    broken = true;
    const second = await scan();
    expect(second.status).toBe('failed');
    expect(second.message).toBe('All 2 checks failed; previous results are kept');
    expect(second.checkRuns?.map(r => [r.checkId, r.outcome, r.errorCount])).toEqual([
      ['auth/unsafe-config', 'error', 1],
      ['catalog/no-owner', 'error', 3],
    ]);

    const after = await findings(undefined, ['open', 'resolved']);
    for (const previous of before) {
      expect(after.find(f => f.fingerprint === previous.fingerprint)).toEqual(previous);
    }
    expect(after.filter(f => f.outcome === 'error')).toHaveLength(4);
    expect(after.every(f => f.status === 'open')).toBe(true);

    // A failed scan leaves no point in the history.
    expect((await store.listHistory({ limit: 10 })).map(h => h.scanId)).toEqual([first.id]);
  });

  it('stores published data of clean runs, keeps it when a run errors, and shares it', async () => {
    let fail = false;
    let seenByReader: unknown;
    const publisher = createSecurityCheck({
      meta: meta('permissions/publisher'),
      async run({ publish }) {
        publish('matrix', { run: fail ? 'second' : 'first', token: ['tok', '_', 'abc'].join('') });
        if (fail) throw new Error('broken');
        return [];
      },
    });
    const reader = createEntitySecurityCheck({
      meta: meta('catalog/reader'),
      async evaluate(_entity, { getPublished }) {
        seenByReader = await getPublished('permissions/publisher', 'matrix');
        return [];
      },
    });
    const { store, scan } = await setup([publisher, reader]);
    await scan();
    expect((await store.getPublished('permissions/publisher', 'matrix'))?.data).toMatchObject({
      run: 'first',
    });
    expect(seenByReader).toMatchObject({ run: 'first' });
    fail = true;
    expect((await scan()).status).toBe('partial');
    expect((await store.getPublished('permissions/publisher', 'matrix'))?.data).toMatchObject({
      run: 'first',
    });
  });

  it('fingerprints secrets with the installation key', async () => {
    const secret = ['tok', '_', randomBytes(12).toString('hex')].join('');
    const check = createEntitySecurityCheck({
      meta: meta('catalog/keyed'),
      evaluate: e =>
        e.metadata.name === 'a'
          ? [{ ...failOn(e), secret: { value: secret, kind: 'test-token' } }]
          : [],
    });
    const { findings, scan } = await setup([check]);
    await scan();
    const [found] = await findings('catalog/keyed');
    expect(found.evidence.secretFingerprint).toBe(redactSecret(secret, 'installation-key').fingerprint);
    expect(found.evidence.secretFingerprint).not.toBe(redactSecret(secret).fingerprint);
    expect(found.evidence.secretFingerprint).toMatch(/^hmac:[0-9a-f]{16}$/);
  });

  it('still resolves findings of entities a failing check could evaluate', async () => {
    let round = 0;
    const check = createEntitySecurityCheck({
      meta: meta('catalog/flaky'),
      evaluate: e => {
        if (round === 1 && e.metadata.name === 'a') throw new Error('cannot read a');
        return round === 0 ? [failOn(e)] : [];
      },
    });
    const healthy = createSecurityCheck({ meta: meta('auth/healthy'), run: async () => [] });
    const { findings, scan } = await setup([check, healthy]);
    await scan();
    expect((await findings('catalog/flaky')).map(f => f.entityRef)).toEqual(
      ['a', 'b', 'c'].map(refOf),
    );
    round = 1;
    expect((await scan()).status).toBe('partial');
    // b and c were evaluated and are clean now; a could not be evaluated: its finding stays
    const open = (await findings('catalog/flaky')).filter(f => f.outcome === 'fail');
    expect(open.map(f => f.entityRef)).toEqual([refOf('a')]);
  });

  it('closes a scan whose replica stopped renewing it, and honours severity overrides', async () => {
    const check = createSecurityCheck({
      meta: meta('auth/overridden', { defaultSeverity: 'low' }),
      run: async () => [{ ...configFinding('auth.x'), severity: 'info' as const }],
    });
    const { store, scan, findings } = await setup([check], {
      securityPosture: { checks: { auth: { overridden: { severity: 'critical' } } } },
    });
    const stuck = await store.createScan({ trigger: 'manual' });
    // Its last heartbeat is older than staleAfter (5 minutes in this setup).
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000).toISOString();
    await store.claimQueuedScan({ startedAt: tenMinutesAgo, runner: 'gone:1:x' });
    expect((await store.getScan(stuck.id))?.status).toBe('running');

    const done = await scan();
    expect(done.status).toBe('succeeded');
    expect(await store.getScan(stuck.id)).toMatchObject({
      status: 'failed',
      message:
        'Scan was interrupted: the backend running it stopped (no heartbeat for 5 min); previous results are kept',
    });
    const [found] = await findings('auth/overridden');
    expect(found.severity).toBe('critical');
  });
});

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function wait(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** A deployment check that takes `ms` (or until the scan stops it), then reports one finding. */
const slowCheck = (id: string, ms: number) =>
  createSecurityCheck({
    meta: meta(id),
    run: async ({ signal }) => {
      await wait(ms, signal);
      return [configFinding(`${id.replace('/', '.')}.setting`)];
    },
  });

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await wait(10);
  }
}

describe('DefaultScanService across replicas', () => {
  const lease = { heartbeatMs: 50, staleAfterMs: 200 };

  it('starts one scan for many manual starts at once through two replicas', async () => {
    const { store, replica } = await setup([]);
    const [a, b] = ['a', 'b'].map(runnerId => replica({ runnerId, manualCooldownMs: 60_000 }));
    const request = (i: number) =>
      (i % 2 ? a : b).requestScan({
        trigger: 'manual',
        requestedBy: `user:default/u${i}`,
      });

    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => request(i)));
    expect(new Set(first.map(s => s.id)).size).toBe(1);
    await a.processQueue();
    expect((await store.getScan(first[0].id))?.status).toBe('succeeded');

    // The one scan ran: within the cooldown every start is refused, on either replica.
    const again = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => request(i)));
    expect(again.map(r => r.status === 'rejected' && r.reason.name)).toEqual(
      Array(10).fill('TooManyRequestsError'),
    );
    expect(await store.listScans({ limit: 50 })).toHaveLength(1);
  });

  it('keeps a long scan that renews its lease: another replica neither closes it nor runs a second', async () => {
    const { store, replica } = await setup([slowCheck('auth/slow', 600)]);
    const a = replica({ ...lease, runnerId: 'a' });
    const b = replica({ ...lease, runnerId: 'b' });
    const first = await a.requestScan({ trigger: 'manual' });
    const draining = a.processQueue();
    await until(
      'the scan to run',
      async () => (await store.getScan(first.id))?.status === 'running',
    );
    await wait(400); // twice staleAfter

    const second = await b.requestScan({ trigger: 'manual' });
    await b.processQueue();
    expect((await store.getScan(first.id))?.status).toBe('running');
    expect((await store.getScan(second.id))?.status).toBe('queued');

    await draining; // a runs the queued scan after its own
    expect((await store.getScan(first.id))?.status).toBe('succeeded');
    expect((await store.getScan(second.id))?.status).toBe('succeeded');
  });

  it('closes a scan whose replica stopped renewing it; that replica then writes nothing', async () => {
    const { store, replica, findings, knex } = await setup([slowCheck('auth/slow', 800)]);
    const migratedIndexes = await findingsIndexes(knex);
    const a = replica({ ...lease, runnerId: 'a' });
    const b = replica({ ...lease, runnerId: 'b' });
    // a's renewals do not reach the database (as if its process hung), until `frozen` ends.
    const renew = store.heartbeatScan.bind(store);
    let frozen = true;
    jest
      .spyOn(store, 'heartbeatScan')
      .mockImplementation(async (id, at) => (frozen ? true : renew(id, at)));

    const lost = await a.requestScan({ trigger: 'manual' });
    const draining = a.processQueue();
    await wait(350);
    // As if a's scan were a first scan into an empty store that had deferred the indexes.
    await deferIndexes(knex);
    await b.processQueue();
    // b closes the scan and builds them (nothing else would until a scan ends or a restart).
    expect(await findingsIndexes(knex)).toEqual(migratedIndexes);
    const interrupted = {
      status: 'failed',
      message:
        'Scan was interrupted: the backend running it stopped (no heartbeat for 200 ms); previous results are kept',
    };
    expect(await store.getScan(lost.id)).toMatchObject(interrupted);

    // a's next renewal finds the scan closed: it stops at once and records nothing.
    frozen = false;
    const started = Date.now();
    await draining;
    expect(Date.now() - started).toBeLessThan(600);
    expect(await store.getScan(lost.id)).toMatchObject(interrupted);
    expect(await findings('auth/slow')).toEqual([]);
    expect(await store.listHistory({ limit: 10 })).toEqual([]);

    const next = await b.requestScan({ trigger: 'manual' });
    await b.processQueue();
    expect((await store.getScan(next.id))?.status).toBe('succeeded');
    expect(await findings('auth/slow')).toHaveLength(1);
  });

  it('fails a scan that cannot reach the database, mid catalog pass, and keeps the previous results', async () => {
    const slowEntityCheck = createEntitySecurityCheck({
      meta: meta('catalog/slow'),
      evaluate: async (e, context) => {
        await wait(150, context.signal);
        return [failOn(e)];
      },
    });
    const { store, replica, findings, scan } = await setup([slowEntityCheck]);
    expect((await scan()).status).toBe('succeeded');
    const before = await findings();
    expect(before.map(f => f.entityRef)).toEqual(['a', 'b', 'c'].map(refOf));

    const a = replica({ ...lease, runnerId: 'a' });
    jest
      .spyOn(store, 'heartbeatScan')
      .mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const failed = await a.requestScan({ trigger: 'schedule' });
    await a.processQueue();
    // A failure, not a catalog error: no error findings, nothing of the pass recorded.
    expect(await store.getScan(failed.id)).toMatchObject({
      status: 'failed',
      message:
        'Scan failed: the database could not be reached during the scan; previous results are kept',
    });
    expect(await findings(undefined, ['open', 'resolved'])).toEqual(before);
  });

  it('stops a scan at its timeout, and a running scan when the backend shuts down', async () => {
    const { store, replica, findings } = await setup([slowCheck('auth/slow', 5000)]);
    const a = replica({ runnerId: 'a', timeoutMs: 200 });
    const timedOut = await a.requestScan({ trigger: 'manual' });
    const started = Date.now();
    await a.processQueue();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await store.getScan(timedOut.id)).toMatchObject({
      status: 'failed',
      message:
        'Scan failed: it ran longer than the scan timeout (200 ms); previous results are kept',
    });

    const b = replica({ runnerId: 'b' });
    const stopped = await b.requestScan({ trigger: 'manual' });
    const draining = b.processQueue();
    await until(
      'the scan to run',
      async () => (await store.getScan(stopped.id))?.status === 'running',
    );
    await b.stop();
    await draining;
    expect(await store.getScan(stopped.id)).toMatchObject({
      status: 'failed',
      message: 'Scan was interrupted: the backend shut down; previous results are kept',
    });
    expect(await findings('auth/slow')).toEqual([]);
  });
});

describe('DefaultScanService progress', () => {
  it('shows the catalog size while the first page is still evaluated', async () => {
    const { store, replica } = await setup([
      createEntitySecurityCheck({
        meta: meta('catalog/slow'),
        evaluate: async (_e, context) => {
          await wait(400, context.signal);
          return [];
        },
      }),
    ]);
    const service = replica();
    const { id } = await service.requestScan({ trigger: 'manual' });
    const done = service.processQueue();
    // The first page (2 of 3 entities) takes 800 ms; progress writes are at most every 500 ms.
    await wait(700);
    expect(await store.getScan(id)).toMatchObject({
      status: 'running',
      progress: { done: 0, total: 3 },
    });
    await done;
    expect(await store.getScan(id)).toMatchObject({
      status: 'succeeded',
      progress: { done: 3, total: 3 },
    });
  });
});

describe('DefaultScanService when the fingerprint key cannot be read', () => {
  it('fails the scan and stops renewing it', async () => {
    const { store, replica } = await setup([slowCheck('auth/slow', 10)]);
    const service = replica({
      heartbeatMs: 20,
      staleAfterMs: 100,
      fingerprintKey: async () => {
        throw new Error('select value from security_posture_settings: connection refused');
      },
    });
    const renew = jest.spyOn(store, 'heartbeatScan');
    const { id } = await service.requestScan({ trigger: 'manual' });
    await service.processQueue();
    expect(await store.getScan(id)).toMatchObject({
      status: 'failed',
      message: `Scan failed with an internal error (see the backend log for scan ${id}); previous results are kept`,
    });
    const renewals = renew.mock.calls.length;
    await wait(100);
    expect(renew.mock.calls.length).toBe(renewals);
  });
});

describe('DefaultScanService post-scan hook', () => {
  it('calls the post-scan hook once the scan is recorded; a failing hook changes nothing', async () => {
    const { store, replica, logger } = await setup([
      createSecurityCheck({ meta: meta('auth/fails'), run: async () => [configFinding('auth.x')] }),
    ]);
    const seen: Array<{ scanId: string; status: string; recordedAs?: string; grade?: string }> = [];
    const service = replica({
      onScanFinished: async finished => {
        const history = await store.listHistory({ limit: 1 });
        seen.push({
          ...finished,
          recordedAs: (await store.getScan(finished.scanId))?.status,
          grade: history[0]?.scanId === finished.scanId ? history[0].grade : undefined,
        });
        throw new Error('subscriber down');
      },
    });
    const requested = await service.requestScan({ trigger: 'manual' });
    await service.processQueue();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(seen).toEqual([
      expect.objectContaining({
        scanId: requested.id,
        status: 'succeeded',
        recordedAs: 'succeeded',
        grade: expect.any(String),
      }),
    ]);
    expect((await store.getScan(requested.id))?.status).toBe('succeeded');
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('subscriber down'));
  });
});
