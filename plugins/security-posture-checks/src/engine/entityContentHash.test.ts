import { Entity } from '@backstage/catalog-model';
import { entityContentHash } from './entityContentHash';

function entity(overrides: Partial<Entity['metadata']> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'svc', namespace: 'default', uid: 'uid-1', ...overrides },
    spec: { owner: 'group:default/a' },
    relations: [{ type: 'ownedBy', targetRef: 'group:default/a' }],
  };
}

describe('entityContentHash', () => {
  it('hashes the whole entity when it has no etag', () => {
    const before = entityContentHash(entity());
    const edited = entity();
    edited.spec = { owner: 'group:default/b' };
    expect(entityContentHash(entity())).toBe(before);
    expect(entityContentHash(edited)).not.toBe(before);
    expect(before).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reads the etag, and still sees relations and status a provider-set etag would hide', () => {
    const before = entityContentHash(entity({ etag: 'e1' }));
    expect(before).toMatch(/^etag:[0-9a-f]{40}$/);
    // Same etag, same content: same hash; the catalog gives edited content a new etag.
    expect(entityContentHash(entity({ etag: 'e1' }))).toBe(before);
    expect(entityContentHash(entity({ etag: 'e2' }))).not.toBe(before);
    const reowned = entity({ etag: 'e1' });
    reowned.relations = [{ type: 'ownedBy', targetRef: 'group:default/b' }];
    expect(entityContentHash(reowned)).not.toBe(before);
    const retyped = entity({ etag: 'e1' });
    retyped.relations = [{ type: 'partOf', targetRef: 'group:default/a' }];
    expect(entityContentHash(retyped)).not.toBe(before);
    const related = entity({ etag: 'e1' });
    related.relations = [
      { type: 'ownedBy', targetRef: 'group:default/a' },
      { type: 'dependsOn', targetRef: 'resource:default/db' },
    ];
    expect(entityContentHash(related)).not.toBe(before);
    const unrelated = entity({ etag: 'e1' });
    unrelated.relations = [];
    expect(entityContentHash(unrelated)).not.toBe(before);
    const withStatus = entity({ etag: 'e1' });
    (withStatus as Entity & { status: unknown }).status = {
      items: [{ type: 'x', level: 'error', message: 'm' }],
    };
    expect(entityContentHash(withStatus)).not.toBe(before);
    expect(entityContentHash(entity({ etag: 'e1', uid: 'uid-2' }))).not.toBe(
      before,
    );
  });
});
