import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from './__testUtils__/databases';
import { DatabasePostureStore } from './DatabasePostureStore';
import { NewFinding } from './PostureStore';
import { FINDING_TEXTS, findingTextsKey } from './findingTexts';

const databases = createTestDatabases();

const REFERENCE_TEXT = 'Restrict catalog.entity.read for such entities. '.repeat(10);
const SECRET_TEXT = 'Rotate the credential, then remove it from the entity.';
const DOCS = 'https://backstage.io/docs/permissions/writing-a-policy';

function finding(checkId: string, entity: number, remediation: string, docsUrl?: string): NewFinding {
  const entityRef = `component:default/service-${entity}`;
  return {
    fingerprint: `${checkId}-${entity}`,
    checkId,
    category: 'catalog',
    severity: 'medium',
    outcome: 'fail',
    title: 'Sensitive reference',
    message: `entity ${entity}`,
    target: { type: 'entity', entityRef },
    entityRef,
    entityKind: 'Component',
    owners: ['group:default/team-a'],
    evidence: { entity },
    remediation,
    docsUrl,
  };
}

describe('findingTextsKey', () => {
  it('gives a pair one key and different pairs different keys', () => {
    const key = findingTextsKey(REFERENCE_TEXT, DOCS);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    // A copy of the strings (not the same instances) has the same key.
    expect(findingTextsKey([...REFERENCE_TEXT].join(''), [...DOCS].join(''))).toBe(key);
    expect(findingTextsKey(REFERENCE_TEXT, null)).not.toBe(key);
    expect(findingTextsKey(REFERENCE_TEXT, '')).not.toBe(findingTextsKey(REFERENCE_TEXT, null));
    expect(findingTextsKey(SECRET_TEXT, DOCS)).not.toBe(key);
  });
});

describe.each(databases.eachSupportedId())('finding texts on %p', databaseId => {
  async function createStore() {
    const knex = await databases.init(databaseId);
    const store = await DatabasePostureStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    return { knex, store };
  }

  async function writePage(store: DatabasePostureStore, scanId: string, findings: NewFinding[]) {
    const now = new Date().toISOString();
    const checkIds = [...new Set(findings.map(f => f.checkId))];
    await store.applyEntityPage({
      scanId,
      seenAt: now,
      refreshSeenBefore: now,
      entityRefs: [...new Set(findings.map(f => f.entityRef!))],
      checks: checkIds.map(checkId => ({
        checkId,
        findings: findings.filter(f => f.checkId === checkId),
        unevaluatedEntityRefs: [],
      })),
    });
  }

  const everything = { type: 'all' } as const;

  it('stores each distinct remediation and link once and reads every finding with its own', async () => {
    const { knex, store } = await createStore();
    const scan = await store.createScan({ trigger: 'manual' });
    const written = [
      ...Array.from({ length: 300 }, (_, i) => finding('catalog/sensitive-reference', i, REFERENCE_TEXT, DOCS)),
      ...Array.from({ length: 5 }, (_, i) => finding('catalog/leaked-secret', i, SECRET_TEXT)),
    ];
    await writePage(store, scan.id, written);

    const texts = await knex(FINDING_TEXTS).select().orderBy('remediation');
    expect(texts).toEqual([
      { texts_key: findingTextsKey(REFERENCE_TEXT, DOCS), remediation: REFERENCE_TEXT, docs_url: DOCS },
      { texts_key: findingTextsKey(SECRET_TEXT, null), remediation: SECRET_TEXT, docs_url: null },
    ]);
    // The rows carry the key, not the texts.
    const rows = await knex('security_posture_findings').select('remediation', 'docs_url', 'texts_key');
    expect(rows).toHaveLength(305);
    expect(rows.every(r => r.remediation === '' && r.docs_url === null && r.texts_key)).toBe(true);

    const { items } = await store.listFindings({ limit: 500 }, everything);
    expect(items).toHaveLength(305);
    const byFingerprint = new Map(items.map(f => [f.fingerprint, f]));
    for (const f of written) {
      const read = byFingerprint.get(f.fingerprint)!;
      expect(read.remediation).toBe(f.remediation);
      expect(read.docsUrl).toBe(f.docsUrl);
    }
    const one = await store.getFinding('catalog/leaked-secret-3');
    expect(one).toMatchObject({ remediation: SECRET_TEXT });
    expect(one!.docsUrl).toBeUndefined();

    // A later scan writes the same texts for new findings without storing them again.
    const next = await store.createScan({ trigger: 'manual' });
    await writePage(store, next.id, [finding('catalog/leaked-secret', 900, SECRET_TEXT)]);
    expect(Number((await knex(FINDING_TEXTS).count({ n: '*' }).first())!.n)).toBe(2);
    expect((await store.getFinding('catalog/leaked-secret-900'))!.remediation).toBe(SECRET_TEXT);
  });

  it('reads rows stored with their texts inline and leaves them alone while their finding is unchanged', async () => {
    const { knex, store } = await createStore();
    const scan = await store.createScan({ trigger: 'manual' });
    const old = finding('catalog/leaked-secret', 1, SECRET_TEXT, DOCS);
    await writePage(store, scan.id, [old]);
    // As a row written before the texts were shared: same content hash, texts inline.
    await knex('security_posture_findings')
      .where({ fingerprint: old.fingerprint })
      .update({ remediation: SECRET_TEXT, docs_url: DOCS, texts_key: null });

    expect(await store.getFinding(old.fingerprint)).toMatchObject({ remediation: SECRET_TEXT, docsUrl: DOCS });

    // Found again as it was: not rewritten (an upgrade rewrites nothing by itself).
    const next = await store.createScan({ trigger: 'manual' });
    await writePage(store, next.id, [old]);
    const row = await knex('security_posture_findings').where({ fingerprint: old.fingerprint }).first();
    expect(row).toMatchObject({ remediation: SECRET_TEXT, docs_url: DOCS, texts_key: null });

    // Found changed: rewritten with the key.
    const third = await store.createScan({ trigger: 'manual' });
    await writePage(store, third.id, [{ ...old, message: 'changed' }]);
    const rewritten = await knex('security_posture_findings').where({ fingerprint: old.fingerprint }).first();
    expect(rewritten).toMatchObject({ remediation: '', docs_url: null, texts_key: findingTextsKey(SECRET_TEXT, DOCS) });
    expect(await store.getFinding(old.fingerprint)).toMatchObject({
      message: 'changed',
      remediation: SECRET_TEXT,
      docsUrl: DOCS,
    });
  });

  it('puts the texts back into the rows when the migration is rolled back', async () => {
    const { knex, store } = await createStore();
    const scan = await store.createScan({ trigger: 'manual' });
    await writePage(store, scan.id, [
      finding('catalog/sensitive-reference', 1, REFERENCE_TEXT, DOCS),
      finding('catalog/leaked-secret', 2, SECRET_TEXT),
    ]);
    // eslint-disable-next-line @backstage/no-relative-monorepo-imports
    const migration = require('../../migrations/20270104120000_finding_texts.js');
    await migration.down(knex);

    const rows = await knex('security_posture_findings').select('fingerprint', 'remediation', 'docs_url').orderBy('fingerprint');
    expect(rows).toEqual([
      { fingerprint: 'catalog/leaked-secret-2', remediation: SECRET_TEXT, docs_url: null },
      { fingerprint: 'catalog/sensitive-reference-1', remediation: REFERENCE_TEXT, docs_url: DOCS },
    ]);
    expect(await knex.schema.hasTable(FINDING_TEXTS)).toBe(false);
    await migration.up(knex);
  });
});
