import { mockServices } from '@backstage/backend-test-utils';
import { ScanChangesPage, Severity } from '@security-posture/plugin-security-posture-common';
import { createTestDatabases, TestDatabaseId } from './__testUtils__/databases';
import { DatabasePostureStore } from './DatabasePostureStore';
import { NewFinding } from './PostureStore';

const databases = createTestDatabases();

function finding(fingerprint: string, overrides: Partial<NewFinding> = {}): NewFinding {
  return {
    fingerprint,
    checkId: 'auth/check',
    category: 'auth',
    severity: 'high',
    outcome: 'fail',
    title: `Finding ${fingerprint}`,
    message: 'something',
    target: { type: 'deployment' },
    owners: [],
    evidence: {},
    remediation: 'Fix it',
    ...overrides,
  };
}

function entityFinding(fingerprint: string, entity: string, severity: Severity = 'high') {
  const entityRef = `component:default/${entity}`;
  return finding(fingerprint, {
    checkId: 'catalog/check',
    category: 'catalog',
    severity,
    target: { type: 'entity', entityRef },
    entityRef,
    entityKind: 'Component',
    owners: ['group:default/team'],
  });
}

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

const changesOf = (page: ScanChangesPage | undefined) =>
  (page?.items ?? []).map(c =>
    [c.change, c.fingerprint, c.severity, c.previousSeverity].filter(Boolean).join(' '),
  );

