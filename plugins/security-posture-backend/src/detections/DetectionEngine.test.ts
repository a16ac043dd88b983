import { mockServices } from '@backstage/backend-test-utils';
import {
  buildDetectionRules,
  DEFAULT_DETECTION_SETTINGS,
  DetectionEvaluator,
} from '@security-posture/static-analysis';
import type { AuditedEvent } from '@security-posture/plugin-security-posture-node';
import {
  createTestDatabases,
  TestDatabaseId,
} from '../database/__testUtils__/databases';
import { DatabaseDetectionStore } from '../database/DatabaseDetectionStore';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import { RecordedDetection } from '../database/DetectionStore';
import { DetectionEngine } from './DetectionEngine';
import { MembershipSource } from './MembershipSource';

const databases = createTestDatabases();
const DANA = 'user:default/dana';
const T0 = Date.parse('2027-01-11T10:00:00.000Z'); // a Monday, within business hours in UTC
const MINUTE = 60_000;

const memberships: MembershipSource = {
  groupsOf: async refs =>
    new Map(
      refs.map(ref => [
        ref,
        ref === 'user:default/sam' ? ['group:default/developers'] : [],
      ]),
    ),
};

const read = (at: number, actorId = DANA): AuditedEvent => ({
  at,
  plugin: 'catalog',
  eventId: 'entity-fetch',
  status: 'succeeded',
  actorId,
  ip: '127.0.0.1',
  queryType: 'by-name',
});

async function setup(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const database = mockServices.database({ knex, migrations: { skip: false } });
  const findings = await DatabasePostureStore.create({ database });
  const store = await DatabaseDetectionStore.create({ database });
  const created: RecordedDetection[][] = [];
  let now = T0;
  const engine = () =>
    new DetectionEngine({
      evaluator: new DetectionEvaluator(
        buildDetectionRules(DEFAULT_DETECTION_SETTINGS),
      ),
      store,
      memberships,
      onCreated: async d => {
        created.push(d);
      },
      logger: mockServices.logger.mock(),
      clock: () => new Date(now),
    });
  return {
    knex,
    findings,
    store,
    engine,
    created,
    setNow: (ms: number) => (now = ms),
  };
}

