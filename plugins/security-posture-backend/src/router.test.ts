import request from 'supertest';
import {
  CATALOG_FAILURE_TEXT,
  createApiHarness,
  PLANTED_SECRETS,
  PRINCIPALS,
} from './__testUtils__/apiHarness';
import { createTestDatabases } from './database/__testUtils__/databases';

const databases = createTestDatabases();
const BASE = '/api/security-posture';

async function harness(cooldownMs?: number) {
  return createApiHarness('SQLITE_3', { databases, cooldownMs });
}

describe('router: request validation against the OpenAPI spec (defects 1, 6)', () => {
  it.each([
    ['offset=1e20'],
    ['offset=1e21'],
    ['offset=1000001'],
    ['offset=-1'],
    ['offset=1.5'],
    ['limit=0x10'],
    ['limit='],
    ['limit=1e9'],
    ['limit=1e2'],
    ['limit=%205'],
    ['limit=%2B5'],
    ['limit=0'],
    ['limit=501'],
    ['limit=abc'],
    ['limit=1&limit=2'],
    ['severity=urgent'],
    ['status=closed'],
    ['orderBy=fingerprint'],
    ['order=ASC'],
    ['text='],
    [`text=${'x'.repeat(201)}`],
    ['category='],
    ['foo=bar'],
    ['status[x]=open'],
    ['status[]=open'],
    ['status[0]=open'],
    ['a[b][c]=1'],
    ['text[]=x'],
    ['entityRef=component:default/x'],
  ])('GET /findings?%s is a 400 InputError', async query => {
    const { app } = await harness();
    const res = await request(app)
      .get(`${BASE}/findings?${query}`)
      .set('Authorization', PRINCIPALS.guest);
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.text).not.toMatch(/select |entity_ref|stack/i);
  });

  it('accepts what the spec allows, at its bounds', async () => {
    const { app } = await harness();
    for (const query of [
      'limit=1&offset=0',
      'limit=500&offset=1000000',
      'severity=high&severity=critical&status=open&status=resolved&orderBy=severity&order=desc',
      'text=token&category=catalog&checkId=catalog/leaked-secret&owner=group:default/x&entityKind=component',
    ]) {
      const res = await request(app)
        .get(`${BASE}/findings?${query}`)
        .set('Authorization', PRINCIPALS.platform);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
    }
    const page = await request(app)
      .get(`${BASE}/findings?limit=2&offset=1`)
      .set('Authorization', PRINCIPALS.platform);
    expect(page.body).toMatchObject({ limit: 2, offset: 1, scope: 'all' });
    expect(page.body.items).toHaveLength(2);
  });

  it('rejects unknown parameters on routes that take none, and bounds the list routes', async () => {
    const { app } = await harness();
    for (const url of [
      '/summary?x=1',
      '/checks?limit=1',
      '/scans?limit=201',
      '/scans?limit=0',
      '/history?limit=1001',
      '/export.csv?limit=5',
      '/export.csv?bom=yes',
    ]) {
      const res = await request(app)
        .get(`${BASE}${url}`)
        .set('Authorization', PRINCIPALS.platform);
      expect({ url, status: res.status, name: res.body.error?.name }).toEqual({
        url,
        status: 400,
        name: 'InputError',
      });
    }
    expect(
      (
        await request(app)
          .get(`${BASE}/scans?limit=200`)
          .set('Authorization', PRINCIPALS.platform)
      ).status,
    ).toBe(200);
  });

  it('writes a byte-order mark only when asked (?bom=true)', async () => {
    const { app } = await harness();
    const withBom = await request(app)
      .get(`${BASE}/export.csv?bom=true`)
      .set('Authorization', PRINCIPALS.platform)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(withBom.status).toBe(200);
    const without = await request(app)
      .get(`${BASE}/export.csv`)
      .set('Authorization', PRINCIPALS.platform);
    expect(without.text.startsWith('\ufeff')).toBe(false);
    expect((withBom.body as Buffer).subarray(0, 3)).toEqual(
      Buffer.from([0xef, 0xbb, 0xbf]),
    );
  });
});