describe.each(databases.eachSupportedId())('scan changes on %p (issue 17)', databaseId => {
  async function setup(id: TestDatabaseId) {
    const knex = await databases.init(id);
    const store = await DatabasePostureStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    /** A scan that ran `work` and succeeded; scans are created a few ms apart (ordering). */
    const scan = async (work: (scanId: string, at: string) => Promise<void>) => {
      await tick();
      const created = await store.createScan({ trigger: 'manual' });
      const at = new Date().toISOString();
      await work(created.id, at);
      await store.updateScan(created.id, { status: 'succeeded', finishedAt: at });
      return created.id;
    };
    const apply = (scanId: string, at: string, findings: NewFinding[], checkId = 'auth/check') =>
      store.applyCheckFindings({ scanId, checkId, findings, seenAt: at, resolveMissing: true });
    return { knex, store, scan, apply };
  }

  it('records new, resolved and re-rated findings per scan; the first scan is the baseline', async () => {
    const { store, scan, apply } = await setup(databaseId);

    const first = await scan((id, at) =>
      apply(id, at, [finding('a'), finding('b', { severity: 'medium' })]),
    );
    const baseline = await store.listScanChanges(first, {});
    expect(baseline).toMatchObject({
      scanId: first,
      recorded: true,
      baseline: true,
      counts: { new: 0, reopened: 0, resolved: 0, severity: 0 },
      items: [],
      totalItems: 0,
    });
    expect(baseline?.previousScanId).toBeUndefined();

    // a turns critical, b is fixed, c appears
    const second = await scan((id, at) =>
      apply(id, at, [finding('a', { severity: 'critical' }), finding('c', { severity: 'low' })]),
    );
    const changes = await store.listScanChanges(second, {});
    expect(changes).toMatchObject({
      scanId: second,
      previousScanId: first,
      recorded: true,
      baseline: false,
      counts: { new: 1, reopened: 0, resolved: 1, severity: 1 },
      totalItems: 3,
    });
    // Most severe first.
    expect(changesOf(changes)).toEqual(['severity a critical high', 'resolved b medium', 'new c low']);
    expect(changes!.items[2]).toMatchObject({
      checkId: 'auth/check',
      category: 'auth',
      title: 'Finding c',
    });

    // b comes back, c is fixed, a unchanged: no change for a
    const third = await scan((id, at) =>
      apply(id, at, [finding('a', { severity: 'critical' }), finding('b', { severity: 'medium' })]),
    );
    expect(changesOf(await store.listScanChanges(third, {}))).toEqual([
      'reopened b medium',
      'resolved c low',
    ]);

    // Nothing changes: recorded, all zero.
    const quiet = await scan((id, at) =>
      apply(id, at, [finding('a', { severity: 'critical' }), finding('b', { severity: 'medium' })]),
    );
    expect(await store.listScanChanges(quiet, {})).toMatchObject({
      recorded: true,
      baseline: false,
      previousScanId: third,
      counts: { new: 0, reopened: 0, resolved: 0, severity: 0 },
    });

    // GET /scans: numbers per scan; a scan that wrote nothing has none recorded.
    const unknown = await store.createScan({ trigger: 'schedule' });
    const summaries = await store.summarizeScanChanges([first, second, third, unknown.id]);
    expect(summaries.get(second)).toEqual({
      recorded: true,
      baseline: false,
      counts: { new: 1, reopened: 0, resolved: 1, severity: 1 },
    });
    expect(summaries.get(first)?.baseline).toBe(true);
    expect(summaries.get(unknown.id)).toEqual({
      recorded: false,
      baseline: false,
      counts: { new: 0, reopened: 0, resolved: 0, severity: 0 },
    });
    expect(await store.listScanChanges('no-such-scan', {})).toBeUndefined();
  });

  it('records what entity pages, the end of an entity pass and retired checks resolve', async () => {
    const { store, scan } = await setup(databaseId);
    const page = (scanId: string, at: string, refs: string[], findings: NewFinding[]) =>
      store.applyEntityPage({
        scanId,
        seenAt: at,
        refreshSeenBefore: at,
        entityRefs: refs.map(r => `component:default/${r}`),
        checks: [{ checkId: 'catalog/check', findings, unevaluatedEntityRefs: [] }],
      });
    await scan(async (id, at) => {
      await page(id, at, ['one', 'two', 'three'], [
        entityFinding('e1', 'one'),
        entityFinding('e2', 'two'),
        entityFinding('e3', 'three'),
      ]);
      await store.applyCheckFindings({
        scanId: id,
        checkId: 'auth/retired',
        findings: [finding('r1', { checkId: 'auth/retired', severity: 'low' })],
        seenAt: at,
        resolveMissing: true,
      });
    });

    const second = await scan(async (id, at) => {
      // one is fixed, two is re-rated; three left the catalog (not on any page)
      await page(id, at, ['one', 'two'], [entityFinding('e2', 'two', 'medium')]);
      await store.applyCheckFindings({
        scanId: id,
        checkId: 'catalog/check',
        findings: [],
        seenAt: at,
        resolveMissing: false,
      });
      expect(
        await store.finishEntityPass({
          scanId: id,
          checkIds: ['catalog/check'],
          resolvedAt: at,
          metEntityRefs: new Set(['one', 'two'].map(name => `component:default/${name}`)),
        }),
      ).toBe(1);
      // auth/retired is no longer enabled
      expect(await store.resolveFindingsOfRetiredChecks(['catalog/check'], at, id)).toBe(1);
    });

    const changes = await store.listScanChanges(second, {});
    expect(changesOf(changes).sort()).toEqual(
      ['resolved e1 high', 'resolved e3 high', 'severity e2 medium high', 'resolved r1 low'].sort(),
    );
    expect(changes!.items.find(c => c.fingerprint === 'e1')?.entityRef).toBe('component:default/one');
    // The findings agree with the changes.
    const resolved = await store.listFindings({ status: ['resolved'], limit: 10 }, { type: 'all' });
    expect(resolved.items.map(f => f.fingerprint).sort()).toEqual(['e1', 'e3', 'r1']);
  });

  it('filters by change and pages, most severe first', async () => {
    const { store, scan, apply } = await setup(databaseId);
    await scan((id, at) => apply(id, at, [finding('seed', { severity: 'info' })]));
    const severities: Severity[] = ['low', 'critical', 'medium', 'high', 'info'];
    const second = await scan((id, at) =>
      apply(id, at, [
        finding('seed', { severity: 'info' }),
        ...severities.map((severity, i) => finding(`n${i}`, { severity })),
      ]),
    );
    const firstPage = await store.listScanChanges(second, { change: ['new'], limit: 2 });
    expect(firstPage?.items.map(c => c.severity)).toEqual(['critical', 'high']);
    expect(firstPage).toMatchObject({ totalItems: 5, limit: 2, offset: 0 });
    const lastPage = await store.listScanChanges(second, { change: ['new'], limit: 2, offset: 4 });
    expect(lastPage?.items.map(c => c.severity)).toEqual(['info']);
    expect((await store.listScanChanges(second, { change: ['resolved'] }))?.totalItems).toBe(0);
  });

  it('after an upgrade, the first scan records its changes against the findings from before', async () => {
    const { store, scan, apply, knex } = await setup(databaseId);
    // Findings written by a version that did not record changes.
    const old = await store.createScan({ trigger: 'manual' });
    await store.applyCheckFindings({
      scanId: old.id,
      checkId: 'auth/check',
      findings: [finding('a')],
      seenAt: new Date().toISOString(),
      resolveMissing: true,
    });
    await knex('security_posture_scan_change_sets').delete();
    expect((await store.summarizeScanChanges([old.id])).get(old.id)?.recorded).toBe(false);
    const next = await scan((id, at) => apply(id, at, [finding('a'), finding('b')]));
    const changes = await store.listScanChanges(next, {});
    expect(changes?.baseline).toBe(false);
    expect(changesOf(changes)).toEqual(['new b high']);
  });

  it('prunes changes with the scans', async () => {
    const { store, scan, apply, knex } = await setup(databaseId);
    await scan((id, at) => apply(id, at, [finding('a')]));
    const second = await scan((id, at) => apply(id, at, [finding('b')]));
    expect((await store.listScanChanges(second, {}))?.totalItems).toBe(2);
    await store.prune(new Date(Date.now() + 60_000).toISOString());
    const [{ count }] = await knex('security_posture_scan_changes').count({ count: '*' });
    expect(Number(count)).toBe(0);
    const [{ count: sets }] = await knex('security_posture_scan_change_sets').count({ count: '*' });
    expect(Number(sets)).toBe(0);
  });
});
