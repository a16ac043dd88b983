import knexFactory, { Knex } from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import { Finding, Scan } from '@security-posture/plugin-security-posture-common';
import { createTestDatabases, TestDatabaseId } from './__testUtils__/databases';
import { DatabasePostureStore } from './DatabasePostureStore';
import { EntityEvaluation, NewFinding } from './PostureStore';
import { ownersOf } from './__testUtils__/ownersOf';

const databases = createTestDatabases();

function finding(overrides: Partial<NewFinding> = {}): NewFinding {
  return {
    fingerprint: 'f1',
    checkId: 'catalog/leaked-secret',
    category: 'catalog',
    severity: 'high',
    outcome: 'fail',
    title: 'Leaked token',
    message: 'metadata.annotations.x contains a token',
    target: { type: 'entity', entityRef: 'component:default/payments-api' },
    location: 'metadata.annotations.x',
    entityRef: 'component:default/payments-api',
    entityKind: 'Component',
    owners: ['group:default/payments-checkout'],
    evidence: { secretMask: 'AKIA…(20 chars)' },
    remediation: 'Rotate it',
    ...overrides,
  };
}

async function createStore(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const store = await DatabasePostureStore.create({
    database: mockServices.database({ knex, migrations: { skip: false } }),
  });
  return { knex, store };
}

/**
 * The store of a second replica: its own connection pool to the same database. SQLite in memory
 * lives in one connection, so there the "replicas" share it.
 */
async function secondReplicaStore(databaseId: TestDatabaseId, knex: Knex) {
  const other = databaseId === 'SQLITE_3' ? knex : knexFactory(knex.client.config);
  const store = await DatabasePostureStore.create({
    database: mockServices.database({ knex: other }),
    skipMigrations: true,
  });
  return { store, close: async () => (other === knex ? undefined : other.destroy()) };
}

/** What `work` returns, with the SQL statements it issued through `knex`. */
async function withStatements<T>(knex: Knex, work: () => Promise<T>) {
  const statements: string[] = [];
  const onQuery = (query: { sql: string }) => statements.push(query.sql);
  knex.on('query', onQuery);
  try {
    return { result: await work(), statements };
  } finally {
    knex.off('query', onQuery);
  }
}

const entityRef = (name: string) => `component:default/${name}`;

/**
 * A catalog pass of one page over the entities `names` for one check, then its end, with the
 * statements of that end.
 */
async function passThenFinish(
  store: DatabasePostureStore,
  knex: Knex,
  pass: {
    names: string[];
    checkId: string;
    findings?: NewFinding[];
    evaluations?: EntityEvaluation[];
    evaluationsRecordedBefore?: boolean;
  },
) {
  const { names, checkId } = pass;
  const scan = await store.createScan({ trigger: 'manual' });
  await store.applyEntityPage({
    scanId: scan.id,
    seenAt: '2026-11-01T00:00:00.000Z',
    refreshSeenBefore: '2026-11-01T00:00:00.000Z',
    entityRefs: names.map(entityRef),
    checks: [{ checkId, findings: pass.findings ?? [], unevaluatedEntityRefs: [] }],
    evaluations: pass.evaluations,
    forgetEvaluations: [],
  });
  return withStatements(knex, () =>
    store.finishEntityPass({
      scanId: scan.id,
      checkIds: [checkId],
      resolvedAt: '2026-11-01T00:00:00.000Z',
      metEntityRefs: new Set(names.map(entityRef)),
      evaluationsRecordedBefore: pass.evaluationsRecordedBefore,
    }),
  );
}

/** Like ScanService's rule: a queued scan covers the request; one manual start at a time. */
function admitLikeTheService(recent: Scan[]) {
  const queued = recent.find(s => s.status === 'queued');
  if (queued) return queued;
  if (recent.some(s => s.trigger === 'manual')) throw new Error('in cooldown');
  return undefined;
}