describe.each(databases.eachSupportedId())(
  'DetectionEngine (%s)',
  databaseId => {
    it('raises one reconnaissance finding for 60 reads, deployment-wide, and announces it once', async () => {
      const { findings, engine, created } = await setup(databaseId);
      const live = engine();
      for (let i = 0; i < 60; i++) {
        live.accept({ ...read(T0 + i * 1000), status: 'initiated' });
        live.accept(read(T0 + i * 1000));
      }
      await live.flush();
      await live.flush();

      const all = (await findings.listFindings({}, { type: 'all' })).items;
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({
        checkId: 'detections/catalog-read-reconnaissance',
        category: 'detections',
        severity: 'high',
        status: 'open',
        target: { type: 'deployment' },
        owners: [],
        evidence: {
          actor: DANA,
          count: 51,
          threshold: 50,
          windowStart: new Date(T0).toISOString(),
        },
        firstSeenAt: new Date(T0 + 50_000).toISOString(),
      });
      expect(created.flat().map(d => d.finding.fingerprint)).toEqual([
        all[0].fingerprint,
      ]);
      // restricted views never show deployment-wide findings
      const restricted = await findings.listFindings(
        {},
        { type: 'entities', entityRefs: ['component:default/x'] },
      );
      expect(restricted.items).toEqual([]);
      expect(await findings.countOpenFindingGroups()).toEqual([
        expect.objectContaining({
          category: 'detections',
          severity: 'high',
          count: 1,
        }),
      ]);
    });

    it('keeps windows in the database: counting goes on across engines (replicas, restarts)', async () => {
      const { findings, engine } = await setup(databaseId);
      const first = engine();
      for (let i = 0; i < 30; i++) first.accept(read(T0 + i * 1000));
      await first.flush();
      expect(
        (await findings.listFindings({}, { type: 'all' })).items,
      ).toHaveLength(0);
      const second = engine();
      for (let i = 30; i < 51; i++) second.accept(read(T0 + i * 1000));
      await second.flush();
      expect(
        (await findings.listFindings({}, { type: 'all' })).items,
      ).toHaveLength(1);
      // and the hit's quiet period too: more reads in the window raise nothing new
      const third = engine();
      for (let i = 51; i < 120; i++) third.accept(read(T0 + i * 1000));
      await third.flush();
      expect(
        (await findings.listFindings({}, { type: 'all' })).items,
      ).toHaveLength(1);
    });

    it('asks memberships for group rules and ignores duplicates of a recorded finding', async () => {
      const { findings, store, engine, created } = await setup(databaseId);
      const live = engine();
      const run = (actorId: string): AuditedEvent => ({
        at: T0,
        plugin: 'scaffolder',
        eventId: 'task',
        actionType: 'create',
        status: 'succeeded',
        actorId,
      });
      live.accept(run('user:default/sam'));
      live.accept(run(DANA));
      await live.flush();
      const items = (await findings.listFindings({}, { type: 'all' })).items;
      expect(items.map(f => [f.checkId, f.evidence.actor])).toEqual([
        ['detections/scaffolder-outside-allowed-groups', DANA],
      ]);
      const again = created.flat();
      expect(await store.recordFindings(again)).toEqual([]);
    });

    it('cleans up: old windows, windows beyond the cap, and stale detection findings', async () => {
      const { knex, findings, store, engine, setNow } = await setup(databaseId);
      const live = engine();
      for (let i = 0; i < 51; i++) live.accept(read(T0 + i));
      await live.flush();
      setNow(T0 + 10 * MINUTE);
      for (const actor of [
        'user:default/a',
        'user:default/b',
        'user:default/c',
      ])
        live.accept(read(T0 + 10 * MINUTE, actor));
      await live.flush();
      const countWindows = async () =>
        Number(
          (
            await knex('security_posture_detection_windows').count({ n: '*' })
          )[0].n,
        );
      expect(await countWindows()).toBe(4);

      const keyBefore = await store.changeKey();
      const result = await store.cleanup({
        windowsBefore: new Date(T0 + MINUTE).toISOString(),
        maxWindows: 2,
        findingsBefore: new Date(T0 + 60 * MINUTE).toISOString(),
        resolvedAt: new Date(T0 + 60 * MINUTE).toISOString(),
      });
      expect(result).toEqual({ deletedWindows: 2, resolvedFindings: 1 });
      expect(await countWindows()).toBe(2);
      expect(
        (await findings.listFindings({ status: ['open'] }, { type: 'all' }))
          .items,
      ).toEqual([]);
      expect(await store.changeKey()).not.toBe(keyBefore);
    });

    it('scans leave detection findings open (no check reports them)', async () => {
      const { findings, engine } = await setup(databaseId);
      const live = engine();
      for (let i = 0; i < 51; i++) live.accept(read(T0 + i));
      await live.flush();
      await findings.resolveFindingsOfRetiredChecks(
        ['catalog/leaked-secret'],
        new Date(T0 + MINUTE).toISOString(),
      );
      expect(
        (await findings.listFindings({ status: ['open'] }, { type: 'all' }))
          .items,
      ).toHaveLength(1);
    });
  },
);

describe.each(databases.eachSupportedId())(
  'DetectionEngine replicas (%s)',
  databaseId => {
    it('adds up what two replicas count for one actor at the same time', async () => {
      const { findings, engine } = await setup(databaseId);
      const [first, second] = [engine(), engine()];
      for (let i = 0; i < 30; i++) {
        first.accept(read(T0 + 2 * i * 1000));
        second.accept(read(T0 + (2 * i + 1) * 1000));
      }
      await Promise.all([first.flush(), second.flush()]);
      const items = (await findings.listFindings({}, { type: 'all' })).items;
      expect(items).toHaveLength(1);
      expect(items[0].evidence).toMatchObject({
        count: 51,
        // A's 30 reads and B's first 21 (up to 41 s), B's merged into A's in time order
        windowStart: new Date(T0).toISOString(),
        windowEnd: new Date(T0 + 41_000).toISOString(),
      });
    });
  },
);
