import { mockServices } from '@backstage/backend-test-utils';
import { ChangesSincePage, Severity } from '@security-posture/plugin-security-posture-common';
import { createTestDatabases, TestDatabaseId } from './__testUtils__/databases';
import { DatabasePostureStore } from './DatabasePostureStore';
import { NewFinding } from './PostureStore';

const databases = createTestDatabases();

function finding(fingerprint: string, severity: Severity): NewFinding {
  return {
    fingerprint,
    checkId: 'auth/check',
    category: 'auth',
    severity,
    outcome: 'fail',
    title: `Finding ${fingerprint}`,
    message: 'something',
    target: { type: 'deployment' },
    owners: [],
    evidence: {},
    remediation: 'Fix it',
  };
}

const DAY1 = '2026-12-01T08:00:00.000Z';
const DAY3 = '2026-12-03T08:00:00.000Z';
const DAY5 = '2026-12-05T08:00:00.000Z';
const DAY6 = '2026-12-06T08:00:00.000Z';

const listed = (page: ChangesSincePage) =>
  page.items.map(c => `${c.change} ${c.fingerprint} ${c.severity} ${c.recordedAt}`);

describe.each(databases.eachSupportedId())('changes since a date on %p (issue 17)', databaseId => {
  async function setup(id: TestDatabaseId) {
    const knex = await databases.init(id);
    const store = await DatabasePostureStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    /** A scan at `at` in which the check reports exactly `findings`. */
    const scanAt = async (at: string, findings: NewFinding[]) => {
      const scan = await store.createScan({ trigger: 'manual' });
      await store.applyCheckFindings({
        scanId: scan.id,
        checkId: 'auth/check',
        findings,
        seenAt: at,
        resolveMissing: true,
      });
      await store.updateScan(scan.id, { status: 'succeeded', finishedAt: at });
    };
    const a = finding('a', 'high');
    const b = finding('b', 'low');
    const c = finding('c', 'critical');
    const d = finding('d', 'medium');
    const e = finding('e', 'high');
    await scanAt(DAY1, [a, b, c]);
    await scanAt(DAY3, [a, d]); // b and c resolved, d new
    await scanAt(DAY5, [a, d, e]); // e new
    await scanAt(DAY6, [a, e]); // d resolved
    return store;
  }

  it('lists findings first seen and resolved at or after the date, most severe first', async () => {
    const store = await setup(databaseId);
    const page = await store.listChangesSince({ since: DAY3 });
    expect(page).toMatchObject({
      since: DAY3,
      counts: { new: 2, resolved: 3 },
      totalItems: 5,
      limit: 50,
      offset: 0,
    });
    expect(listed(page)).toEqual([
      `resolved c critical ${DAY3}`,
      `new e high ${DAY5}`,
      `new d medium ${DAY3}`,
      `resolved d medium ${DAY6}`,
      `resolved b low ${DAY3}`,
    ]);
    // A moment later: what happened on day 3 is before it.
    const later = await store.listChangesSince({ since: '2026-12-03T08:00:00.001Z' });
    expect(listed(later)).toEqual([`new e high ${DAY5}`, `resolved d medium ${DAY6}`]);
    // Another notation of the same instant.
    const offsetNotation = await store.listChangesSince({ since: '2026-12-03T09:00:00+01:00' });
    expect(offsetNotation.since).toBe(DAY3);
    expect(listed(offsetNotation)).toEqual(listed(page));
    // Since the first scan everything is new.
    expect((await store.listChangesSince({ since: DAY1 })).counts).toEqual({ new: 5, resolved: 3 });
    expect((await store.listChangesSince({ since: '2027-01-01T00:00:00.000Z' })).items).toEqual([]);
  });

  it('filters by change and pages', async () => {
    const store = await setup(databaseId);
    const resolved = await store.listChangesSince({ since: DAY3, change: ['resolved'] });
    expect(resolved).toMatchObject({ counts: { new: 2, resolved: 3 }, totalItems: 3 });
    expect(resolved.items.map(i => i.fingerprint)).toEqual(['c', 'd', 'b']);
    const onlyNew = await store.listChangesSince({ since: DAY3, change: ['new'] });
    expect(onlyNew.items.map(i => i.fingerprint)).toEqual(['e', 'd']);
    const second = await store.listChangesSince({ since: DAY3, limit: 2, offset: 2 });
    expect(listed(second)).toEqual([`new d medium ${DAY3}`, `resolved d medium ${DAY6}`]);
    expect(second.totalItems).toBe(5);
  });
});
