import { DetectionEvaluator } from './evaluator';
import { detectionFinding } from './findings';
import { buildDetectionRules } from './rules';
import type { AuditRecord } from './types';

const MINUTE = 60_000;
const DANA = 'user:default/dana';
const memberships = new Map<string, string[]>();
const read = (at: number): AuditRecord => ({
  at,
  plugin: 'catalog',
  eventId: 'entity-fetch',
  status: 'succeeded',
  actorId: DANA,
  ip: '10.0.0.9',
  queryType: 'by-name',
});

describe('detection findings', () => {
  it('carry actor, counts, window and event ids, one fingerprint per rule, subject and window', () => {
    const evaluator = new DetectionEvaluator(buildDetectionRules());
    const start = Date.parse('2026-03-02T10:00:00Z');
    const hits = evaluator.evaluateAll(
      Array.from({ length: 51 }, (_, i) => read(start + i * 1000)),
      memberships,
    );
    const finding = detectionFinding(hits[0]);
    expect(finding).toMatchObject({
      checkId: 'detections/catalog-read-reconnaissance',
      category: 'detections',
      severity: 'high',
      target: { type: 'deployment' },
      evidence: {
        actor: DANA,
        count: 51,
        threshold: 50,
        windowMinutes: 10,
        windowStart: '2026-03-02T10:00:00.000Z',
        windowEnd: '2026-03-02T10:00:50.000Z',
        eventIds: ['catalog.entity-fetch'],
        ip: '10.0.0.9',
      },
    });
    expect(finding.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const later = evaluator.evaluateAll(
      Array.from({ length: 51 }, (_, i) => read(start + 20 * MINUTE + i)),
      memberships,
    );
    expect(detectionFinding(later[0]).fingerprint).not.toBe(
      finding.fingerprint,
    );
    expect(detectionFinding({ ...hits[0] }).fingerprint).toBe(
      finding.fingerprint,
    );
  });
});
