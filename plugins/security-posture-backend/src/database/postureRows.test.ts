import { NewFinding } from './PostureStore';
import { toFindingRow } from './postureRows';

const base: NewFinding = {
  fingerprint: 'f1',
  checkId: 'catalog/leaked-secret',
  category: 'catalog',
  severity: 'high',
  outcome: 'fail',
  title: 'Secret in annotation',
  message: 'A token-shaped value (fingerprint 3f2a) is in metadata.annotations.',
  target: { type: 'entity', entityRef: 'component:default/payments-api' },
  location: 'metadata.annotations.token',
  entityRef: 'component:default/payments-api',
  entityKind: 'Component',
  owners: ['group:default/payments', 'group:default/platform'],
  evidence: { field: 'metadata.annotations.token', fingerprint: '3f2a' },
  remediation: 'Move the value to a secret store.',
  docsUrl: 'https://backstage.io/docs',
};

describe('toFindingRow', () => {
  // Stored rows are compared by this hash on every scan: a change to how it is computed
  // rewrites every finding of every store once (and reports nothing new, but costs a full write).
  it('hashes a finding content exactly as stored rows were hashed', () => {
    expect(toFindingRow(base, 'scan-1', '2026-11-01T00:00:00.000Z').content_hash).toBe('fb8c7f2b706f96073b4462c13779837359111bc7');
    const sparse: NewFinding = {
      ...base,
      fingerprint: 'f2',
      checkId: 'auth/unsafe-config',
      target: { type: 'config', path: 'auth.providers.guest' },
      location: undefined,
      entityRef: undefined,
      entityKind: undefined,
      owners: [],
      evidence: {},
      docsUrl: undefined,
    };
    const row = toFindingRow(sparse, 'scan-2', '2026-11-02T00:00:00.000Z');
    expect(row.content_hash).toBe('9a73920e80f91cecaa724a0dcccfd6b1da0e954f');
    expect(row).toMatchObject({
      location: null,
      entity_ref: null,
      entity_kind: null,
      owners_key: null,
      config_path: 'auth.providers.guest',
      docs_url: null,
      remediation: '',
    });
  });

  it('hashes every stored column: a change to any of them changes the hash', () => {
    const hash = (f: NewFinding) => toFindingRow(f, 's', '2026-11-01T00:00:00.000Z').content_hash;
    const changes: Array<Partial<NewFinding>> = [
      { checkId: 'catalog/other' },
      { category: 'auth' },
      { severity: 'low' },
      { outcome: 'error' },
      { title: 'Other' },
      { message: 'Other' },
      { target: { type: 'entity', entityRef: 'component:default/other' } },
      { location: 'spec.other' },
      { location: undefined },
      { entityRef: 'component:default/other' },
      { entityKind: 'API' },
      { owners: ['group:default/payments'] },
      { evidence: { field: 'other' } },
      { remediation: 'Other' },
      { docsUrl: undefined },
    ];
    const hashes = new Set([hash(base), ...changes.map(change => hash({ ...base, ...change }))]);
    expect(hashes.size).toBe(changes.length + 1);
    // Not what the row was seen at or by.
    expect(toFindingRow(base, 'other-scan', '2027-01-01T00:00:00.000Z').content_hash).toBe(hash(base));
  });
});
