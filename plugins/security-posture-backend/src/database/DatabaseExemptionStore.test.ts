import { mockServices } from '@backstage/backend-test-utils';
import fc from 'fast-check';
import { ExemptionScope, Finding } from '@security-posture/plugin-security-posture-common';
import { createTestDatabases, TestDatabaseId } from './__testUtils__/databases';
import { DatabaseExemptionStore } from './DatabaseExemptionStore';
import { DatabasePostureStore } from './DatabasePostureStore';
import { ExemptionInput } from './ExemptionStore';
import { NewFinding } from './PostureStore';

const databases = createTestDatabases();

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2027-01-10T12:00:00.000Z');

/** A clock the test moves. */
function fakeClock(start = T0) {
  let now = start;
  return {
    clock: () => new Date(now),
    set: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

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

function configFinding(fingerprint: string, path: string): NewFinding {
  return finding({
    fingerprint,
    checkId: 'auth/cors-wildcard',
    category: 'auth',
    target: { type: 'config', path },
    location: undefined,
    entityRef: undefined,
    entityKind: undefined,
    owners: [],
  });
}

function exemption(overrides: Partial<ExemptionInput> = {}): ExemptionInput {
  return {
    scope: { type: 'finding', fingerprint: 'f1' },
    kind: 'accepted-risk',
    reason: 'Rotation is scheduled with the vendor',
    createdBy: 'user:default/alice',
    expiresAt: new Date(T0 + 30 * DAY).toISOString(),
    ...overrides,
  };
}

async function createStores(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const time = fakeClock();
  const database = mockServices.database({ knex, migrations: { skip: false } });
  const findings = await DatabasePostureStore.create({ database, clock: time.clock });
  const exemptions = await DatabaseExemptionStore.create({ database, clock: time.clock });
  return { knex, time, findings, exemptions };
}

async function seed(store: DatabasePostureStore, findings: NewFinding[]) {
  const scan = await store.createScan({ trigger: 'schedule' });
  const byCheck = new Map<string, NewFinding[]>();
  for (const f of findings) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  for (const [checkId, ofCheck] of byCheck) {
    await store.applyCheckFindings({
      scanId: scan.id,
      checkId,
      findings: ofCheck,
      seenAt: new Date(T0 - DAY).toISOString(),
      resolveMissing: true,
    });
  }
  return scan;
}

const fingerprintsOf = (items: Finding[]) => items.map(f => f.fingerprint).sort();

describe.each(databases.eachSupportedId())('DatabaseExemptionStore on %p', databaseId => {
  it('stores an exemption and decides its state when read: active, expired, revoked', async () => {
    const { exemptions, time } = await createStores(databaseId);
    const created = await exemptions.createExemption(
      exemption({ ticket: 'https://tickets.example.com/SEC-1' }),
    );
    expect(created).toEqual({
      id: expect.any(String),
      scope: { type: 'finding', fingerprint: 'f1' },
      kind: 'accepted-risk',
      reason: 'Rotation is scheduled with the vendor',
      ticket: 'https://tickets.example.com/SEC-1',
      createdBy: 'user:default/alice',
      createdAt: new Date(T0).toISOString(),
      expiresAt: new Date(T0 + 30 * DAY).toISOString(),
      state: 'active',
    });
    expect(await exemptions.getExemption(created.id)).toEqual(created);

    time.set(T0 + 30 * DAY - 1);
    expect((await exemptions.getExemption(created.id))?.state).toBe('active');
    time.set(T0 + 30 * DAY);
    expect((await exemptions.getExemption(created.id))?.state).toBe('expired');

    const revoked = await exemptions.revokeExemption(created.id, 'user:default/bob');
    expect(revoked).toMatchObject({
      state: 'revoked',
      revokedBy: 'user:default/bob',
      revokedAt: new Date(T0 + 30 * DAY).toISOString(),
    });
    // Revoking again keeps the first revocation.
    time.advance(DAY);
    expect(await exemptions.revokeExemption(created.id, 'user:default/carol')).toEqual(revoked);
    expect(await exemptions.revokeExemption('no-such-id', 'user:default/bob')).toBeUndefined();
    expect(await exemptions.getExemption('no-such-id')).toBeUndefined();
  });

  it('keeps every scope with refs and kinds in lower case', async () => {
    const { exemptions } = await createStores(databaseId);
    const scopes = [
      { type: 'finding', fingerprint: 'f1', checkId: 'catalog/leaked-secret', entityRef: 'Component:default/A' },
      { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'Component:default/Payments-API' },
      { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' },
      { type: 'entities', checkId: 'catalog/sensitive-reference', entityKind: 'Component' },
      { type: 'entities', checkId: 'catalog/sensitive-reference', owner: 'group:default/Payments' },
    ] as const;
    const stored = [];
    for (const scope of scopes) {
      stored.push((await exemptions.createExemption(exemption({ scope }))).scope);
    }
    expect(stored).toEqual([
      { type: 'finding', fingerprint: 'f1', checkId: 'catalog/leaked-secret', entityRef: 'component:default/a' },
      { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api' },
      { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' },
      { type: 'entities', checkId: 'catalog/sensitive-reference', entityKind: 'component' },
      { type: 'entities', checkId: 'catalog/sensitive-reference', owner: 'group:default/payments' },
    ]);
    expect((await exemptions.listExemptionEntityRefs()).sort()).toEqual([
      'component:default/a',
      'component:default/payments-api',
    ]);
  });

  it('lists by state, scope, check, entity, creator and coming expiry; active first, soonest expiry first', async () => {
    const { exemptions, time } = await createStores(databaseId);
    const at = (days: number) => new Date(T0 + days * DAY).toISOString();
    const soon = await exemptions.createExemption(exemption({ expiresAt: at(3) }));
    const later = await exemptions.createExemption(
      exemption({
        expiresAt: at(20),
        createdBy: 'user:default/sam',
        scope: { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api' },
      }),
    );
    const forever = await exemptions.createExemption(
      exemption({ kind: 'false-positive', expiresAt: undefined }),
    );
    const toExpire = await exemptions.createExemption(exemption({ expiresAt: at(1) }));
    const toRevoke = await exemptions.createExemption(exemption({ expiresAt: at(40) }));
    time.set(T0 + 2 * DAY);
    await exemptions.revokeExemption(toRevoke.id, 'user:default/alice');

    const ids = async (query: Parameters<typeof exemptions.listExemptions>[0]) =>
      (await exemptions.listExemptions(query, { type: 'all' })).items.map(e => e.id);

    expect(await ids({})).toEqual([soon.id, later.id, forever.id, toRevoke.id, toExpire.id]);
    expect(await ids({ state: ['active'] })).toEqual([soon.id, later.id, forever.id]);
    expect(await ids({ state: ['expired'] })).toEqual([toExpire.id]);
    expect(await ids({ state: ['revoked'] })).toEqual([toRevoke.id]);
    // Ended ones by when they ended, the latest first: revoked on day 2, expired on day 1.
    expect(await ids({ state: ['expired', 'revoked'] })).toEqual([toRevoke.id, toExpire.id]);
    expect(await ids({ scopeType: ['target'] })).toEqual([later.id]);
    expect(await ids({ createdBy: 'user:default/sam' })).toEqual([later.id]);
    expect(await ids({ entityRef: 'Component:default/payments-api' })).toEqual([later.id]);
    expect(await ids({ checkId: 'catalog/leaked-secret', scopeType: ['target'] })).toEqual([later.id]);
    // Within 2 days of day 2: only the one expiring on day 3 (not the expired, revoked or endless ones).
    expect(await ids({ expiringWithinDays: 2 })).toEqual([soon.id]);
    expect(await ids({ expiringWithinDays: 30 })).toEqual([soon.id, later.id]);
    expect(await ids({ limit: 2, offset: 1 })).toEqual([later.id, forever.id]);
    expect((await exemptions.listExemptions({ limit: 1 }, { type: 'all' })).totalItems).toBe(5);

    // Restricted to entities: only exemptions about those entities.
    expect(
      (
        await exemptions.listExemptions({}, {
          type: 'entities',
          entityRefs: ['component:default/payments-api'],
        })
      ).items.map(e => e.id),
    ).toEqual([later.id]);
    expect(
      (await exemptions.listExemptions({}, { type: 'entities', entityRefs: [] })).items,
    ).toEqual([]);
  });

  it('gives a new applied-exemptions key on create, revoke and expiry, and the same one otherwise', async () => {
    const { exemptions, findings, time } = await createStores(databaseId);
    const keys = [await findings.appliedExemptionsKey()];
    await exemptions.createExemption(exemption({ expiresAt: new Date(T0 + DAY).toISOString() }));
    keys.push(await findings.appliedExemptionsKey());
    time.advance(DAY - 1);
    expect(await findings.appliedExemptionsKey()).toBe(keys[1]);
    const other = await exemptions.createExemption(exemption({ expiresAt: undefined, kind: 'false-positive' }));
    keys.push(await findings.appliedExemptionsKey());
    await exemptions.revokeExemption(other.id, 'user:default/alice');
    keys.push(await findings.appliedExemptionsKey());
    // Expiry: the clock alone.
    time.advance(1);
    keys.push(await findings.appliedExemptionsKey());
    expect(new Set(keys).size).toBe(keys.length);
  });

  describe('findings read with exemptions applied', () => {
    it('exempts by finding, check on an entity, check on a config path, kind and owner', async () => {
      const { findings, exemptions } = await createStores(databaseId);
      await seed(findings, [
        finding({ fingerprint: 'one' }),
        finding({ fingerprint: 'same-entity', location: 'metadata.annotations.y' }),
        finding({
          fingerprint: 'other-entity',
          entityRef: 'component:default/identity',
          target: { type: 'entity', entityRef: 'component:default/identity' },
          owners: ['group:default/identity'],
        }),
        finding({
          fingerprint: 'api-of-payments',
          checkId: 'catalog/sensitive-reference',
          severity: 'low',
          entityRef: 'api:default/payments',
          entityKind: 'API',
          target: { type: 'entity', entityRef: 'api:default/payments' },
        }),
        finding({
          fingerprint: 'component-of-identity',
          checkId: 'catalog/sensitive-reference',
          severity: 'low',
          entityRef: 'component:default/identity',
          target: { type: 'entity', entityRef: 'component:default/identity' },
          owners: ['group:default/identity'],
        }),
        configFinding('cors', 'backend.cors.origin'),
        configFinding('cors-other', 'backend.cors.methods'),
      ]);
      const exempted = async () =>
        fingerprintsOf(
          (await findings.listFindings({ status: ['exempted'] }, { type: 'all' })).items,
        );
      const open = async () =>
        fingerprintsOf((await findings.listFindings({}, { type: 'all' })).items);

      expect(await exempted()).toEqual([]);
      await exemptions.createExemption(exemption({ scope: { type: 'finding', fingerprint: 'one' } }));
      expect(await exempted()).toEqual(['one']);
      await exemptions.createExemption(
        exemption({
          scope: { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/identity' },
        }),
      );
      expect(await exempted()).toEqual(['one', 'other-entity']);
      await exemptions.createExemption(
        exemption({ scope: { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' } }),
      );
      expect(await exempted()).toEqual(['cors', 'one', 'other-entity']);
      // A kind: the API of payments, not the component of identity; the owner: identity's.
      await exemptions.createExemption(
        exemption({ scope: { type: 'entities', checkId: 'catalog/sensitive-reference', entityKind: 'api' } }),
      );
      expect(await exempted()).toEqual(['api-of-payments', 'cors', 'one', 'other-entity']);
      expect(await open()).toEqual(['component-of-identity', 'cors-other', 'same-entity']);
      await exemptions.createExemption(
        exemption({
          scope: {
            type: 'entities',
            checkId: 'catalog/sensitive-reference',
            entityKind: 'component',
            owner: 'group:default/identity',
          },
        }),
      );
      expect(await open()).toEqual(['cors-other', 'same-entity']);
      expect(
        fingerprintsOf((await findings.listFindings({ status: ['open', 'exempted'] }, { type: 'all' })).items),
      ).toHaveLength(7);

      const page = await findings.listFindings({ status: ['exempted'], limit: 1, offset: 0 }, { type: 'all' });
      expect(page.totalItems).toBe(5);
      expect(page.items[0]).toMatchObject({
        status: 'exempted',
        exemption: { state: 'active', kind: 'accepted-risk', reason: 'Rotation is scheduled with the vendor' },
      });
      expect((await findings.getFinding('one'))?.status).toBe('exempted');
      expect((await findings.getFinding('same-entity'))?.exemption).toBeUndefined();
    });

    it('leaves exempted findings out of counts and scoring groups, and counts them apart', async () => {
      const { findings, exemptions } = await createStores(databaseId);
      await seed(findings, [
        finding({ fingerprint: 'a', severity: 'critical' }),
        finding({ fingerprint: 'b', severity: 'high', location: 'b' }),
        finding({ fingerprint: 'c', severity: 'high', location: 'c' }),
      ]);
      await exemptions.createExemption(exemption({ scope: { type: 'finding', fingerprint: 'a' } }));
      expect(await findings.countOpenFindingGroups()).toEqual([
        { category: 'catalog', severity: 'high', outcome: 'fail', count: 2 },
      ]);
      expect(await findings.countExemptedFindingGroups()).toEqual([
        { category: 'catalog', severity: 'critical', outcome: 'fail', count: 1 },
      ]);
      expect(await findings.countOpenBySeverity('component:default/payments-api')).toMatchObject({
        critical: 0,
        high: 2,
      });
      expect(
        (
          await findings.listOpenFindingsOfGroups(
            [{ category: 'catalog', severity: 'critical', outcome: 'fail' }],
            10,
          )
        ).length,
      ).toBe(0);
    });

    it('stops applying an expired exemption at the next read and shows it as expired; revoked ones vanish', async () => {
      const { findings, exemptions, time } = await createStores(databaseId);
      await seed(findings, [finding({ fingerprint: 'a' }), finding({ fingerprint: 'b', location: 'b' })]);
      await exemptions.createExemption(
        exemption({ scope: { type: 'finding', fingerprint: 'a' }, expiresAt: new Date(T0 + DAY).toISOString() }),
      );
      const revoked = await exemptions.createExemption(
        exemption({ scope: { type: 'finding', fingerprint: 'b' }, expiresAt: undefined, kind: 'false-positive' }),
      );
      await exemptions.revokeExemption(revoked.id, 'user:default/alice');
      expect(await findings.getFinding('a')).toMatchObject({ status: 'exempted', exemption: { state: 'active' } });
      expect(await findings.getFinding('b')).toMatchObject({ status: 'open' });
      expect((await findings.getFinding('b'))?.exemption).toBeUndefined();

      // No scan in between: the clock alone ends the exemption.
      time.advance(DAY);
      expect(await findings.getFinding('a')).toMatchObject({ status: 'open', exemption: { state: 'expired' } });
      expect((await findings.listFindings({ status: ['exempted'] }, { type: 'all' })).items).toEqual([]);
      expect(await findings.countExemptedFindingGroups()).toEqual([]);
      expect(await findings.countOpenFindingGroups()).toEqual([
        { category: 'catalog', severity: 'high', outcome: 'fail', count: 2 },
      ]);
    });

    it('does not cover a finding whose fingerprint changed, but a check-on-target exemption still does', async () => {
      const { findings, exemptions } = await createStores(databaseId);
      await seed(findings, [finding({ fingerprint: 'before' })]);
      await exemptions.createExemption(exemption({ scope: { type: 'finding', fingerprint: 'before' } }));
      expect((await findings.getFinding('before'))?.status).toBe('exempted');
      // The check now reports it at another location: new fingerprint, the old one resolved.
      await seed(findings, [finding({ fingerprint: 'after', location: 'metadata.annotations.moved' })]);
      expect((await findings.getFinding('before'))?.status).toBe('resolved');
      expect(await findings.getFinding('after')).toMatchObject({ status: 'open' });
      expect((await findings.getFinding('after'))?.exemption).toBeUndefined();

      await exemptions.createExemption(
        exemption({
          scope: { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api' },
        }),
      );
      expect((await findings.getFinding('after'))?.status).toBe('exempted');
      // A resolved finding stays resolved, whatever covers it.
      expect((await findings.getFinding('before'))?.status).toBe('resolved');
    });

    it('applies exemptions to exports and visibility-restricted reads alike', async () => {
      const { findings, exemptions } = await createStores(databaseId);
      await seed(
        findings,
        Array.from({ length: 25 }, (_, i) =>
          finding({ fingerprint: `f${String(i).padStart(2, '0')}`, location: `l${i}` }),
        ),
      );
      await exemptions.createExemption(
        exemption({ scope: { type: 'finding', fingerprint: 'f07' }, kind: 'mitigated-elsewhere' }),
      );
      const pages: Finding[] = [];
      for await (const page of findings.streamFindings(
        { status: ['open', 'exempted'] },
        { type: 'entities', entityRefs: ['component:default/payments-api'] },
        10,
      )) {
        pages.push(...page);
      }
      expect(pages).toHaveLength(25);
      expect(pages.filter(f => f.status === 'exempted').map(f => f.fingerprint)).toEqual(['f07']);
      const exported: Finding[] = [];
      for await (const page of findings.streamFindings({ status: ['exempted'] }, { type: 'all' }, 10)) {
        exported.push(...page);
      }
      expect(exported.map(f => [f.fingerprint, f.exemption?.kind])).toEqual([['f07', 'mitigated-elsewhere']]);
    });

    it('decides in SQL exactly what it shows in code, for any findings and exemptions', async () => {
      const { findings, exemptions, knex, time } = await createStores(databaseId);
      const entities = ['component:default/a', 'component:default/b', 'api:default/a'];
      const owners = ['group:default/x', 'group:default/y'];
      const checks = ['catalog/leaked-secret', 'catalog/sensitive-reference'];
      const findingArb = fc.record({
        check: fc.constantFrom(...checks),
        entity: fc.option(fc.constantFrom(...entities), { nil: undefined }),
        path: fc.constantFrom('backend.cors.origin', 'app.baseUrl'),
        owners: fc.subarray(owners),
        location: fc.constantFrom('x', 'y'),
      });
      const scopeArb: fc.Arbitrary<ExemptionScope> = fc.oneof(
        fc.record({ type: fc.constant('finding' as const), fingerprint: fc.constantFrom('p0', 'p1', 'p2', 'p3', 'p4') }),
        fc.record({
          type: fc.constant('target' as const),
          checkId: fc.constantFrom(...checks),
          entityRef: fc.constantFrom(...entities),
        }),
        fc.record({
          type: fc.constant('target' as const),
          checkId: fc.constantFrom(...checks),
          configPath: fc.constantFrom('backend.cors.origin', 'app.baseUrl'),
        }),
        fc.record(
          {
            type: fc.constant('entities' as const),
            checkId: fc.constantFrom(...checks),
            entityKind: fc.constantFrom('component', 'api'),
            owner: fc.constantFrom(...owners),
          },
          { requiredKeys: ['type', 'checkId'] },
        ),
      );
      const exemptionArb = fc.record({
        scope: scopeArb,
        expiresInDays: fc.option(fc.integer({ min: -3, max: 3 }).filter(d => d !== 0), { nil: undefined }),
        revoked: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(findingArb, { minLength: 1, maxLength: 5 }),
          fc.array(exemptionArb, { maxLength: 4 }),
          async (specs, exemptionSpecs) => {
            await knex('security_posture_exemptions').delete();
            await knex('security_posture_findings').delete();
            time.set(T0);
            await seed(
              findings,
              specs.map((s, i) =>
                finding({
                  fingerprint: `p${i}`,
                  checkId: s.check,
                  entityRef: s.entity,
                  entityKind: s.entity?.startsWith('api') ? 'API' : s.entity && 'Component',
                  target: s.entity ? { type: 'entity', entityRef: s.entity } : { type: 'config', path: s.path },
                  owners: s.entity ? s.owners : [],
                  location: s.location,
                }),
              ),
            );
            for (const spec of exemptionSpecs) {
              const created = await exemptions.createExemption(
                exemption({
                  scope: spec.scope,
                  expiresAt:
                    spec.expiresInDays === undefined
                      ? undefined
                      : new Date(T0 + spec.expiresInDays * DAY).toISOString(),
                }),
              );
              if (spec.revoked) await exemptions.revokeExemption(created.id, 'user:default/alice');
            }
            const all = (await findings.listFindings({ status: ['open', 'exempted'] }, { type: 'all' })).items;
            const shown = fingerprintsOf(all.filter(f => f.status === 'exempted'));
            const inSql = fingerprintsOf(
              (await findings.listFindings({ status: ['exempted'] }, { type: 'all' })).items,
            );
            const openInSql = fingerprintsOf((await findings.listFindings({}, { type: 'all' })).items);
            expect(inSql).toEqual(shown);
            expect([...openInSql, ...inSql].sort()).toEqual(fingerprintsOf(all));
            const grouped = (await findings.countExemptedFindingGroups()).reduce((n, g) => n + g.count, 0);
            expect(grouped).toBe(shown.length);
          },
        ),
        { numRuns: databaseId === 'SQLITE_3' ? 60 : 30 },
      );
    }, 60_000);
  });
});
