import { createHash } from 'node:crypto';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import {
  CheckResult,
  createEntitySecurityCheck,
  EntityCheckContext,
} from '@security-posture/plugin-security-posture-node';
import { evaluateEntityCheck, findingsDigest } from './entityEvaluation';
import { FindingFactory } from './FindingFactory';

function entity(name: string, tags: string[]): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', tags },
    spec: { owner: 'team-a' },
  };
}

/** Fails once per tag; an `error` result for the tag `broken`. */
const tagCheck = createEntitySecurityCheck({
  meta: {
    id: 'catalog/tags',
    title: 'Tags',
    category: 'catalog',
    defaultSeverity: 'low',
    description: 'Reports every tag',
    remediation: 'None',
  },
  evaluate: (e): CheckResult[] =>
    (e.metadata.tags ?? []).map(tag => ({
      outcome: tag === 'broken' ? 'error' : 'fail',
      target: { type: 'entity', entityRef: `component:default/${e.metadata.name}` },
      location: `metadata.tags.${tag}`,
      message: `tagged ${tag}`,
    })),
});

const context = {
  config: new ConfigReader({}),
  options: new ConfigReader({}),
} as unknown as EntityCheckContext;

const evaluate = (target: Entity, recordedDigest?: string) =>
  evaluateEntityCheck({
    check: tagCheck,
    settings: { severity: 'low', timeoutMs: 1000 },
    entity: target,
    context,
    factory: new FindingFactory('key'),
    signal: new AbortController().signal,
    recordedDigest,
  });

describe('evaluateEntityCheck with a recorded findings digest', () => {
  it('leaves out findings equal to the recorded ones and counts their failures', async () => {
    const first = await evaluate(entity('a', ['pci', 'gdpr']));
    expect(first.findings).toHaveLength(2);
    expect(first.keptFailures).toBeUndefined();
    expect(first.findingsDigest).toBe(findingsDigest(first.findings));

    const again = await evaluate(entity('a', ['pci', 'gdpr']), first.findingsDigest);
    expect(again).toMatchObject({
      findings: [],
      keptFailures: 2,
      findingsDigest: first.findingsDigest,
      counts: { fail: 2 },
    });
  });

  it('returns the findings when they differ from the recorded ones', async () => {
    const first = await evaluate(entity('a', ['pci']));
    const changed = await evaluate(entity('a', ['gdpr']), first.findingsDigest);
    expect(changed.findings.map(f => f.message)).toEqual(['tagged gdpr']);
    expect(changed.keptFailures).toBeUndefined();
  });

  it('never keeps an evaluation with an error result', async () => {
    const first = await evaluate(entity('a', ['broken']));
    const again = await evaluate(entity('a', ['broken']), first.findingsDigest);
    expect(again.resultErrored).toBe(true);
    expect(again.keptFailures).toBeUndefined();
    expect(again.findings).toHaveLength(1);
  });
});

describe('findingsDigest', () => {
  // Digests recorded by earlier versions must still compare equal (or every entity's findings
  // would be rewritten once after an upgrade): the SHA-1 of the findings' JSON, in base64.
  const recorded = (findings: unknown[]) =>
    createHash('sha1').update(JSON.stringify(findings)).digest('base64');

  it('is the digest earlier versions recorded, with and without findings', async () => {
    const factory = new FindingFactory('key');
    const evaluation = await evaluateEntityCheck({
      check: tagCheck,
      settings: { severity: 'low', timeoutMs: 1000 },
      entity: entity('svc', ['a', 'b']),
      context,
      factory,
      signal: new AbortController().signal,
    });
    expect(evaluation.findings).toHaveLength(2);
    expect(findingsDigest(evaluation.findings)).toBe(recorded(evaluation.findings));
    expect(evaluation.findingsDigest).toBe(recorded(evaluation.findings));
    expect(findingsDigest([])).toBe(recorded([]));
  });
});
