import { mockServices } from '@backstage/backend-test-utils';
import { EventParams, EventsService } from '@backstage/plugin-events-node';
import {
  FindingCreatedEventPayload,
  HistoryPoint,
  ScanFinishedEventPayload,
  SECURITY_POSTURE_EVENT_TOPICS,
} from '@security-posture/plugin-security-posture-common';
import { createTestDatabases, TestDatabaseId } from '../database/__testUtils__/databases';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import { NewFinding } from '../database/PostureStore';
import { ScanEventPublisher } from './ScanEventPublisher';

const databases = createTestDatabases();

// A value no payload may carry, planted in the message and evidence of a new finding.
const PLANTED = 'ghp_PLANTEDeventSecret0123456789abcdefABCD';

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

function entityFinding(fingerprint: string, severity: NewFinding['severity']): NewFinding {
  const entityRef = 'component:default/payments-api';
  return finding(fingerprint, {
    checkId: 'catalog/leaked-secrets',
    category: 'catalog',
    severity,
    target: { type: 'entity', entityRef },
    entityRef,
    entityKind: 'Component',
    owners: ['group:default/payments', 'user:default/sam'],
    message: `token ${PLANTED} in an annotation`,
    evidence: { value: PLANTED },
  });
}

class RecordingEvents implements EventsService {
  published: EventParams[] = [];
  failWith?: Error;

  async publish(params: EventParams) {
    if (this.failWith) throw this.failWith;
    this.published.push(params);
  }

  async subscribe() {}

  payloads<T>(topic: string): T[] {
    return this.published.filter(p => p.topic === topic).map(p => p.eventPayload as T);
  }
}

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

describe.each(databases.eachSupportedId())('ScanEventPublisher on %p', databaseId => {
  async function setup(id: TestDatabaseId) {
    const knex = await databases.init(id);
    const store = await DatabasePostureStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    const events = new RecordingEvents();
    const logger = mockServices.logger.mock();
    const publisher = new ScanEventPublisher({ store, events, logger });
    /** A scan that writes `findings` and, unless it failed, a summary with `grade`. */
    const scan = async (
      findings: NewFinding[],
      result: { status: 'succeeded' | 'failed'; grade?: HistoryPoint['grade']; score?: number },
    ) => {
      await tick();
      const created = await store.createScan({ trigger: 'manual' });
      const at = new Date().toISOString();
      await store.applyCheckFindings({
        scanId: created.id,
        checkId: 'auth/check',
        findings: findings.filter(f => f.checkId === 'auth/check'),
        seenAt: at,
        resolveMissing: true,
      });
      await store.applyCheckFindings({
        scanId: created.id,
        checkId: 'catalog/leaked-secrets',
        findings: findings.filter(f => f.checkId === 'catalog/leaked-secrets'),
        seenAt: at,
        resolveMissing: true,
      });
      await store.updateScan(created.id, { status: result.status, finishedAt: at });
      if (result.grade) {
        await store.saveSummary({
          scanId: created.id,
          finishedAt: at,
          status: result.status,
          score: result.score ?? 0,
          grade: result.grade,
          categories: [],
          counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
        });
      }
      return { scanId: created.id, status: result.status, finishedAt: at };
    };
    return { store, events, logger, publisher, scan };
  }

  it('publishes the new findings and the grade against the scan before', async () => {
    const { events, publisher, scan } = await setup(databaseId);

    // The baseline scan records no new findings: nothing is announced for them.
    const first = await scan([finding('old')], { status: 'succeeded', grade: 'B', score: 82 });
    await publisher.publishScanFinished(first);
    expect(events.payloads(SECURITY_POSTURE_EVENT_TOPICS.findingCreated)).toEqual([]);
    expect(events.payloads<ScanFinishedEventPayload>(SECURITY_POSTURE_EVENT_TOPICS.scanFinished)).toEqual([
      {
        scanId: first.scanId,
        status: 'succeeded',
        grade: 'B',
        score: 82,
        newFindings: 0,
        resolvedFindings: 0,
        finishedAt: first.finishedAt,
      },
    ]);

    events.published = [];
    const second = await scan(
      [finding('old'), finding('deployment-wide', { severity: 'medium' }), entityFinding('leak', 'critical')],
      { status: 'succeeded', grade: 'D', score: 55 },
    );
    await publisher.publishScanFinished(second);

    const created = events.payloads<FindingCreatedEventPayload>(
      SECURITY_POSTURE_EVENT_TOPICS.findingCreated,
    );
    expect(created.map(c => c.fingerprint).sort()).toEqual(['deployment-wide', 'leak']);
    expect(created.find(c => c.fingerprint === 'leak')).toEqual({
      findingId: 'leak',
      fingerprint: 'leak',
      checkId: 'catalog/leaked-secrets',
      category: 'catalog',
      severity: 'critical',
      title: 'Finding leak',
      entityRef: 'component:default/payments-api',
      owners: ['group:default/payments', 'user:default/sam'],
      source: 'scan',
      scanId: second.scanId,
      createdAt: expect.any(String),
    });
    expect(created.find(c => c.fingerprint === 'deployment-wide')?.owners).toEqual([]);
    expect(events.payloads(SECURITY_POSTURE_EVENT_TOPICS.scanFinished)).toEqual([
      {
        scanId: second.scanId,
        status: 'succeeded',
        grade: 'D',
        score: 55,
        previousGrade: 'B',
        previousScore: 82,
        newFindings: 2,
        resolvedFindings: 0,
        finishedAt: second.finishedAt,
      },
    ]);
    // Findings come first: a subscriber handling scan.finished has seen them.
    expect(events.published[events.published.length - 1].topic).toBe(
      SECURITY_POSTURE_EVENT_TOPICS.scanFinished,
    );
    // The planted value is in the store's finding, never in an event.
    expect(JSON.stringify(events.published)).not.toContain(PLANTED);
  });

  it('announces a failed scan without a grade, and its resolved findings in numbers', async () => {
    const { events, publisher, scan } = await setup(databaseId);
    await scan([finding('a'), finding('b')], { status: 'succeeded', grade: 'C', score: 70 });
    const failed = await scan([finding('a')], { status: 'failed' });
    await publisher.publishScanFinished(failed);
    expect(events.payloads(SECURITY_POSTURE_EVENT_TOPICS.scanFinished)).toEqual([
      {
        scanId: failed.scanId,
        status: 'failed',
        newFindings: 0,
        resolvedFindings: 1,
        finishedAt: failed.finishedAt,
      },
    ]);
  });

  it('logs and swallows a failing events service: the scan stays recorded', async () => {
    const { events, logger, publisher, scan } = await setup(databaseId);
    const first = await scan([finding('a')], { status: 'succeeded', grade: 'A', score: 95 });
    events.failWith = new Error('bus down');
    await expect(publisher.publishScanFinished(first)).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('bus down'));
  });
});
