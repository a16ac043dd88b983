import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  FindingsQuery,
  PermissionCoverageMatrix,
  Scan,
} from '@security-posture/plugin-security-posture-common';
import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { PostureStore, ScoringFinding } from '../database/PostureStore';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import { DatabaseExemptionStore } from '../database/DatabaseExemptionStore';
import { createTestDatabases } from '../database/__testUtils__/databases';
import { inMemoryScoringSource } from './__testUtils__/inMemoryScoringSource';
import { CheckRegistry } from '@security-posture/checks';
import { ReportService } from './ReportService';

function scan(overrides: Partial<Scan>): Scan {
  return {
    id: 's1',
    status: 'succeeded',
    trigger: 'manual',
    createdAt: '2026-11-01T00:00:00.000Z',
    startedAt: '2026-11-01T00:00:01.000Z',
    finishedAt: '2026-11-01T00:00:09.000Z',
    progress: { done: 1, total: 1 },
    ...overrides,
  };
}

function setup(options: { now?: () => number } = {}) {
  const findings: ScoringFinding[] = [
    {
      fingerprint: 'a',
      checkId: 'auth/guest-sign-in',
      title: 'Guest sign-in',
      category: 'auth',
      severity: 'critical',
      outcome: 'fail',
    },
  ];
  const source = inMemoryScoringSource(findings);
  let groupReads = 0;
  let scans: Scan[] = [scan({})];
  let detectionsKey = 'd0';
  const store = {
    countOpenFindingGroups: () => {
      groupReads += 1;
      return source.countOpenFindingGroups();
    },
    listOpenFindingsOfGroups: source.listOpenFindingsOfGroups,
    listFindings: async (query: FindingsQuery) => ({
      items: findings
        .filter(
          f =>
            query.category!.includes(f.category) &&
            query.severity!.includes(f.severity),
        )
        .map(f => ({ ...f, target: { type: 'deployment' }, evidence: {} })),
    }),
    getPublished: async () => undefined,
    listScans: async () => scans,
    countExemptedFindingGroups: async () => [],
    appliedExemptionsKey: async () => '',
  } as unknown as PostureStore;
  const registry = new CheckRegistry(new ConfigReader({}));
  registry.add(
    createSecurityCheck({
      meta: {
        id: 'auth/guest-sign-in',
        title: 'Guest',
        category: 'auth',
        defaultSeverity: 'critical',
        description: 'd',
        remediation: 'r',
      },
      run: async () => [],
    }),
  );
  const service = new ReportService({
    store,
    registry,
    permissions: {
      authorize: async (requests: unknown[]) =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    } as any,
    catalog: {} as any,
    auth: {} as any,
    detectionsKey: async () => detectionsKey,
    now: options.now,
  });
  return {
    service,
    findings,
    groupReads: () => groupReads,
    setDetectionsKey: (next: string) => {
      detectionsKey = next;
    },
    setScans: (next: Scan[]) => {
      scans = next;
    },
  };
}

