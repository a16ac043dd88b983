import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { parse } from 'csv-parse/sync';
import { text } from 'node:stream/consumers';
import { Severity } from '@security-posture/plugin-security-posture-common';
import { createTestDatabases } from '../database/__testUtils__/databases';
import { DatabaseExemptionStore } from '../database/DatabaseExemptionStore';
import { DatabasePostureStore } from '../database/DatabasePostureStore';
import { NewFinding, OwnedFindingCounts } from '../database/PostureStore';
import {
  computeTeamScorecards,
  scorecardsCsv,
  TeamScorecardService,
} from './teamScorecards';

const databases = createTestDatabases();

type Group = OwnedFindingCounts['groups'][number];
const group = (
  owner: string,
  category: string,
  severity: Severity,
  count: number,
  outcome: Group['outcome'] = 'fail',
): Group => ({ owner, category, severity, outcome, count });

describe('team scorecards', () => {
  it('applies the scoring model per owner over the owned categories, worst first', async () => {
    const { items, categories } = await computeTeamScorecards({
      groups: [
        group('group:default/a', 'catalog', 'critical', 1),
        group('group:default/a', 'templates', 'high', 2),
        group('group:default/b', 'templates', 'low', 1),
        group('group:default/c', 'catalog', 'high', 1),
        group('group:default/c', 'catalog', 'high', 1, 'error'),
      ],
      entities: new Map([
        ['group:default/a', 3],
        ['group:default/b', 1],
        ['group:default/c', 1],
      ]),
      owners: ['group:default/a', 'group:default/b', 'group:default/c', 'group:default/clean'],
    });
    expect(categories).toEqual(['catalog', 'templates']);
    expect(items.map(i => [i.owner, i.grade, i.score])).toEqual([
      // catalog 100·100/140 = 71.4, templates 100·100/140 = 71.4: mean 71.4 (C), capped at D
      ['group:default/a', 'D', 71.4],
      // catalog 100·100/(100+20+3) = 81.3, templates 100: 90.7
      ['group:default/c', 'A', 90.7],
      ['group:default/b', 'A', 98.5],
      // only resolved findings: nothing open
      ['group:default/clean', 'A', 100],
    ]);
    const a = items[0];
    expect(a).toMatchObject({
      counts: { critical: 1, high: 2, medium: 0, low: 0, info: 0 },
      openFindings: 3,
      entities: 3,
      errors: 0,
    });
    expect(a.categories).toEqual([
      { category: 'catalog', score: 71.4, grade: 'C' },
      { category: 'templates', score: 71.4, grade: 'C' },
    ]);
    expect(items[1]).toMatchObject({ openFindings: 1, errors: 1 });
    expect(items[3]).toMatchObject({ openFindings: 0, entities: 0 });
  });

  it('CSV: one row per owner, cells neutralised', async () => {
    const { items } = await computeTeamScorecards({
      groups: [group('group:default/=cmd', 'catalog', 'high', 2)],
      entities: new Map([['group:default/=cmd', 1]]),
      owners: ['group:default/=cmd'],
    });
    const rows = parse(await text(scorecardsCsv(items)), { columns: true });
    expect(rows).toEqual([
      {
        owner: 'group:default/=cmd',
        // the only owned category: 100·100/(100+40)
        grade: 'C',
        score: '71.4',
        openFindings: '2',
        critical: '0',
        high: '2',
        medium: '0',
        low: '0',
        info: '0',
        entities: '1',
        checkErrors: '0',
      },
    ]);
    const formula = await computeTeamScorecards({
      groups: [group('=HYPERLINK("x")', 'catalog', 'low', 1)],
      entities: new Map(),
      owners: ['=HYPERLINK("x")'],
    });
    expect(await text(scorecardsCsv(formula.items))).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it('shows every owner to the platform team and only their own to everyone else', async () => {
    const counts: OwnedFindingCounts = {
      groups: [
        group('group:default/payments-checkout', 'catalog', 'high', 1),
        group('group:default/identity', 'catalog', 'critical', 1),
        group('user:default/sam', 'templates', 'low', 1),
      ],
      entities: new Map(),
      owners: ['group:default/payments-checkout', 'group:default/identity', 'user:default/sam'],
    };
    const service = new TeamScorecardService({
      store: { countOwnedFindings: async () => counts },
      report: {
        canReadReport: async credentials =>
          (credentials.principal as { userEntityRef?: string }).userEntityRef ===
          'user:default/alice',
      },
      userInfo: {
        async getUserInfo(credentials) {
          const ref = (credentials.principal as { userEntityRef: string }).userEntityRef;
          return {
            userEntityRef: ref,
            ownershipEntityRefs:
              ref === 'user:default/sam'
                ? ['user:default/Sam', 'group:default/Payments-Checkout', 'group:default/payments']
                : [ref],
          };
        },
      },
    });
    const all = await service.scorecards(mockCredentials.user('user:default/alice'));
    expect(all.scope).toBe('all');
    expect(all.items.map(i => i.owner)).toEqual([
      'group:default/identity',
      'group:default/payments-checkout',
      'user:default/sam',
    ]);
    const sams = await service.scorecards(mockCredentials.user('user:default/sam'));
    expect(sams.scope).toBe('mine');
    expect(sams.items.map(i => i.owner)).toEqual([
      'group:default/payments-checkout',
      'user:default/sam',
    ]);
    expect(sams.categories).toEqual(['catalog', 'templates']);
    expect((await service.scorecards(mockCredentials.user('user:default/dana'))).items).toEqual([]);
    expect((await service.scorecards(mockCredentials.service())).items).toEqual([]);
  });
});

describe.each(databases.eachSupportedId())('owned findings in the store on %p', databaseId => {
  function finding(
    fingerprint: string,
    owners: string[],
    severity: Severity,
    entity = fingerprint,
  ): NewFinding {
    const entityRef = `component:default/${entity}`;
    return {
      fingerprint,
      checkId: 'catalog/leaked-secret',
      category: 'catalog',
      severity,
      outcome: 'fail',
      title: 'Leaked',
      message: 'leak',
      target: { type: 'entity', entityRef },
      entityRef,
      entityKind: 'Component',
      owners,
      evidence: {},
      remediation: 'Rotate',
    };
  }

  it('counts open findings per owner, without resolved or exempted ones', async () => {
    const knex = await databases.init(databaseId);
    const database = mockServices.database({ knex, migrations: { skip: false } });
    const store = await DatabasePostureStore.create({ database });
    const exemptions = await DatabaseExemptionStore.create({ database });
    const apply = async (findings: NewFinding[]) =>
      store.applyCheckFindings({
        scanId: (await store.createScan({ trigger: 'manual' })).id,
        checkId: 'catalog/leaked-secret',
        findings,
        seenAt: new Date().toISOString(),
        resolveMissing: true,
      });
    await apply([
      finding('a1', ['group:default/a'], 'high', 'svc-a'),
      finding('a2', ['group:default/a'], 'high', 'svc-a'),
      finding('a3', ['group:default/a', 'group:default/b'], 'critical', 'shared'),
      finding('b1', ['group:default/b'], 'low', 'svc-b'),
      finding('gone', ['group:default/old'], 'medium', 'old'),
    ]);
    // 'gone' is fixed: resolved, its owner stays listed with nothing open.
    await apply([
      finding('a1', ['group:default/a'], 'high', 'svc-a'),
      finding('a2', ['group:default/a'], 'high', 'svc-a'),
      finding('a3', ['group:default/a', 'group:default/b'], 'critical', 'shared'),
      finding('b1', ['group:default/b'], 'low', 'svc-b'),
    ]);
    await exemptions.createExemption({
      scope: { type: 'finding', fingerprint: 'a2' },
      kind: 'false-positive',
      reason: 'test data',
      createdBy: 'user:default/alice',
    });

    const counts = await store.countOwnedFindings();
    const byOwner = (owner: string) =>
      counts.groups
        .filter(g => g.owner === owner)
        .map(g => `${g.severity}:${g.count}`)
        .sort();
    expect(byOwner('group:default/a')).toEqual(['critical:1', 'high:1']);
    expect(byOwner('group:default/b')).toEqual(['critical:1', 'low:1']);
    expect(byOwner('group:default/old')).toEqual([]);
    expect(counts.entities.get('group:default/a')).toBe(2);
    expect(counts.entities.get('group:default/b')).toBe(2);
    expect(counts.owners.sort()).toEqual(['group:default/a', 'group:default/b', 'group:default/old']);
  });
});
