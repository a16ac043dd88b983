import { Entity } from '@backstage/catalog-model';
import { SecurityCheckMeta } from '@security-posture/plugin-security-posture-node';
import { serialize } from 'node:v8';
import { MessageChannel } from 'node:worker_threads';
import { EntityCheckEvaluation, emptyCounts } from '../entityEvaluation';
import { FindingFactory, NewFinding } from '../FindingFactory';
import {
  EvaluationResults,
  packEvaluations,
  PackedEvaluations,
  transferablesOf,
} from './packedEvaluations';

const factory = new FindingFactory('packing-test');
const meta: SecurityCheckMeta = {
  id: 'catalog/packing-test',
  title: 'Packing test',
  category: 'catalog',
  defaultSeverity: 'high',
  description: 'A check for the packing test',
  remediation: 'Nothing to do.',
};
const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'packed' },
  spec: { owner: 'group:default/team-a' },
};

function finding(message: string): NewFinding {
  const target = { type: 'entity', entityRef: 'component:default/packed' } as const;
  return factory.fromResults(meta, 'high', [{ outcome: 'fail', message, target }], entity)[0];
}

// Every field an evaluation can carry, each set and unset somewhere.
const evaluations: EntityCheckEvaluation[][] = [
  [
    {
      applied: true,
      findings: [finding('first'), finding('second')],
      counts: { fail: 2, pass: 1, error: 0, notApplicable: 3 },
      resultErrored: false,
      durationMs: 1.25,
      findingsDigest: 'digest-of-two',
    },
    { applied: false, findings: [], counts: emptyCounts(), resultErrored: false, durationMs: 0.5 },
  ],
  [],
  [
    {
      applied: true,
      findings: [],
      counts: { fail: 4, pass: 0, error: 1, notApplicable: 0 },
      resultErrored: true,
      durationMs: 7,
      findingsDigest: 'kept-digest',
      keptFailures: 4,
    },
    {
      applied: true,
      findings: [],
      counts: { fail: 0, pass: 0, error: 0, notApplicable: 0 },
      resultErrored: false,
      durationMs: 2,
      // A kept evaluation without failures: 0 is not "not kept".
      findingsDigest: '',
      keptFailures: 0,
    },
    {
      applied: true,
      findings: [],
      counts: emptyCounts(),
      resultErrored: false,
      durationMs: 30_000,
      thrown: { message: 'check timed out', finding: finding('timed out') },
    },
  ],
];

describe('packed evaluations', () => {
  it('unpacks every evaluation as it was', () => {
    const results = EvaluationResults.from([packEvaluations(evaluations)]);
    expect(results.itemCount).toBe(3);
    expect(results.toArrays()).toEqual(evaluations);
    expect(results.evaluation(2, 1)).toEqual(evaluations[2][1]);
    expect(results.evaluation(0, 1)).not.toHaveProperty('findingsDigest');
    expect(results.evaluation(0, 1)).not.toHaveProperty('keptFailures');
    expect(
      evaluations.map((item, i) => item.map((_, k) => results.findingsDigest(i, k))),
    ).toEqual([['digest-of-two', undefined], [], ['kept-digest', '', undefined]]);
  });

  it("sends a check's remediation and documentation link once, not with every finding", () => {
    const documented: SecurityCheckMeta = {
      ...meta,
      id: 'catalog/packing-documented',
      remediation: 'Restrict who can read such entities in your permission policy. '.repeat(8),
      docsUrl: 'https://backstage.io/docs/permissions/writing-a-policy',
    };
    const target = { type: 'entity', entityRef: 'component:default/packed' } as const;
    const many = factory.fromResults(
      documented,
      'high',
      Array.from({ length: 50 }, (_, i) => ({ outcome: 'fail' as const, message: `field ${i}`, target })),
      entity,
    );
    const batch: EntityCheckEvaluation[][] = [
      [{ applied: true, findings: many, counts: { ...emptyCounts(), fail: 50 }, resultErrored: false, durationMs: 3 }],
      ...evaluations,
    ];
    const packed = packEvaluations(batch);
    expect([...packed.texts].sort()).toEqual(
      [documented.remediation, documented.docsUrl!, meta.remediation].sort(),
    );
    for (const detail of packed.details) {
      for (const f of detail.findings) {
        expect(f).not.toHaveProperty('remediation');
        expect(f).not.toHaveProperty('docsUrl');
      }
    }
    // What crosses the thread holds the 500-character remediation once, not 50 times.
    const saved = serialize(many).length - serialize(packed.details[0].findings).length;
    expect(saved).toBeGreaterThan(50 * documented.remediation.length);
    const unpacked = EvaluationResults.from([packed]).toArrays();
    expect(unpacked).toEqual(batch);
    expect(unpacked[0][0].findings.every(f => f.remediation === documented.remediation)).toBe(true);
    expect(unpacked[0][0].findings.every(f => f.docsUrl === documented.docsUrl)).toBe(true);
    expect(unpacked[1][0].findings.map(f => f.docsUrl)).toEqual([undefined, undefined]);
  });

  it('keeps the evaluations of several batches in item order, empty batches included', () => {
    const results = EvaluationResults.concat([
      EvaluationResults.of([]),
      EvaluationResults.of(evaluations.slice(0, 2)),
      EvaluationResults.of([]),
      EvaluationResults.of(evaluations.slice(2)),
    ]);
    expect(results.itemCount).toBe(3);
    expect(results.toArrays()).toEqual(evaluations);
    expect(results.countOf(1)).toBe(0);
    expect(results.countOf(2)).toBe(3);
  });

  it('says plainly when asked for an evaluation it does not have', () => {
    const results = EvaluationResults.of(evaluations);
    expect(() => results.evaluation(3, 0)).toThrow('no item 3 among 3');
    expect(() => results.evaluation(1, 0)).toThrow('item 1 has no evaluation 0');
    expect(() => results.evaluation(0, 2)).toThrow('item 0 has no evaluation 2');
  });

  it('crosses a message port with its buffers handed over, not copied', async () => {
    const packed = packEvaluations(evaluations);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<PackedEvaluations>(resolve =>
      port2.once('message', resolve),
    );
    port1.postMessage(packed, transferablesOf(packed));
    const arrived = await received;
    port1.close();
    // Handed over: the sender's arrays are detached.
    expect(packed.numbers.length).toBe(0);
    expect(EvaluationResults.from([arrived]).toArrays()).toEqual(evaluations);
  });
});