describe('ReportService.summary', () => {
  const credentials = mockCredentials.user();

  it('scores once per finished scan, and again when the latest scan changes', async () => {
    const { service, findings, groupReads, setScans } = setup();
    const [first, second] = await Promise.all([
      service.summary(credentials),
      service.summary(credentials),
    ]);
    expect(first).toMatchObject({
      grade: 'D',
      counts: { critical: 1 },
      heldDownBy: [{ fingerprint: 'a', severity: 'critical' }],
      nextGrade: {
        grade: 'C',
        fixCount: 1,
        criticalFixes: 1,
        steps: [{ fingerprint: 'a' }],
      },
    });
    expect(second.score).toBe(first.score);
    expect(groupReads()).toBe(1);

    // A new scan fixed the finding.
    findings.pop();
    setScans([scan({ id: 's2' }), scan({})]);
    expect(await service.summary(credentials)).toMatchObject({
      grade: 'A',
      score: 100,
    });
    expect(groupReads()).toBe(2);
    await service.summary(credentials);
    expect(groupReads()).toBe(2);
  });

  it('scores again when a detection records a finding between scans', async () => {
    const { service, findings, groupReads, setDetectionsKey } = setup();
    await service.summary(credentials);
    await service.summary(credentials);
    expect(groupReads()).toBe(1);
    findings.push({
      ...findings[0],
      fingerprint: 'det',
      category: 'detections',
      severity: 'high',
    });
    setDetectionsKey('d1');
    const after = await service.summary(credentials);
    expect(groupReads()).toBe(2);
    expect(after.counts.high).toBeGreaterThan(0);
  });

  it('recomputes at most every 5 s while a scan runs, in the background (findings change under it)', async () => {
    let now = 1_000_000;
    const { service, findings, groupReads, setScans } = setup({
      now: () => now,
    });
    setScans([
      scan({ id: 's2', status: 'running', finishedAt: undefined }),
      scan({}),
    ]);
    expect((await service.summary(credentials)).grade).toBe('D');
    findings.pop();
    now += 4_000;
    // Within 5 s: the scores computed first, without reading the findings again.
    expect((await service.summary(credentials)).grade).toBe('D');
    expect(groupReads()).toBe(1);
    now += 2_000;
    // Stale: this request still gets them at once, and starts the recomputation.
    expect((await service.summary(credentials)).grade).toBe('D');
    await new Promise(resolve => setTimeout(resolve, 100));
    expect((await service.summary(credentials)).grade).toBe('A');
    expect(groupReads()).toBe(2);
    // The scan finished: scored again, for that state.
    setScans([scan({ id: 's2' }), scan({})]);
    expect((await service.summary(credentials)).grade).toBe('A');
    expect(groupReads()).toBe(3);
  });
});

const databases = createTestDatabases();