describe('router: errors tell callers nothing internal (defects 1, 2)', () => {
  it('GET /findings with a database failure answers a generic 500 and logs it with the correlation id', async () => {
    const { app, store, logger } = await harness();
    jest
      .spyOn(store, 'listFindings')
      .mockRejectedValue(
        new Error(
          "select * from posture_findings where entity_ref in ('component:default/x') - SQLITE_ERROR",
        ),
      );
    const res = await request(app)
      .get(`${BASE}/findings?offset=5`)
      .set('Authorization', PRINCIPALS.guest);
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({
      name: 'Error',
      message: expect.stringMatching(
        /^Internal error; see the backend log \(correlation id [0-9a-f-]{36}\)$/,
      ),
    });
    expect(res.text).not.toMatch(/select|entity_ref|SQLITE|stack/i);
    const id = /correlation id ([0-9a-f-]+)/.exec(res.body.error.message)![1];
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(id),
      expect.any(Error),
    );
  });

  it.each([
    ['%00', 400],
    ['%C3%28', 400],
    ['%E0%A4%A', 400],
    ['a%2Fb', 400],
    [`${'a'.repeat(64)}`, 400],
    ['catalog-down-0', 500],
    ['rejected-9', 400],
  ])('entity name %s → %d without catalog internals', async (name, status) => {
    const { app } = await harness();
    for (const suffix of ['findings', 'findings.csv']) {
      const res = await request(app)
        .get(`${BASE}/entities/component/default/${name}/${suffix}`)
        .set('Authorization', PRINCIPALS.platform);
      expect(res.status).toBe(status);
      expect(res.body.error.name).toBe(status === 500 ? 'Error' : 'InputError');
      expect(res.text).not.toContain('localhost');
      expect(res.text).not.toContain(CATALOG_FAILURE_TEXT.slice(0, 30));
      for (const secret of PLANTED_SECRETS)
        expect(res.text).not.toContain(secret);
      expect(res.text).not.toMatch(/URIError|ResponseError|select |stack/);
    }
  });

  it('an unknown method on a documented path is a 400, not a 500', async () => {
    const { app } = await harness();
    const res = await request(app)
      .delete(`${BASE}/findings`)
      .set('Authorization', PRINCIPALS.platform);
    expect(res.status).toBeLessThan(500);
  });
});

describe('router: entity findings (defects 3, 5)', () => {
  const url = (name: string) =>
    `${BASE}/entities/component/default/${name}/findings`;

  it('counts-only answers carry counts and nothing about scans or users', async () => {
    const { app, scan } = await harness();
    for (const who of ['ownsNothing', 'guest'] as const) {
      const res = await request(app)
        .get(url('payments-api'))
        .set('Authorization', PRINCIPALS[who]);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual([
        'counts',
        'entityRef',
        'visibility',
      ]);
      expect(res.body.visibility).toBe('counts');
      expect(res.text).not.toContain(scan.id);
      expect(res.text).not.toContain('user:default/alice');
      expect(res.text).not.toMatch(/lastScan|requestedBy|trigger|progress/);
    }
    // Callers with details keep the last scan.
    for (const who of ['platform', 'owner', 'service'] as const) {
      const res = await request(app)
        .get(url('payments-api'))
        .set('Authorization', PRINCIPALS[who]);
      expect(res.body).toMatchObject({
        visibility: 'details',
        lastScan: { id: scan.id },
      });
    }
  });

  it('404 for entities the catalog does not know, for every caller, and the same 404 for entities a caller may not read', async () => {
    const { app } = await harness();
    for (const who of [
      'platform',
      'owner',
      'ownsNothing',
      'guest',
      'service',
    ] as const) {
      const missing = await request(app)
        .get(url('no-such-thing'))
        .set('Authorization', PRINCIPALS[who]);
      expect({ who, status: missing.status }).toEqual({ who, status: 404 });
      expect(
        (
          await request(app)
            .get(`${url('no-such-thing')}.csv`)
            .set('Authorization', PRINCIPALS[who])
        ).status,
      ).toBe(404);
    }
    // `restricted` exists, has findings, and only the platform team and services may read it.
    const missing = await request(app)
      .get(url('no-such-thing'))
      .set('Authorization', PRINCIPALS.guest);
    for (const who of ['owner', 'ownsNothing', 'guest'] as const) {
      const hidden = await request(app)
        .get(url('restricted'))
        .set('Authorization', PRINCIPALS[who]);
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.name).toBe(missing.body.error.name);
      expect(hidden.body.error.message.replace('restricted', 'X')).toBe(
        missing.body.error.message.replace('no-such-thing', 'X'),
      );
    }
    expect(
      (
        await request(app)
          .get(url('restricted'))
          .set('Authorization', PRINCIPALS.platform)
      ).body.visibility,
    ).toBe('details');
  });
});

