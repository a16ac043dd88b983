import request from 'supertest';
import { Finding, FindingGroup } from '@security-posture/plugin-security-posture-common';
import { createApiHarness, PRINCIPALS } from './__testUtils__/apiHarness';
import { createTestDatabases } from './database/__testUtils__/databases';

const databases = createTestDatabases();
const BASE = '/api/security-posture';

/** The groups a caller's findings list implies, worst first as the route orders them. */
function groupsOfList(items: Finding[]) {
  const groups = new Map<string, { checkId: string; title: string; targets: number }>();
  for (const f of items) {
    const key = `${f.checkId}\n${f.title}`;
    const group = groups.get(key) ?? { checkId: f.checkId, title: f.title, targets: 0 };
    group.targets += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

describe('router: GET /findings/groups (issue 17)', () => {
  it('groups exactly the findings the caller may list, for every principal', async () => {
    const { app } = await createApiHarness('SQLITE_3', { databases });
    const get = (path: string, who: keyof typeof PRINCIPALS) =>
      request(app).get(`${BASE}${path}`).set('Authorization', PRINCIPALS[who]);
    const statuses = 'status=open&status=exempted&status=resolved';

    const seen: Record<string, number> = {};
    for (const who of ['platform', 'owner', 'ownsNothing', 'guest', 'service'] as const) {
      const list = await get(`/findings?${statuses}&limit=500`, who);
      const groups = await get(`/findings/groups?${statuses}&limit=500`, who);
      expect(groups.status).toBe(200);
      expect(groups.body.scope).toBe(list.body.scope);
      const items: FindingGroup[] = groups.body.items;
      const key = (g: { checkId: string; title: string }) => `${g.checkId}\n${g.title}`;
      expect(
        items.map(g => ({ checkId: g.checkId, title: g.title, targets: g.targets })).sort((a, b) => key(a).localeCompare(key(b))),
      ).toEqual(groupsOfList(list.body.items).sort((a, b) => key(a).localeCompare(key(b))));
      expect(groups.body.totalItems).toBe(items.length);
      seen[who] = items.reduce((n, g) => n + g.targets, 0);
    }
    // The fixture must let the visibility rule show: all for the platform team and services,
    // some for the owner, none for callers who own nothing.
    expect(seen.platform).toBeGreaterThan(seen.owner);
    expect(seen.owner).toBeGreaterThan(0);
    expect(seen.service).toBe(seen.platform);
    expect(seen.ownsNothing).toBe(0);
    expect(seen.guest).toBe(0);
  });

  it('gives each group its worst severity, pages, and validates like GET /findings', async () => {
    const { app } = await createApiHarness('SQLITE_3', { databases });
    const get = (path: string) =>
      request(app).get(`${BASE}${path}`).set('Authorization', PRINCIPALS.platform);
    const groups = (await get('/findings/groups?limit=500')).body.items as FindingGroup[];
    const list = (await get('/findings?limit=500')).body.items as Finding[];
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    for (const group of groups) {
      const worst = list
        .filter(f => f.checkId === group.checkId && f.title === group.title)
        .map(f => order.indexOf(f.severity))
        .sort()[0];
      expect(group.severity).toBe(order[worst]);
    }
    const ranks = groups.map(g => order.indexOf(g.severity));
    expect(ranks).toEqual([...ranks].sort());

    const page = await get('/findings/groups?limit=1&offset=1');
    expect(page.body).toMatchObject({ limit: 1, offset: 1, totalItems: groups.length });
    expect(page.body.items).toEqual(groups.slice(1, 2));

    for (const query of ['orderBy=severity', 'limit=0', 'severity=urgent', 'foo=bar']) {
      expect({ query, status: (await get(`/findings/groups?${query}`)).status }).toEqual({ query, status: 400 });
    }
    const anonymous = await request(app).get(`${BASE}/findings/groups`).set('Authorization', PRINCIPALS.unauthenticated);
    expect(anonymous.status).toBe(401);
  });
});