/** A real SQLite store with one scan, and a ReportService over it. */
async function realStore(
  options: {
    allowed?: () => boolean;
    catalog?: unknown;
    categories?: string[];
    clock?: () => Date;
  } = {},
) {
  const knex = await databases.init('SQLITE_3');
  const database = mockServices.database({ knex, migrations: { skip: false } });
  const store = await DatabasePostureStore.create({
    database,
    clock: options.clock,
  });
  const exemptions = await DatabaseExemptionStore.create({
    database,
    clock: options.clock,
  });
  const scanRecord = await store.createScan({ trigger: 'manual' });
  const allowed = options.allowed ?? (() => true);
  const registry = new CheckRegistry(new ConfigReader({}));
  for (const category of options.categories ?? []) {
    registry.add(
      createSecurityCheck({
        meta: {
          id: `${category}/check`,
          title: category,
          category,
          defaultSeverity: 'high',
          description: 'd',
          remediation: 'r',
        },
        run: async () => [],
      }),
    );
  }
  const service = new ReportService({
    store,
    registry,
    permissions: {
      authorize: async (requests: unknown[]) =>
        requests.map(() => ({
          result: allowed() ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        })),
    } as any,
    catalog: (options.catalog ?? {}) as any,
    auth: mockServices.auth(),
  });
  return { store, exemptions, scanRecord, service };
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

describe('ReportService.summary over a store', () => {
  it('lists what holds the grade down risk first, with exposure from the coverage matrix', async () => {
    const { store, scanRecord, service } = await realStore({
      categories: ['auth', 'catalog', 'permissions', 'plugins', 'templates'],
    });
    const base = {
      message: 'M',
      owners: [],
      remediation: 'R',
      outcome: 'fail' as const,
    };
    const entity = (name: string) => ({
      target: {
        type: 'entity' as const,
        entityRef: `component:default/${name}`,
      },
      entityRef: `component:default/${name}`,
      entityKind: 'component',
    });
    await store.applyCheckFindings({
      scanId: scanRecord.id,
      checkId: 'catalog/leaked-secret',
      findings: [
        ...Array.from({ length: 40 }, (_, i) => ({
          ...base,
          ...entity(`svc-${i}`),
          fingerprint: `low-${String(i).padStart(2, '0')}`,
          checkId: 'catalog/leaked-secret',
          category: 'catalog',
          severity: 'low' as const,
          title: 'Reference',
          evidence: {},
        })),
        {
          ...base,
          ...entity('payments-api'),
          fingerprint: 'crit',
          checkId: 'catalog/leaked-secret',
          category: 'catalog',
          severity: 'critical' as const,
          title: 'Leaked AWS secret access key',
          evidence: { secretMask: '…(40 chars)' },
        },
      ],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    await store.applyCheckFindings({
      scanId: scanRecord.id,
      checkId: 'permissions/policy-coverage',
      findings: [
        {
          ...base,
          fingerprint: 'perm',
          checkId: 'permissions/policy-coverage',
          category: 'permissions',
          severity: 'high' as const,
          title: 'scaffolder.task.create is open to every signed-in user',
          target: { type: 'deployment' as const },
          evidence: { permission: 'scaffolder.task.create' },
        },
      ],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    const principals: PermissionCoverageMatrix['principals'] = [
      { id: 'guest', label: 'Guest', kind: 'guest', source: 'live' },
      {
        id: 'nobody',
        label: 'Dana',
        kind: 'user-owns-nothing',
        source: 'policy-evaluation',
      },
    ];
    const matrix: PermissionCoverageMatrix = {
      generatedAt: '2026-11-01T00:00:00.000Z',
      frameworkEnabled: true,
      policyRegistered: true,
      plugins: [],
      permissions: ['catalog.entity.read', 'scaffolder.task.create'].map(
        name => ({
          name,
          type: 'basic' as const,
          pluginId: name.split('.')[0],
          sensitive: true,
        }),
      ),
      principals,
      cells: [
        {
          permission: 'catalog.entity.read',
          principal: 'guest',
          decision: { result: 'ALLOW' },
        },
        {
          permission: 'catalog.entity.read',
          principal: 'nobody',
          decision: { result: 'ALLOW' },
        },
        {
          permission: 'scaffolder.task.create',
          principal: 'guest',
          decision: { result: 'DENY' },
        },
        {
          permission: 'scaffolder.task.create',
          principal: 'nobody',
          decision: { result: 'ALLOW' },
        },
      ],
      notes: [],
    };
    await store.savePublished({
      checkId: 'permissions/policy-coverage',
      key: 'matrix',
      scanId: scanRecord.id,
      updatedAt: '2026-11-01T00:00:00.000Z',
      data: matrix,
    });
    await store.updateScan(scanRecord.id, {
      status: 'succeeded',
      finishedAt: '2026-11-01T00:00:01.000Z',
    });

    const summary = await service.summary(mockCredentials.user());
    expect(summary.heldDownBy.slice(0, 2)).toMatchObject([
      {
        fingerprint: 'crit',
        entityRef: 'component:default/payments-api',
        exposure: { level: 'guests', permission: 'catalog.entity.read' },
      },
      {
        fingerprint: 'perm',
        exposure: { level: 'signed-in', permission: 'scaffolder.task.create' },
      },
    ]);
    // the critical gains less than the high: a gain-first list would have put it second
    expect(summary.heldDownBy[0].overallGain).toBeLessThan(
      summary.heldDownBy[1].overallGain,
    );
    expect(summary.heldDownBy.slice(2).every(d => d.severity === 'low')).toBe(
      true,
    );
    // capped at D by the critical: the path to C starts with it
    expect(summary).toMatchObject({
      grade: 'D',
      gradeCap: expect.stringMatching(/critical/),
    });
    expect(summary.nextGrade).toMatchObject({
      grade: 'C',
      minimumScore: 70,
      criticalFixes: 1,
      steps: [{ fingerprint: 'crit', exposure: { level: 'guests' } }],
    });
    expect(summary.nextGrade!.steps.length).toBe(summary.nextGrade!.fixCount);
  });
});

describe('ReportService.summary: findings of one outcome crowded out by the other', () => {
  it('still finds the failed finding among many errored ones of its category and severity', async () => {
    const { store, scanRecord, service } = await realStore({
      categories: ['auth', 'plugins'],
    });
    const row = (fingerprint: string, outcome: 'fail' | 'error') => ({
      fingerprint,
      checkId: 'plugins/known-vulnerability',
      category: 'plugins',
      severity: 'high' as const,
      outcome,
      title: outcome === 'fail' ? 'Vulnerable package' : 'Check errored',
      message: 'M',
      target: { type: 'package' as const, name: 'p' },
      owners: [],
      evidence: {},
      remediation: 'R',
    });
    await store.applyCheckFindings({
      scanId: scanRecord.id,
      checkId: 'plugins/known-vulnerability',
      findings: [
        ...Array.from({ length: 60 }, (_, i) =>
          row(`e-${String(i).padStart(2, '0')}`, 'error'),
        ),
        row('zz-fail', 'fail'),
      ],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    await store.updateScan(scanRecord.id, {
      status: 'succeeded',
      finishedAt: '2026-11-01T00:00:01.000Z',
    });
    const { heldDownBy } = await service.summary(mockCredentials.user());
    expect(heldDownBy[0]).toMatchObject({
      fingerprint: 'zz-fail',
      outcome: 'fail',
    });
    expect(heldDownBy.slice(1).every(d => d.outcome === 'error')).toBe(true);
  });
});

describe('ReportService.findings', () => {
  it('takes totals of category/severity queries from the kept counts, equal to counting', async () => {
    const { store, scanRecord, service } = await realStore();
    const categories = ['auth', 'catalog', 'templates'];
    await store.applyCheckFindings({
      scanId: scanRecord.id,
      checkId: 'catalog/leaked-secret',
      findings: Array.from({ length: 60 }, (_, i) => ({
        fingerprint: `f${String(i).padStart(3, '0')}`,
        checkId: 'catalog/leaked-secret',
        category: categories[i % 3],
        severity: SEVERITIES[i % 5],
        outcome: i % 7 === 0 ? ('error' as const) : ('fail' as const),
        title: 'T',
        message: 'M',
        target: { type: 'deployment' as const },
        owners: [],
        evidence: {},
        remediation: 'R',
      })),
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    await store.updateScan(scanRecord.id, {
      status: 'succeeded',
      finishedAt: '2026-11-01T00:00:01.000Z',
    });
    const countGroups = jest.spyOn(store, 'countOpenFindingGroups');
    const credentials = mockCredentials.user();
    for (const query of [
      {},
      { category: ['catalog'] },
      { severity: ['high' as const, 'low' as const] },
      {
        category: ['auth', 'templates'],
        severity: ['critical' as const],
        status: ['open' as const],
      },
      { category: ['nope'] },
      // These need a real count.
      { checkId: ['catalog/leaked-secret'], severity: ['medium' as const] },
      { status: ['open' as const, 'resolved' as const] },
      { text: 'T' },
    ]) {
      const page = await service.findings({ ...query, limit: 5 }, credentials);
      const counted = await store.listFindings(
        { ...query, limit: 5 },
        { type: 'all' },
      );
      expect(page.totalItems).toBe(counted.totalItems);
      expect(page.items).toEqual(counted.items);
    }
    // One count of the groups for every query above while the scan state stayed the same.
    expect(countGroups).toHaveBeenCalledTimes(1);
  });
});

describe('ReportService.entityFindings', () => {
  it('counts from the findings it read, and counts in the database past the limit', async () => {
    let allowed = true;
    const { store, scanRecord, service } = await realStore({
      allowed: () => allowed,
      catalog: { getEntityByRef: async () => ({ kind: 'Component' }) },
    });
    const findingsOf = (name: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        fingerprint: `${name}-${String(i).padStart(4, '0')}`,
        checkId: 'catalog/sensitive-reference',
        category: 'catalog',
        severity: SEVERITIES[(i * 3) % 5],
        outcome: 'fail' as const,
        title: 'T',
        message: 'M',
        target: {
          type: 'entity' as const,
          entityRef: `component:default/${name}`,
        },
        entityRef: `component:default/${name}`,
        owners: [],
        evidence: {},
        remediation: 'R',
      }));
    await store.applyCheckFindings({
      scanId: scanRecord.id,
      checkId: 'catalog/sensitive-reference',
      findings: [...findingsOf('big', 1003), ...findingsOf('small', 7)],
      seenAt: '2026-11-01T00:00:00.000Z',
      resolveMissing: true,
    });
    const credentials = mockCredentials.user();
    for (const name of ['big', 'small']) {
      const ref = `component:default/${name}`;
      const expected = await store.countOpenBySeverity(ref);
      const response = await service.entityFindings(ref, credentials);
      expect(response.visibility).toBe('details');
      expect(response.counts).toEqual(expected);
      expect('findings' in response && response.findings).toHaveLength(
        name === 'big' ? 1000 : 7,
      );
    }
    allowed = false;
    const countsOnly = await service.entityFindings(
      'Component:default/small',
      credentials,
    );
    expect(countsOnly).toEqual({
      entityRef: 'component:default/small',
      visibility: 'counts',
      counts: await store.countOpenBySeverity('component:default/small'),
    });
    expect(countsOnly).not.toHaveProperty('findings');
    // Nothing about scans or who started them for counts-only callers (issue 21, defect 2).
    expect(countsOnly).not.toHaveProperty('lastScan');
    allowed = true;
    // The scan's per-check results describe the deployment: not part of an entity's answer.
    await store.updateScan(scanRecord.id, {
      status: 'succeeded',
      checkRuns: [
        {
          checkId: 'auth/live-probes',
          outcome: 'error',
          durationMs: 1,
          findingCount: 0,
          errorCount: 1,
          message: 'probe failed',
        },
      ],
    });
    expect((await store.listScans({ limit: 1 }))[0].checkRuns).toHaveLength(1);
    const withDetails = await service.entityFindings(
      'component:default/small',
      credentials,
    );
    const lastScan =
      withDetails.visibility === 'details' ? withDetails.lastScan : undefined;
    expect(lastScan).toMatchObject({ id: scanRecord.id, status: 'succeeded' });
    expect(lastScan?.checkRuns).toBeUndefined();
    expect(JSON.stringify(lastScan)).not.toContain('probe failed');
  });
});

describe('ReportService.entityFindings and the catalog (issue 21)', () => {
  const credentials = mockCredentials.user();

  it('404 for an entity the catalog does not know, also for callers who may read every detail', async () => {
    const lookups: unknown[] = [];
    const { service } = await realStore({
      allowed: () => true,
      catalog: {
        getEntityByRef: async (
          ref: string,
          options: { credentials: unknown },
        ) => {
          lookups.push(options.credentials);
          return ref === 'component:default/known'
            ? { kind: 'Component' }
            : undefined;
        },
      },
    });
    await expect(
      service.entityFindings('component:default/gone', credentials),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    await expect(
      service.entityFindings('component:default/known', credentials),
    ).resolves.toMatchObject({
      visibility: 'details',
    });
    // Asked as the plugin itself: the caller may read the details anyway.
    expect(lookups[0]).toMatchObject({ principal: { type: 'service' } });
  });

  it('does not pass catalog errors through', async () => {
    const failure = Object.assign(
      new Error(
        'Request failed: http://localhost:7007/api/catalog/entities/by-name {"error":{"message":"select * from final_entities"}}',
      ),
      { name: 'ResponseError', statusCode: 500 },
    );
    const refused = Object.assign(
      new Error('http://localhost:7007 says: invalid name'),
      {
        name: 'ResponseError',
        statusCode: 400,
      },
    );
    for (const [error, expected] of [
      [failure, { name: 'Error', message: 'Catalog lookup failed' }],
      [refused, { name: 'InputError', message: 'Invalid entity reference' }],
    ] as const) {
      const { service } = await realStore({
        allowed: () => false,
        catalog: { getEntityByRef: async () => Promise.reject(error) },
      });
      const thrown = await service
        .entityFindings('component:default/x', credentials)
        .catch(e => e);
      expect(thrown).toMatchObject(expected);
      expect(thrown.message).not.toContain('localhost');
    }
  });
});

describe('ReportService and exemptions', () => {
  const credentials = mockCredentials.user();
  const DAY = 24 * 60 * 60 * 1000;

  async function withFindings() {
    let now = Date.parse('2027-01-10T12:00:00.000Z');
    const stores = await realStore({
      categories: ['catalog'],
      clock: () => new Date(now),
      catalog: { getEntityByRef: async () => ({ kind: 'Component' }) },
    });
    const entityFinding = (
      fingerprint: string,
      severity: 'critical' | 'high',
    ) => ({
      fingerprint,
      checkId: 'catalog/leaked-secret',
      category: 'catalog',
      severity,
      outcome: 'fail' as const,
      title: `Leak ${fingerprint}`,
      message: 'M',
      target: {
        type: 'entity' as const,
        entityRef: 'component:default/payments-api',
      },
      entityRef: 'component:default/payments-api',
      entityKind: 'Component',
      location: fingerprint,
      owners: ['group:default/payments'],
      evidence: {},
      remediation: 'R',
    });
    await stores.store.applyCheckFindings({
      scanId: stores.scanRecord.id,
      checkId: 'catalog/leaked-secret',
      findings: [
        entityFinding('crit', 'critical'),
        entityFinding('high', 'high'),
      ],
      seenAt: '2027-01-09T00:00:00.000Z',
      resolveMissing: true,
    });
    await stores.store.updateScan(stores.scanRecord.id, {
      status: 'succeeded',
      finishedAt: '2027-01-09T00:00:01.000Z',
    });
    return {
      ...stores,
      advance: (ms: number) => (now += ms),
      at: (ms: number) => new Date(now + ms).toISOString(),
    };
  }

  it('scores without exempted findings, says how much is exempted, and counts them again once expired', async () => {
    const { service, exemptions, advance, at } = await withFindings();
    const before = await service.summary(credentials);
    expect(before).toMatchObject({
      grade: 'D',
      counts: { critical: 1, high: 1 },
      openFindings: 2,
      exempted: { findings: 0, score: before.score, grade: 'D' },
    });

    // No scan in between: the summary follows the exemption at once.
    await exemptions.createExemption({
      scope: { type: 'finding', fingerprint: 'crit' },
      kind: 'accepted-risk',
      reason: 'Key is revoked at the provider; rotation in the next release',
      createdBy: 'user:default/alice',
      expiresAt: at(DAY),
    });
    const exempted = await service.summary(credentials);
    expect(exempted).toMatchObject({
      counts: { critical: 0, high: 1 },
      openFindings: 1,
      gradeCap: undefined,
      exempted: {
        findings: 1,
        counts: { critical: 1 },
        score: before.score,
        grade: 'D',
      },
    });
    expect(exempted.score).toBeGreaterThan(before.score);
    expect(exempted.grade).not.toBe('D');
    expect(exempted.heldDownBy.map(d => d.fingerprint)).toEqual(['high']);

    advance(DAY);
    const expired = await service.summary(credentials);
    expect(expired).toMatchObject({
      grade: 'D',
      score: before.score,
      openFindings: 2,
      exempted: { findings: 0 },
    });
  });

  it('lists exempted findings on the entity tab, and counts only open ones', async () => {
    const { service, exemptions, at } = await withFindings();
    await exemptions.createExemption({
      scope: {
        type: 'target',
        checkId: 'catalog/leaked-secret',
        entityRef: 'component:default/payments-api',
      },
      kind: 'false-positive',
      reason: 'Test fixtures, not credentials',
      createdBy: 'user:default/alice',
      expiresAt: at(DAY),
    });
    const response = await service.entityFindings(
      'component:default/payments-api',
      credentials,
    );
    expect(response.visibility).toBe('details');
    expect(response.counts).toMatchObject({ critical: 0, high: 0 });
    expect(
      response.visibility === 'details' &&
        response.findings.map(f => [
          f.fingerprint,
          f.status,
          f.exemption?.kind,
        ]),
    ).toEqual([
      ['crit', 'exempted', 'false-positive'],
      ['high', 'exempted', 'false-positive'],
    ]);
    const page = await service.findings({ status: ['exempted'] }, credentials);
    expect(page.totalItems).toBe(2);
    expect((await service.findings({}, credentials)).totalItems).toBe(0);
  });
});