describe('router: scan starts are throttled (defect 4)', () => {
  it('answers 429 with Retry-After within the cooldown, audits the refusal, and still returns a waiting scan', async () => {
    const { app, auditor, store } = await harness(60_000);
    const first = await request(app)
      .post(`${BASE}/scans`)
      .set('Authorization', PRINCIPALS.platform);
    expect(first.status).toBe(202);
    // While it waits to start, a second start answers with that scan (not throttled).
    const again = await request(app)
      .post(`${BASE}/scans`)
      .set('Authorization', PRINCIPALS.service);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    // Once it ran, a new start within the cooldown is refused.
    await store.updateScan(first.body.id, {
      status: 'succeeded',
      finishedAt: new Date().toISOString(),
    });
    const refused = await request(app)
      .post(`${BASE}/scans`)
      .set('Authorization', PRINCIPALS.service);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.body.error.name).toBe('TooManyRequestsError');
    const events = await Promise.all(
      auditor.createEvent.mock.results.map(r => r.value),
    );
    const failed = events
      .map(e => (e as any).fail.mock.calls[0]?.[0])
      .filter(Boolean);
    expect(failed).toEqual([
      expect.objectContaining({
        meta: { throttled: true, retryAfterSeconds: expect.any(Number) },
      }),
    ]);
    expect(auditor.createEvent.mock.calls.map(([e]: any) => e.eventId)).toEqual(
      ['scan-start', 'scan-start', 'scan-start'],
    );
    // Refused callers without the permission still get 403 first.
    expect(
      (
        await request(app)
          .post(`${BASE}/scans`)
          .set('Authorization', PRINCIPALS.guest)
      ).status,
    ).toBe(403);
  });

  it('does not throttle when the cooldown is 0', async () => {
    const { app, store } = await harness(0);
    const first = await request(app)
      .post(`${BASE}/scans`)
      .set('Authorization', PRINCIPALS.platform);
    await store.updateScan(first.body.id, { status: 'succeeded' });
    expect(
      (
        await request(app)
          .post(`${BASE}/scans`)
          .set('Authorization', PRINCIPALS.platform)
      ).status,
    ).toBe(202);
  });
});