describe.each(databases.eachSupportedId())('DatabasePostureStore on %p', databaseId => {
  it('decides concurrent scan starts and claims one at a time, across connection pools', async () => {
    const { store, knex } = await createStore(databaseId);
    const other = await secondReplicaStore(databaseId, knex);
    try {
      const replicas = [store, other.store];
      const starts = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          replicas[i % 2].enqueueScan(
            { trigger: 'manual', requestedBy: `user:default/u${i}` },
            admitLikeTheService,
          ),
        ),
      );
      const started = starts.flatMap(r => (r.status === 'fulfilled' ? [r.value.id] : []));
      // Every request was answered with the one queued scan; none saw an empty history.
      expect(started).toHaveLength(20);
      expect(new Set(started).size).toBe(1);
      expect(await store.listScans({ limit: 50 })).toHaveLength(1);

      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          replicas[i % 2].claimQueuedScan({
            startedAt: new Date().toISOString(),
            runner: `replica-${i % 2}`,
          }),
        ),
      );
      expect(claims.filter(Boolean).map(c => c!.id)).toEqual([started[0]]);

      // While it runs, further manual starts are refused and nothing else is claimed.
      const refused = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          replicas[i % 2].enqueueScan({ trigger: 'manual' }, admitLikeTheService),
        ),
      );
      expect(refused.map(r => r.status)).toEqual(Array(6).fill('rejected'));
      const scheduled = await other.store.enqueueScan({ trigger: 'schedule' }, recent =>
        recent.find(s => s.status === 'queued'),
      );
      expect(
        await store.claimQueuedScan({ startedAt: new Date().toISOString(), runner: 'x' }),
      ).toBeUndefined();
      expect((await store.getScan(scheduled.id))?.status).toBe('queued');
      expect(await store.listScans({ limit: 50 })).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it('keeps a renewed scan, closes one whose heartbeat stopped, and never reopens it', async () => {
    const { store, knex } = await createStore(databaseId);
    const scan = await store.createScan({ trigger: 'manual' });
    await store.claimQueuedScan({ startedAt: '2026-11-01T00:00:00.000Z', runner: 'host:42:abcd' });
    expect(await knex('security_posture_scans').where({ id: scan.id }).first()).toMatchObject({
      runner: 'host:42:abcd',
      heartbeat_at: '2026-11-01T00:00:00.000Z',
    });

    expect(await store.heartbeatScan(scan.id, '2026-11-01T00:01:00.000Z')).toBe(true);
    // Renewed at 00:01: not stale for a cut-off before that.
    expect(await store.failStaleScans('2026-11-01T00:00:30.000Z', 'gone')).toEqual([]);

    const interrupted = { status: 'failed', message: 'Scan was interrupted' };
    expect(await store.failStaleScans('2026-11-01T00:02:00.000Z', interrupted.message)).toEqual([
      scan.id,
    ]);
    expect(await store.getScan(scan.id)).toMatchObject(interrupted);
    // The replica that ran it learns it lost the scan, and cannot overwrite the outcome.
    expect(await store.heartbeatScan(scan.id, '2026-11-01T00:03:00.000Z')).toBe(false);
    expect(await store.finishScan(scan.id, { status: 'succeeded', message: null })).toBe(false);
    expect(await store.getScan(scan.id)).toMatchObject(interrupted);
  });

  it('tracks first/last seen, resolves missing findings and reopens them', async () => {
    const { store } = await createStore(databaseId);
    const scan1 = await store.createScan({ trigger: 'manual' });
    await store.applyCheckFindings({
      scanId: scan1.id,
      checkId: 'catalog/leaked-secret',
      findings: [finding(), finding({ fingerprint: 'f2', entityRef: 'component:default/other', owners: ['group:default/search'] })],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });

    const scan2 = await store.createScan({ trigger: 'schedule' });
    await store.applyCheckFindings({
      scanId: scan2.id,
      checkId: 'catalog/leaked-secret',
      findings: [finding()],
      seenAt: '2026-11-02T00:00:00.000Z',
      resolveMissing: true,
    });
    const f1 = await store.getFinding('f1');
    expect(f1).toMatchObject<Partial<Finding>>({
      status: 'open',
      firstSeenAt: '2026-11-01T00:00:00.000Z',
      lastSeenAt: '2026-11-02T00:00:00.000Z',
    });
    expect(await store.getFinding('f2')).toMatchObject({
      status: 'resolved',
      resolvedAt: '2026-11-02T00:00:00.000Z',
    });

    const scan3 = await store.createScan({ trigger: 'schedule' });
    await store.applyCheckFindings({
      scanId: scan3.id,
      checkId: 'catalog/leaked-secret',
      findings: [finding({ fingerprint: 'f2', entityRef: 'component:default/other', owners: [] })],
      seenAt: '2026-11-03T00:00:00.000Z',
      resolveMissing: false,
    });
    // resolveMissing false (the check errored): f1 stays open although not reported
    expect((await store.getFinding('f1'))?.status).toBe('open');
    expect(await store.getFinding('f2')).toMatchObject({
      status: 'open',
      firstSeenAt: '2026-11-01T00:00:00.000Z',
    });
    expect((await store.getFinding('f2'))?.resolvedAt).toBeUndefined();
  });

  it('filters, sorts, pages and restricts findings', async () => {
    const { store } = await createStore(databaseId);
    const scan = await store.createScan({ trigger: 'manual' });
    await store.applyCheckFindings({
      scanId: scan.id,
      checkId: 'catalog/leaked-secret',
      findings: [
        finding({ fingerprint: 'a', severity: 'low', title: 'Low 100% thing' }),
        finding({ fingerprint: 'b', severity: 'critical' }),
        finding({
          fingerprint: 'c',
          severity: 'medium',
          entityRef: 'api:default/search-api',
          entityKind: 'API',
          owners: ['group:default/search'],
        }),
      ],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    await store.applyCheckFindings({
      scanId: scan.id,
      checkId: 'permissions/framework-disabled',
      findings: [
        finding({
          fingerprint: 'd',
          checkId: 'permissions/framework-disabled',
          category: 'permissions',
          target: { type: 'config', path: 'permission.enabled' },
          entityRef: undefined,
          entityKind: undefined,
          owners: [],
        }),
      ],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    const all = { type: 'all' } as const;

    const bySeverity = await store.listFindings({ orderBy: 'severity' }, all);
    expect(bySeverity.items.map(f => f.fingerprint)).toEqual(['b', 'd', 'c', 'a']);
    expect(bySeverity.totalItems).toBe(4);

    const page = await store.listFindings({ orderBy: 'severity', limit: 2, offset: 2 }, all);
    expect(page.items.map(f => f.fingerprint)).toEqual(['c', 'a']);
    expect(page.totalItems).toBe(4);

    expect((await store.listFindings({ owner: ['group:default/search'] }, all)).items.map(f => f.fingerprint)).toEqual(['c']);
    expect((await store.listFindings({ entityKind: ['api'] }, all)).items.map(f => f.fingerprint)).toEqual(['c']);
    expect((await store.listFindings({ category: ['permissions'] }, all)).items.map(f => f.fingerprint)).toEqual(['d']);
    // LIKE wildcards in the search text are literal
    expect((await store.listFindings({ text: '100%' }, all)).items.map(f => f.fingerprint)).toEqual(['a']);
    expect((await store.listFindings({ text: '%' }, all)).items.map(f => f.fingerprint)).toEqual(['a']);

    const mine = await store.listFindings({}, {
      type: 'entities',
      entityRefs: ['api:default/search-api'],
    });
    expect(mine.items.map(f => f.fingerprint)).toEqual(['c']);
    expect((await store.listFindings({}, { type: 'entities', entityRefs: [] })).totalItems).toBe(0);

    expect(await store.countOpenBySeverity('component:default/payments-api')).toEqual({
      critical: 1,
      high: 0,
      medium: 0,
      low: 1,
      info: 0,
    });
    expect((await store.listEntityRefsWithFindings()).sort()).toEqual([
      'api:default/search-api',
      'component:default/payments-api',
    ]);

    const streamed: string[] = [];
    for await (const chunk of store.streamFindings({}, all, 3)) {
      streamed.push(...chunk.map(f => f.fingerprint));
    }
    expect(streamed).toEqual(['a', 'b', 'c', 'd']);
  });

  it('rewrites only changed findings and keeps owners in step', async () => {
    const { store, knex } = await createStore(databaseId);
    const apply = async (findings: NewFinding[], seenAt: string) => {
      const scan = await store.createScan({ trigger: 'manual' });
      await store.applyCheckFindings({
        scanId: scan.id,
        checkId: 'catalog/leaked-secret',
        findings,
        seenAt,
        resolveMissing: true,
      });
      return scan.id;
    };
    await apply([finding(), finding({ fingerprint: 'f2' })], '2026-11-01T00:00:00.000Z');
    const hashOf = async (fingerprint: string) =>
      (await knex('security_posture_findings').where({ fingerprint }).first()).content_hash;
    const hashBefore = await hashOf('f1');
    expect(hashBefore).toMatch(/^[0-9a-f]{40}$/);

    // f1 unchanged, f2 with a new owner and title.
    const scan2 = await apply(
      [finding(), finding({ fingerprint: 'f2', title: 'Renamed', owners: ['group:default/new-team'] })],
      '2026-11-02T00:00:00.000Z',
    );
    expect(await hashOf('f1')).toBe(hashBefore);
    expect(await store.getFinding('f1')).toMatchObject({
      status: 'open',
      lastSeenAt: '2026-11-02T00:00:00.000Z',
      firstSeenAt: '2026-11-01T00:00:00.000Z',
    });
    expect(
      await knex('security_posture_findings').where({ fingerprint: 'f1' }).first(),
    ).toMatchObject({ last_scan_id: scan2 });
    expect(await store.getFinding('f2')).toMatchObject({
      title: 'Renamed',
      owners: ['group:default/new-team'],
    });
    expect(await ownersOf(knex, 'f2')).toEqual(['group:default/new-team']);
    const byOwner = await store.listFindings(
      { owner: ['group:default/new-team'] },
      { type: 'all' },
    );
    expect(byOwner.items.map(f => f.fingerprint)).toEqual(['f2']);

    // Resolved, then reported again with the same content: reopened.
    await apply([finding()], '2026-11-03T00:00:00.000Z');
    expect((await store.getFinding('f2'))?.status).toBe('resolved');
    await apply([finding(), finding({ fingerprint: 'f2', title: 'Renamed', owners: ['group:default/new-team'] })], '2026-11-04T00:00:00.000Z');
    expect(await store.getFinding('f2')).toMatchObject({ status: 'open', resolvedAt: undefined });
    expect((await store.getFinding('f2'))?.resolvedAt).toBeUndefined();
  });

  it('writes a page larger than one statement batch on either engine, owners included', async () => {
    const { store, knex } = await createStore(databaseId);
    const ref = (i: number) => `component:default/svc-${i}`;
    const many = Array.from({ length: 1201 }, (_, i) =>
      finding({
        fingerprint: `f${i}`,
        entityRef: ref(i),
        target: { type: 'entity', entityRef: ref(i) },
        owners: [`group:default/team-${i % 7}`, 'group:default/platform'],
      }),
    );
    const scan = await store.createScan({ trigger: 'manual' });
    const page = (findings: NewFinding[], seenAt: string) =>
      store.applyEntityPage({
        scanId: scan.id,
        seenAt,
        refreshSeenBefore: seenAt,
        entityRefs: many.map(f => f.entityRef!),
        checks: [{ checkId: 'catalog/leaked-secret', findings, unevaluatedEntityRefs: [] }],
      });
    await page(many, '2026-11-01T00:00:00.000Z');
    const count = async (table: string, where: object = {}) =>
      Number((await knex(table).where(where).count({ n: '*' }))[0].n);
    expect(await count('security_posture_findings', { status: 'open' })).toBe(1201);
    // Seven sets of two owners, each member stored once; every finding points at its own.
    expect(await count('security_posture_owner_sets')).toBe(14);
    for (const i of [0, 600, 1200]) {
      expect(await ownersOf(knex, `f${i}`)).toEqual([`group:default/platform`, `group:default/team-${i % 7}`]);
    }

    // Every other finding fixed and the rest re-rated: rewritten and resolved across batches.
    const rerated = many.filter((_, i) => i % 2 === 0).map(f => ({ ...f, severity: 'low' as const }));
    await page(rerated, '2026-11-02T00:00:00.000Z');
    expect(await count('security_posture_findings', { status: 'open', severity: 'low' })).toBe(601);
    expect(await count('security_posture_findings', { status: 'resolved' })).toBe(600);
    expect(await count('security_posture_owner_sets')).toBe(14);
    expect(await ownersOf(knex, 'f1200')).toEqual(['group:default/platform', 'group:default/team-3']);
  });

  it('issues no statement for a page with nothing to write (a rescan\'s unchanged entities)', async () => {
    const { store, knex } = await createStore(databaseId);
    const scan = await store.createScan({ trigger: 'manual' });
    const unchanged = await withStatements(knex, () =>
      store.applyEntityPage({
        scanId: scan.id,
        seenAt: '2026-11-01T00:00:00.000Z',
        refreshSeenBefore: '2026-11-01T00:00:00.000Z',
        entityRefs: [],
        checks: [
          {
            checkId: 'catalog/leaked-secret',
            findings: [],
            unevaluatedEntityRefs: [],
            keptEntityRefs: ['component:default/kept'],
            refreshEntityRefs: [],
          },
        ],
        evaluations: [],
        forgetEvaluations: [],
      }),
    );
    expect(unchanged.statements).toEqual([]);
    // A page with something to write still writes it.
    const written = await withStatements(knex, () =>
      store.applyEntityPage({
        scanId: scan.id,
        seenAt: '2026-11-01T00:00:00.000Z',
        refreshSeenBefore: '2026-11-01T00:00:00.000Z',
        entityRefs: ['component:default/payments-api'],
        checks: [{ checkId: 'catalog/leaked-secret', findings: [finding()], unevaluatedEntityRefs: [] }],
      }),
    );
    expect(written.statements.length).toBeGreaterThan(0);
  });

  it('counts open findings per group and lists the first of chosen groups', async () => {
    const { store } = await createStore(databaseId);
    const scan = await store.createScan({ trigger: 'manual' });
    const findings = [
      ...['h3', 'h1', 'h2'].map(fp => finding({ fingerprint: fp, severity: 'high' })),
      ...['m2', 'm1'].map(fp => finding({ fingerprint: fp, severity: 'medium' })),
      finding({ fingerprint: 'e1', severity: 'high', outcome: 'error' }),
      finding({ fingerprint: 'p1', severity: 'low', category: 'plugins' }),
    ];
    await store.applyCheckFindings({
      scanId: scan.id,
      checkId: 'catalog/leaked-secret',
      findings,
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    await store.applyCheckFindings({
      scanId: scan.id,
      checkId: 'catalog/leaked-secret',
      findings: [],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: false,
    });
    const groups = await store.countOpenFindingGroups();
    const key = (g: { category: string; severity: string; outcome: string }) =>
      `${g.category}/${g.severity}/${g.outcome}`;
    expect(Object.fromEntries(groups.map(g => [key(g), g.count]))).toEqual({
      'catalog/high/fail': 3,
      'catalog/medium/fail': 2,
      'catalog/high/error': 1,
      'plugins/low/fail': 1,
    });
    const first = await store.listOpenFindingsOfGroups(
      [
        { category: 'catalog', severity: 'high', outcome: 'fail' },
        { category: 'catalog', severity: 'medium', outcome: 'fail' },
      ],
      4,
    );
    expect(first.map(f => f.fingerprint)).toEqual(['h1', 'h2', 'h3', 'm1']);
    expect(first[0]).toEqual({
      fingerprint: 'h1',
      checkId: 'catalog/leaked-secret',
      title: 'Leaked token',
      category: 'catalog',
      severity: 'high',
      outcome: 'fail',
    });
  });

  it('claims queued scans once and keeps history in order', async () => {
    const { store } = await createStore(databaseId);
    const scan = await store.createScan({ trigger: 'manual', requestedBy: 'user:default/alice' });
    const claimed = await store.claimQueuedScan({ startedAt: '2026-11-01T00:00:01.000Z', runner: 'a' });
    expect(claimed?.id).toBe(scan.id);
    expect(
      await store.claimQueuedScan({ startedAt: '2026-11-01T00:00:02.000Z', runner: 'a' }),
    ).toBeUndefined();
    await store.updateScan(scan.id, {
      status: 'succeeded',
      progress: { done: 5, total: 5 },
      checkRuns: [{ checkId: 'a/b', outcome: 'pass', durationMs: 3, findingCount: 0, errorCount: 0 }],
    });
    expect(await store.getScan(scan.id)).toMatchObject({
      status: 'succeeded',
      progress: { done: 5, total: 5 },
      requestedBy: 'user:default/alice',
      checkRuns: [{ checkId: 'a/b', outcome: 'pass' }],
    });

    for (const [i, day] of ['01', '03', '02'].entries()) {
      await store.saveSummary({
        scanId: `s${i}`,
        finishedAt: `2026-11-${day}T00:00:00.000Z`,
        status: 'succeeded',
        score: 90 - i,
        grade: 'A',
        categories: [],
        counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
      });
    }
    expect((await store.listHistory({ limit: 10 })).map(p => p.scanId)).toEqual(['s0', 's2', 's1']);
    await store.prune('2026-11-02T12:00:00.000Z');
    expect((await store.listHistory({ limit: 10 })).map(p => p.scanId)).toEqual(['s1']);
  });

  it('resolves per evaluated entity page, then entities that left the catalog, and retired checks', async () => {
    const { store } = await createStore(databaseId);
    const check = 'catalog/leaked-secret';
    const ref = (name: string) => `component:default/${name}`;
    const on = (name: string, fingerprint: string) =>
      finding({ fingerprint, entityRef: ref(name), target: { type: 'entity', entityRef: ref(name) } });
    const scan1 = await store.createScan({ trigger: 'manual' });
    await store.applyEntityPage({
      scanId: scan1.id,
      seenAt: '2026-11-01T00:00:00.000Z',
      refreshSeenBefore: '2026-10-31T00:00:00.000Z',
      entityRefs: ['broken', 'fixed', 'same', 'deleted'].map(ref),
      checks: [
        {
          checkId: check,
          findings: [on('broken', 'keep'), on('fixed', 'gone'), on('same', 'same'), on('deleted', 'deleted')],
          unevaluatedEntityRefs: [],
        },
      ],
    });
    await store.applyCheckFindings({
      scanId: scan1.id,
      checkId: check,
      findings: [finding({ fingerprint: 'catalog-error', entityRef: undefined, target: { type: 'deployment' }, outcome: 'error' })],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: false,
    });
    await store.applyCheckFindings({
      scanId: scan1.id,
      checkId: 'auth/old-check',
      findings: [finding({ fingerprint: 'retired', checkId: 'auth/old-check', category: 'auth' })],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });

    // Scan 2 meets broken (the check fails there), fixed (clean now) and same (unchanged), in
    // mixed case; 'deleted' left the catalog.
    const scan2 = await store.createScan({ trigger: 'manual' });
    await store.applyEntityPage({
      scanId: scan2.id,
      seenAt: '2026-11-02T00:00:00.000Z',
      refreshSeenBefore: '2026-10-31T00:00:00.000Z',
      entityRefs: ['Component:default/Broken', ref('fixed'), ref('same')],
      checks: [
        {
          checkId: check,
          findings: [on('same', 'same')],
          unevaluatedEntityRefs: ['Component:default/Broken'],
        },
      ],
    });
    // Per page: fixed is resolved, broken kept, deleted not yet (not on any page so far).
    expect((await store.getFinding('gone'))?.status).toBe('resolved');
    expect((await store.getFinding('keep'))?.status).toBe('open');
    expect((await store.getFinding('deleted'))?.status).toBe('open');
    // Unchanged and seen within the refresh window: not rewritten.
    expect(await store.getFinding('same')).toMatchObject({
      status: 'open',
      lastSeenAt: '2026-11-01T00:00:00.000Z',
    });

    const met2 = new Set(['broken', 'fixed', 'same'].map(ref));
    expect(
      await store.finishEntityPass({
        scanId: scan2.id,
        checkIds: [check],
        resolvedAt: '2026-11-02T00:00:00.000Z',
        metEntityRefs: met2,
      }),
    ).toBe(2);
    expect((await store.getFinding('deleted'))?.status).toBe('resolved');
    expect((await store.getFinding('catalog-error'))?.status).toBe('resolved');
    expect((await store.getFinding('keep'))?.status).toBe('open');
    expect((await store.getFinding('same'))?.status).toBe('open');

    // A later scan past the refresh window marks the unchanged finding as seen.
    const scan3 = await store.createScan({ trigger: 'manual' });
    await store.applyEntityPage({
      scanId: scan3.id,
      seenAt: '2026-11-04T00:00:00.000Z',
      refreshSeenBefore: '2026-11-03T00:00:00.000Z',
      entityRefs: [ref('same')],
      checks: [{ checkId: check, findings: [on('same', 'same')], unevaluatedEntityRefs: [] }],
    });
    expect((await store.getFinding('same'))?.lastSeenAt).toBe('2026-11-04T00:00:00.000Z');


    expect(await store.resolveFindingsOfRetiredChecks([check], '2026-11-02T00:00:00.000Z')).toBe(1);
    expect((await store.getFinding('retired'))?.status).toBe('resolved');
    expect((await store.getFinding('keep'))?.status).toBe('open');
  });

  it('does not walk the open findings of a pass into an empty store, which wrote them all itself', async () => {
    const { store, knex } = await createStore(databaseId);
    const on = (name: string) =>
      finding({ fingerprint: name, entityRef: entityRef(name), target: { type: 'entity', entityRef: entityRef(name) } });
    const pass = async (names: string[]) => {
      const { result, statements } = await passThenFinish(store, knex, {
        names,
        checkId: 'catalog/leaked-secret',
        findings: names.map(on),
      });
      return { resolved: result, walked: statements.some(sql => /group by/i.test(sql)) };
    };
    // The baseline: no walk, and nothing it wrote is taken for an entity that left.
    expect(await pass(['stays', 'leaves'])).toEqual({ resolved: 0, walked: false });
    expect((await store.getFinding('leaves'))?.status).toBe('open');
    // Any later pass walks them: 'leaves' was not met.
    expect(await pass(['stays'])).toEqual({ resolved: 1, walked: true });
    expect((await store.getFinding('leaves'))?.status).toBe('resolved');
    expect((await store.getFinding('stays'))?.status).toBe('open');
  });

  it('forgets the recorded evaluations of entities a pass did not meet, and walks none when the pass recorded them all', async () => {
    const { store, knex } = await createStore(databaseId);
    const ref = entityRef;
    const pass = async (names: string[], evaluationsRecordedBefore?: boolean) => {
      const { statements } = await passThenFinish(store, knex, {
        names,
        checkId: 'catalog/no-owner',
        evaluations: names.map(name => ({
          entityRef: ref(name),
          contentHash: `content-${name}`,
          evaluatorsHash: 'evaluators',
          findingsDigests: '',
        })),
        evaluationsRecordedBefore,
      });
      const recorded = await store.getEntityEvaluations(['a', 'b', 'c'].map(ref));
      return {
        walked: statements.some(sql => /from .security_posture_entity_evaluations/i.test(sql)),
        recorded: [...recorded.keys()].sort(),
      };
    };
    // A store's first pass: everything recorded is its own, for entities it met.
    expect(await pass(['a', 'b', 'c'], false)).toEqual({
      walked: false,
      recorded: ['a', 'b', 'c'].map(ref),
    });
    // A later pass did not meet 'c': its evaluation is forgotten, so it is evaluated if it comes back.
    expect(await pass(['a', 'b'])).toEqual({ walked: true, recorded: ['a', 'b'].map(ref) });
  });

  it('does not look up the findings a scan into an empty store writes, and still keeps one row for a finding written twice', async () => {
    const { store, knex } = await createStore(databaseId);
    const on = (name: string, title = 'First') =>
      finding({ fingerprint: name, title, entityRef: entityRef(name), target: { type: 'entity', entityRef: entityRef(name) } });
    const page = (scanId: string, findings: NewFinding[]) =>
      withStatements(knex, () =>
        store.applyEntityPage({
          scanId,
          seenAt: '2026-11-01T00:00:00.000Z',
          refreshSeenBefore: '2026-11-01T00:00:00.000Z',
          entityRefs: findings.map(f => f.entityRef!),
          checks: [{ checkId: 'catalog/leaked-secret', findings, unevaluatedEntityRefs: [] }],
        }),
      );
    const lookedUp = (statements: string[]) =>
      statements.some(sql => /select .fingerprint., .content_hash./i.test(sql));
    const baseline = await store.createScan({ trigger: 'manual' });
    expect(lookedUp((await page(baseline.id, [on('a'), on('b')])).statements)).toBe(false);
    // E.g. an entity the catalog served on two pages: the second write wins, one row each.
    expect(lookedUp((await page(baseline.id, [on('b', 'Second'), on('c')])).statements)).toBe(false);
    const rows = await knex('security_posture_findings').select('fingerprint', 'title').orderBy('fingerprint');
    expect(rows).toEqual([
      { fingerprint: 'a', title: 'First' },
      { fingerprint: 'b', title: 'Second' },
      { fingerprint: 'c', title: 'First' },
    ]);
    // Later scans compare with what is stored.
    const next = await store.createScan({ trigger: 'manual' });
    expect(lookedUp((await page(next.id, [on('a')])).statements)).toBe(true);
  });

  it('records evaluations said to be new, and replaces one that was recorded meanwhile', async () => {
    const { store } = await createStore(databaseId);
    const ref = entityRef;
    const write = async (contentHash: string, names: string[]) => {
      const scan = await store.createScan({ trigger: 'manual' });
      await store.applyEntityPage({
        scanId: scan.id,
        seenAt: '2026-11-01T00:00:00.000Z',
        refreshSeenBefore: '2026-11-01T00:00:00.000Z',
        entityRefs: names.map(ref),
        checks: [],
        evaluations: names.map(name => ({
          entityRef: ref(name),
          contentHash,
          evaluatorsHash: 'evaluators',
          findingsDigests: '',
          recordedBefore: false,
        })),
      });
    };
    const hashes = async () =>
      [...(await store.getEntityEvaluations(['a', 'b', 'c'].map(ref))).entries()]
        .map(([key, e]) => `${key}=${e.contentHash}`)
        .sort();
    await write('first', ['a', 'b']);
    expect(await hashes()).toEqual([`${ref('a')}=first`, `${ref('b')}=first`]);
    // E.g. another replica's pass recorded 'b' after this page read it.
    await write('second', ['b', 'c']);
    expect(await hashes()).toEqual([`${ref('a')}=first`, `${ref('b')}=second`, `${ref('c')}=second`]);
  });

  it('looks for missing findings of a deployment check only outside a scan into an empty store', async () => {
    const { store, knex } = await createStore(databaseId);
    const checkId = 'auth/unsafe-config';
    const config = (fingerprint: string) =>
      finding({ fingerprint, checkId, category: 'auth', entityRef: undefined, target: { type: 'config', path: fingerprint } });
    const report = async (fingerprints: string[], seenAt: string) => {
      const scan = await store.createScan({ trigger: 'manual' });
      const { statements } = await withStatements(knex, () =>
        store.applyCheckFindings({
          scanId: scan.id,
          checkId,
          findings: fingerprints.map(config),
          seenAt,
          resolveMissing: true,
        }),
      );
      return statements.some(sql => /not .last_scan_id. =/.test(sql));
    };
    // The baseline wrote every open finding itself: nothing can be missing, no query for it.
    expect(await report(['a', 'b'], '2026-11-01T00:00:00.000Z')).toBe(false);
    expect(await report(['a'], '2026-11-02T00:00:00.000Z')).toBe(true);
    expect((await store.getFinding('b'))?.status).toBe('resolved');
    expect((await store.getFinding('a'))?.status).toBe('open');
  });

  it('finishes a pass once for all its checks, and resolves only checks that were retired', async () => {
    const { store, knex } = await createStore(databaseId);
    const ref = (name: string) => `component:default/${name}`;
    const on = (checkId: string, name: string) =>
      finding({
        fingerprint: `${checkId}:${name}`,
        checkId,
        entityRef: ref(name),
        target: { type: 'entity', entityRef: ref(name) },
      });
    const at1 = '2026-11-01T00:00:00.000Z';
    const scan1 = await store.createScan({ trigger: 'manual' });
    await store.applyEntityPage({
      scanId: scan1.id,
      seenAt: at1,
      refreshSeenBefore: at1,
      entityRefs: [ref('stays'), ref('leaves')],
      checks: ['catalog/x', 'catalog/y', 'catalog/z'].map(checkId => ({
        checkId,
        findings: [on(checkId, 'stays'), on(checkId, 'leaves')],
        unevaluatedEntityRefs: [],
      })),
    });
    await store.applyCheckFindings({
      scanId: scan1.id,
      checkId: 'auth/old-check',
      findings: [finding({ fingerprint: 'retired', checkId: 'auth/old-check', entityRef: undefined, target: { type: 'deployment' } })],
      seenAt: at1,
      resolveMissing: true,
    });
    // Raised by the detection engine, by no registered check: never retired by a scan.
    await knex('security_posture_findings')
      .update({ last_scan_id: 'detections', check_id: 'detections/burst' })
      .where({ fingerprint: 'catalog/z:stays' });

    // The next pass meets only one entity; catalog/z is not among its checks (e.g. it failed).
    const at2 = '2026-11-02T00:00:00.000Z';
    const scan2 = await store.createScan({ trigger: 'manual' });
    await store.applyEntityPage({
      scanId: scan2.id,
      seenAt: at2,
      refreshSeenBefore: at1,
      entityRefs: [ref('stays')],
      checks: ['catalog/x', 'catalog/y'].map(checkId => ({
        checkId,
        findings: [on(checkId, 'stays')],
        unevaluatedEntityRefs: [],
      })),
    });
    expect(
      await store.finishEntityPass({
        scanId: scan2.id,
        checkIds: ['catalog/x', 'catalog/y'],
        resolvedAt: at2,
        metEntityRefs: new Set([ref('stays')]),
      }),
    ).toBe(2);
    const status = async (fingerprint: string) => (await store.getFinding(fingerprint))?.status;
    expect(await status('catalog/x:leaves')).toBe('resolved');
    expect(await status('catalog/y:leaves')).toBe('resolved');
    expect(await status('catalog/z:leaves')).toBe('open');
    expect(await status('catalog/x:stays')).toBe('open');
    expect(
      await store.finishEntityPass({ scanId: scan2.id, checkIds: [], resolvedAt: at2, metEntityRefs: new Set() }),
    ).toBe(0);

    const enabled = ['catalog/x', 'catalog/y', 'catalog/z', 'auth/new-check'];
    expect(await store.resolveFindingsOfRetiredChecks(enabled, at2, scan2.id)).toBe(1);
    expect(await status('retired')).toBe('resolved');
    expect(await status('catalog/z:stays')).toBe('open');
    // Nothing left to retire: nothing changes.
    expect(await store.resolveFindingsOfRetiredChecks(enabled, at2, scan2.id)).toBe(0);
    expect(await store.resolveFindingsOfRetiredChecks(['catalog/x', 'catalog/y'], at2, scan2.id)).toBe(1);
    expect(await status('catalog/z:leaves')).toBe('resolved');
    expect(await status('catalog/z:stays')).toBe('open');
  });

  it('keeps the latest published data per check and key, and settings', async () => {
    const { store } = await createStore(databaseId);
    expect(await store.getPublished('permissions/policy-coverage', 'matrix')).toBeUndefined();
    for (const scanId of ['s1', 's2']) {
      await store.savePublished({
        checkId: 'permissions/policy-coverage',
        key: 'matrix',
        scanId,
        updatedAt: '2026-11-01T00:00:00.000Z',
        data: { cells: [{ principal: 'guest', decision: scanId }] },
      });
    }
    expect(await store.getPublished('permissions/policy-coverage', 'matrix')).toEqual({
      checkId: 'permissions/policy-coverage',
      key: 'matrix',
      scanId: 's2',
      updatedAt: '2026-11-01T00:00:00.000Z',
      data: { cells: [{ principal: 'guest', decision: 's2' }] },
    });
    const first = await store.getOrCreateSetting('fingerprint-key', () => 'k1');
    const second = await store.getOrCreateSetting('fingerprint-key', () => 'k2');
    expect([first, second]).toEqual(['k1', 'k1']);
  });
});
