import { randomBytes } from 'node:crypto';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import {
  CheckResult,
  redactSecret,
  SecurityCheckMeta,
} from '@security-posture/plugin-security-posture-node';
import { EventLoopTurns } from './eventLoopTurns';
import { FindingFactory, ownersOf } from './FindingFactory';

/** Always due: counts the turns a conversion gives the event loop. */
class CountedTurns extends EventLoopTurns {
  count = 0;

  due() {
    return true;
  }

  async yield() {
    this.count += 1;
    await super.yield();
  }
}

const meta: SecurityCheckMeta = {
  id: 'catalog/leaked-secret',
  title: 'Leaked secret',
  category: 'catalog',
  defaultSeverity: 'high',
  description: 'Looks for secrets',
  remediation: 'Rotate it',
};

// Generated at runtime so no secret-shaped literal sits in the source.
const fakeSecret = () => ['tok', '_', randomBytes(12).toString('hex')].join('');

function entity(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'Default' },
    spec: {},
    relations: [
      { type: RELATION_OWNED_BY, targetRef: 'group:default/Team-A' },
      { type: RELATION_OWNED_BY, targetRef: 'group:default/team-a' },
    ],
  };
}

const result = (name: string, overrides: Partial<CheckResult> = {}): CheckResult => ({
  outcome: 'fail',
  target: { type: 'entity', entityRef: `component:Default/${name}` },
  message: 'found something',
  ...overrides,
});

