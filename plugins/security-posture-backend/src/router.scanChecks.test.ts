import request from 'supertest';
import { createApiHarness, PRINCIPALS } from './__testUtils__/apiHarness';
import { createTestDatabases } from './database/__testUtils__/databases';

const databases = createTestDatabases();
const BASE = '/api/security-posture';

describe('router: POST /scans with checkIds ("rescan this check", issue 17)', () => {
  it('queues a scan of those checks only, says so on the scan record, and audits the ids', async () => {
    const { app, auditor } = await createApiHarness('SQLITE_3', { databases, cooldownMs: 0 });
    const res = await request(app)
      .post(`${BASE}/scans`)
      .set('Authorization', PRINCIPALS.platform)
      .send({ checkIds: ['auth/cors-wildcard', 'auth/cors-wildcard'] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', checkIds: ['auth/cors-wildcard'] });
    const read = await request(app)
      .get(`${BASE}/scans/${res.body.id}`)
      .set('Authorization', PRINCIPALS.platform);
    expect(read.body.checkIds).toEqual(['auth/cors-wildcard']);
    const listed = await request(app)
      .get(`${BASE}/scans`)
      .set('Authorization', PRINCIPALS.platform);
    expect(listed.body.items.find((s: any) => s.id === res.body.id).checkIds).toEqual([
      'auth/cors-wildcard',
    ]);
    const events = await Promise.all(auditor.createEvent.mock.results.map(r => r.value));
    expect((events[0] as any).success.mock.calls[0][0]).toEqual({
      meta: { scanId: res.body.id, fullPass: false, checkIds: ['auth/cors-wildcard'] },
    });

    // Without a body: a scan of every check, not answered by the limited one.
    const all = await request(app).post(`${BASE}/scans`).set('Authorization', PRINCIPALS.platform);
    expect(all.status).toBe(202);
    expect(all.body.id).not.toBe(res.body.id);
    expect(all.body.checkIds).toBeUndefined();
  });

  it.each([
    [{ checkIds: ['auth/no-such-check'] }, /Unknown check id\(s\): auth\/no-such-check/],
    [{ checkIds: ['auth/cors-wildcard', 'x/y'] }, /Unknown check id\(s\): x\/y/],
    [{ checkIds: [] }, /./],
    [{ checkIds: 'auth/cors-wildcard' }, /./],
    [{ checkIds: [''] }, /./],
    [{ checkIds: ['auth/cors-wildcard'], other: 1 }, /./],
  ])('answers 400 for %j', async (body, message) => {
    const { app, store } = await createApiHarness('SQLITE_3', { databases, cooldownMs: 0 });
    const before = await store.listScans({ limit: 50 });
    const res = await request(app)
      .post(`${BASE}/scans`)
      .set('Authorization', PRINCIPALS.platform)
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    expect(res.body.error.message).toMatch(message);
    expect(await store.listScans({ limit: 50 })).toHaveLength(before.length);
  });

  it('refuses full=true with checkIds, and callers without scan.create', async () => {
    const { app } = await createApiHarness('SQLITE_3', { databases, cooldownMs: 0 });
    const full = await request(app)
      .post(`${BASE}/scans?full=true`)
      .set('Authorization', PRINCIPALS.platform)
      .send({ checkIds: ['auth/cors-wildcard'] });
    expect(full.status).toBe(400);
    for (const principal of [PRINCIPALS.guest, PRINCIPALS.owner]) {
      const res = await request(app)
        .post(`${BASE}/scans`)
        .set('Authorization', principal)
        .send({ checkIds: ['auth/cors-wildcard'] });
      expect(res.status).toBe(403);
    }
  });
});

describe('router: GET /changes?since= (what changed since a date, issue 17)', () => {
  it('lists findings first seen or resolved since the date, for the platform team', async () => {
    const { app } = await createApiHarness('SQLITE_3', { databases });
    // The harness's findings were first seen on 2026-11-01.
    const since = await request(app)
      .get(`${BASE}/changes?since=2026-11-01T00%3A00%3A00Z&limit=3`)
      .set('Authorization', PRINCIPALS.platform);
    expect(since.status).toBe(200);
    expect(since.body).toMatchObject({
      since: '2026-11-01T00:00:00.000Z',
      counts: { new: 7, resolved: 0 },
      totalItems: 7,
      limit: 3,
    });
    expect(since.body.items).toHaveLength(3);
    expect(since.body.items[0]).toMatchObject({
      change: 'new',
      checkId: 'catalog/leaked-secret',
      recordedAt: '2026-11-01T00:00:00.000Z',
    });
    const after = await request(app)
      .get(`${BASE}/changes?since=2026-11-01T00%3A00%3A01%2B00%3A00&change=new`)
      .set('Authorization', PRINCIPALS.service);
    expect(after.body).toMatchObject({ counts: { new: 0, resolved: 0 }, items: [] });
  });

  it.each([
    '',
    'since=yesterday',
    'since=2026-11-01',
    'since=2026-11-01T00:00:00Z',
    'since=2026-13-45T00%3A00%3A00Z',
    'since=2026-11-01T00%3A00%3A00Z&change=reopened',
    'since=2026-11-01T00%3A00%3A00Z&limit=0',
    'since=2026-11-01T00%3A00%3A00Z&other=1',
  ])('answers 400 for ?%s', async query => {
    const { app } = await createApiHarness('SQLITE_3', { databases });
    const res = await request(app)
      .get(`${BASE}/changes?${query}`)
      .set('Authorization', PRINCIPALS.platform);
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
  });

  it('is the platform team\'s: service owners and guests get 403', async () => {
    const { app } = await createApiHarness('SQLITE_3', { databases });
    for (const principal of [PRINCIPALS.owner, PRINCIPALS.guest]) {
      const res = await request(app)
        .get(`${BASE}/changes?since=2026-11-01T00%3A00%3A00Z`)
        .set('Authorization', principal);
      expect(res.status).toBe(403);
    }
  });
});