describe('router: what a scan changed (issue 17)', () => {
  it('GET /scans/{id}/changes: the platform team only, 404 for an unknown scan, filters validated', async () => {
    const { app, store, scan } = await harness();
    // A second scan: one finding re-rated, one new, the rest resolved.
    const [kept] = (await store.listFindings({ limit: 1 }, { type: 'all' })).items;
    await new Promise(resolve => setTimeout(resolve, 5));
    const second = await store.createScan({ trigger: 'schedule' });
    await store.applyCheckFindings({
      scanId: second.id,
      checkId: 'catalog/leaked-secret',
      findings: [
        { ...kept, severity: kept.severity === 'low' ? 'high' : 'low' },
        { ...kept, fingerprint: 'brand-new', title: 'New leak', severity: 'critical' },
      ],
      seenAt: new Date().toISOString(),
      resolveMissing: true,
    });
    await store.updateScan(second.id, { status: 'succeeded', finishedAt: new Date().toISOString() });

    const res = await request(app)
      .get(`${BASE}/scans/${second.id}/changes?change=new&change=severity`)
      .set('Authorization', PRINCIPALS.platform);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      scanId: second.id,
      previousScanId: scan.id,
      recorded: true,
      baseline: false,
      counts: { new: 1, reopened: 0, resolved: 6, severity: 1 },
      totalItems: 2,
    });
    expect(res.body.items.map((c: any) => [c.change, c.fingerprint])).toEqual([
      ['new', 'brand-new'],
      ['severity', kept.fingerprint],
    ]);

    const list = await request(app).get(`${BASE}/scans`).set('Authorization', PRINCIPALS.platform);
    expect(list.body.items.map((s: any) => [s.id, s.changes?.counts.resolved])).toEqual([
      [second.id, 6],
      [scan.id, 0],
    ]);
    expect(list.body.items[1].changes).toMatchObject({ recorded: true, baseline: true });

    for (const who of ['owner', 'ownsNothing', 'guest'] as const) {
      const denied = await request(app)
        .get(`${BASE}/scans/${second.id}/changes`)
        .set('Authorization', PRINCIPALS[who]);
      expect(denied.status).toBe(403);
    }
    expect(
      (await request(app).get(`${BASE}/scans/nope/changes`).set('Authorization', PRINCIPALS.platform))
        .status,
    ).toBe(404);
    for (const query of ['change=added', 'limit=0', 'offset=-1', 'foo=1']) {
      const bad = await request(app)
        .get(`${BASE}/scans/${second.id}/changes?${query}`)
        .set('Authorization', PRINCIPALS.platform);
      expect(bad.status).toBe(400);
    }
  });
});

describe('router: team scorecards (issue 17)', () => {
  it('every owner for the platform team, their own for owners, nothing for others; CSV alike', async () => {
    const { app } = await harness();
    const get = (path: string, who: keyof typeof PRINCIPALS) =>
      request(app).get(`${BASE}${path}`).set('Authorization', PRINCIPALS[who]);

    const all = await get('/scorecards', 'platform');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ scope: 'all', categories: ['catalog'] });
    expect(all.body.items.map((i: any) => [i.owner, i.openFindings])).toEqual([
      ['group:default/payments-checkout', 6],
    ]);
    // critical, high, medium, low, info, critical: 100·100/(100+111) = 47.4
    expect(all.body.items[0]).toMatchObject({ grade: 'F', score: 47.4, entities: 3 });

    const mine = await get('/scorecards', 'owner');
    expect(mine.body).toMatchObject({ scope: 'mine' });
    expect(mine.body.items.map((i: any) => i.owner)).toEqual(['group:default/payments-checkout']);
    expect((await get('/scorecards', 'service')).body.scope).toBe('all');
    for (const who of ['ownsNothing', 'guest'] as const) {
      const none = await get('/scorecards', who);
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ items: [] });
    }
    expect((await get('/scorecards', 'unauthenticated')).status).toBe(401);

    const csv = await get('/scorecards/export.csv', 'owner');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toContain('security-posture-my-teams.csv');
    const rows = csv.text.trim().split('\n');
    expect(rows[0]).toBe(
      'owner,grade,score,openFindings,critical,high,medium,low,info,entities,checkErrors',
    );
    expect(rows.slice(1).map(r => r.split(',')[0])).toEqual(['group:default/payments-checkout']);
    const nothing = await get('/scorecards/export.csv', 'ownsNothing');
    expect(nothing.text.trim().split('\n')).toHaveLength(1);
    expect((await get('/scorecards/export.csv?bom=maybe', 'platform')).status).toBe(400);
  });
});