describe('FindingFactory', () => {
  it('masks a secret, and it only, with normalised refs and owners', () => {
    const secret = fakeSecret();
    const { mask, fingerprint } = redactSecret(secret);
    const [finding] = new FindingFactory().fromResults(
      meta,
      'high',
      [
        result('svc', {
          location: `spec.url#${secret}`,
          message: `url holds ${secret}`,
          evidence: { excerpt: `x${secret}x`, lines: [secret, 'other'], count: 2 },
          secret: { value: secret, kind: 'test-token' },
        }),
        { ...result('svc'), outcome: 'pass' },
      ],
      entity('svc'),
    );
    expect(finding).toMatchObject({
      checkId: 'catalog/leaked-secret',
      outcome: 'fail',
      severity: 'high',
      title: 'Leaked secret',
      message: `url holds ${mask}`,
      location: `spec.url#${mask}`,
      target: { type: 'entity', entityRef: 'component:default/svc' },
      entityRef: 'component:default/svc',
      owners: ['group:default/team-a'],
      evidence: {
        excerpt: `x${mask}x`,
        lines: [mask, 'other'],
        count: 2,
        secretKind: 'test-token',
        secretMask: mask,
        secretFingerprint: fingerprint,
      },
    });
    expect(JSON.stringify(finding)).not.toContain(secret);
  });

  it('masks a secret declared by one result in the other results of the batch', () => {
    const secret = fakeSecret();
    const findings = new FindingFactory().fromResults(meta, 'high', [
      result('svc', { location: 'description', message: `repeats ${secret}` }),
      result('svc', { location: 'spec.token', secret: { value: secret, kind: 'test-token' } }),
    ]);
    expect(findings).toHaveLength(2);
    expect(findings[0].message).toBe(`repeats ${redactSecret(secret).mask}`);
    expect(JSON.stringify(findings)).not.toContain(secret);
  });

  it('masks secrets seen earlier in the scan without changing later fingerprints', () => {
    const secret = fakeSecret();
    const later = result('b', { location: `spec.config.${secret}`, message: `uses ${secret}` });

    // Scan 1: entity a reveals the secret first, then b's result mentions it.
    const scan1 = new FindingFactory();
    scan1.fromResults(meta, 'high', [result('a', { secret: { value: secret, kind: 'k' } })]);
    const [inScan1] = scan1.fromResults(meta, 'high', [later]);
    expect(inScan1.message).toBe(`uses ${redactSecret(secret).mask}`);
    expect(inScan1.location).toBe(`spec.config.${redactSecret(secret).mask}`);

    // Scan 2: a no longer reveals it; b's finding must keep its identity.
    const [inScan2] = new FindingFactory().fromResults(meta, 'high', [later]);
    expect(inScan2.fingerprint).toBe(inScan1.fingerprint);
  });

  it("gives a deployment check's result about an entity (a template) its ref, kind and owners (issue 17, defect 2)", () => {
    const template: Entity = {
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name: 'Deploy-Key', namespace: 'default' },
      spec: { owner: 'Identity-SSO' },
      relations: [{ type: RELATION_OWNED_BY, targetRef: 'group:default/identity-sso' }],
    };
    const templateResult: CheckResult = {
      outcome: 'fail',
      target: { type: 'template', entityRef: 'template:default/Deploy-Key' },
      location: 'steps[a].input.url#ssrf',
      message: 'ssrf',
    };
    const [finding] = new FindingFactory().fromResults(meta, 'high', [
      { ...templateResult, entity: template },
    ]);
    expect(finding).toMatchObject({
      target: { type: 'template', entityRef: 'template:default/deploy-key' },
      entityRef: 'template:default/deploy-key',
      entityKind: 'Template',
      owners: ['group:default/identity-sso'],
    });
    // The subject does not change the finding's identity: no resolve-and-reopen on upgrade.
    const [withoutSubject] = new FindingFactory().fromResults(meta, 'high', [templateResult]);
    expect(withoutSubject.fingerprint).toBe(finding.fingerprint);
    expect(withoutSubject).toMatchObject({ owners: [], entityKind: undefined });
  });

  it('reads owners from spec.owner too (entities read from files have no relations)', () => {
    const owners = (specOwner: unknown, namespace?: string) =>
      ownersOf({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'x', namespace },
        spec: { owner: specOwner } as Entity['spec'],
      });
    expect(owners('Payments')).toEqual(['group:default/payments']);
    expect(owners('payments', 'ops')).toEqual(['group:ops/payments']);
    expect(owners('user:default/Sam')).toEqual(['user:default/sam']);
    expect(owners('group:other/x', 'ops')).toEqual(['group:other/x']);
    expect(owners(undefined)).toEqual([]);
    expect(owners(42)).toEqual([]);
    expect(owners('group:')).toEqual([]);
    // The relation the catalog derives from spec.owner is the same ref: one owner, not two.
    expect(ownersOf({ ...entity('svc'), spec: { owner: 'team-a' } })).toEqual([
      'group:default/team-a',
    ]);
  });

  it('turns an error into an error finding with a scrubbed message', () => {
    const factory = new FindingFactory();
    const secret = fakeSecret();
    factory.fromResults(meta, 'high', [result('a', { secret: { value: secret, kind: 'k' } })]);
    const finding = factory.fromError(
      meta,
      'medium',
      new TypeError(`bad input ${secret}`),
      entity('B'),
    );
    expect(finding).toMatchObject({
      outcome: 'error',
      severity: 'medium',
      title: 'Check could not complete: Leaked secret',
      message: `bad input ${redactSecret(secret).mask}`,
      location: 'check-error',
      target: { type: 'entity', entityRef: 'component:default/b' },
      entityRef: 'component:default/b',
      evidence: { errorName: 'TypeError' },
    });
  });

  describe('in turns of the event loop (deployment checks on the backend)', () => {
    it('makes the same findings as fromResults, a turn after each, secrets of the whole batch masked', async () => {
      const secret = fakeSecret();
      const results = [
        result('svc', { location: 'description', message: `repeats ${secret}` }),
        { ...result('svc'), outcome: 'pass' as const },
        result('svc', { location: 'spec.token', secret: { value: secret, kind: 'test-token' } }),
        result('other', { outcome: 'error', location: 'x' }),
      ];
      const turns = new CountedTurns();
      const inTurns = await new FindingFactory().fromResultsInTurns(meta, 'high', results, turns);
      expect(inTurns).toEqual(new FindingFactory().fromResults(meta, 'high', results));
      expect(inTurns).toHaveLength(3);
      expect(turns.count).toBe(3);
      expect(inTurns[0].message).toBe(`repeats ${redactSecret(secret).mask}`);
      expect(JSON.stringify(inTurns)).not.toContain(secret);
    });

    it('lets waiting requests in while it converts thousands of results', async () => {
      const results = Array.from({ length: 3000 }, (_, i) =>
        result(`svc-${i}`, { location: `spec.x${i}`, evidence: { lines: ['a', 'b'] } }),
      );
      let turnsTaken = 0;
      let converting = true;
      const tick = () => {
        if (!converting) return;
        turnsTaken += 1;
        setImmediate(tick);
      };
      setImmediate(tick);
      // Each result takes a slice of its own: every result is followed by a turn.
      await new FindingFactory().fromResultsInTurns(meta, 'high', results, new EventLoopTurns(0));
      converting = false;
      expect(turnsTaken).toBeGreaterThanOrEqual(2999);
    });

    it('scrubs published data like scrubJson, with a turn after each item of an array', async () => {
      const factory = new FindingFactory();
      const secret = fakeSecret();
      factory.fromResults(meta, 'high', [result('a', { secret: { value: secret, kind: 'k' } })]);
      const published = JSON.parse(
        `{"templates":[{"ref":"t1","note":"has ${secret}"},{"ref":"t2","list":["${secret}",1,null,true]}],` +
          `"${secret}":{"nested":["a","b"]},"__proto__":{"kept":"${secret}"},"count":2}`,
      );
      const turns = new CountedTurns();
      const scrubbed = await factory.scrubJsonInTurns(published, turns);
      expect(scrubbed).toEqual(factory.scrubJson(published));
      expect(JSON.stringify(scrubbed)).not.toContain(secret);
      // `__proto__` stays a key of its own, not the prototype of the result.
      expect(Object.getPrototypeOf(scrubbed)).toBe(Object.prototype);
      expect(Object.keys(scrubbed as object)).toContain('__proto__');
      // Two templates, then the nested list's two items.
      expect(turns.count).toBe(4);
    });
  });
});
