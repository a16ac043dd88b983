import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { EntitySecurityCheck } from '@security-posture/plugin-security-posture-node';
import { entityContentHash } from '../entityContentHash';
import { FindingFactory } from '../FindingFactory';
import { workerTestChecks } from './__fixtures__/workerTestChecks';
import {
  heldPageRequests,
  readCatalogPage,
  summarizeCatalogPage,
} from './catalogPageReading';
import { readEntitySubject } from './errorSubject';

function entity(name: string, kind = 'Component'): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      etag: `etag-${name}`,
      annotations: { 'example.com/note': 'x'.repeat(50) },
    },
    spec: { type: 'service', owner: 'group:default/payments' },
    relations: [
      { type: RELATION_OWNED_BY, targetRef: 'group:default/payments' },
      { type: 'dependsOn', targetRef: 'component:default/other' },
    ],
  };
}

const check = (
  id: string,
  appliesTo?: EntitySecurityCheck['appliesTo'],
): EntitySecurityCheck =>
  ({ meta: { id }, scope: 'entity', appliesTo } as EntitySecurityCheck);

describe('readCatalogPage', () => {
  it('asks for the page uncompressed with the token and reads items, total and cursor', async () => {
    const calls: Array<{ url: string; headers: Record<string, string> }> = [];
    const page = await readCatalogPage(
      { url: 'http://catalog/entities/by-query?limit=2', token: 'tok' },
      (async (url: string, init: { headers: Record<string, string> }) => {
        calls.push({ url, headers: init.headers });
        return new Response(
          JSON.stringify({
            items: [entity('a'), entity('b')],
            totalItems: 5,
            pageInfo: { nextCursor: 'c2' },
          }),
        );
      }) as unknown as typeof fetch,
    );
    expect(calls).toEqual([
      {
        url: 'http://catalog/entities/by-query?limit=2',
        headers: { authorization: 'Bearer tok', 'accept-encoding': 'identity' },
      },
    ]);
    expect(page.items.map(e => e.metadata.name)).toEqual(['a', 'b']);
    expect(page).toMatchObject({ totalItems: 5, nextCursor: 'c2' });
  });

  it('has no cursor on the last page', async () => {
    const page = await readCatalogPage(
      { url: 'http://catalog/x', token: 't' },
      (async () =>
        new Response(
          JSON.stringify({ items: [], totalItems: 0, pageInfo: {} }),
        )) as unknown as typeof fetch,
    );
    expect(page).toEqual({ items: [], totalItems: 0, nextCursor: undefined });
  });

  it('fails with the status and the start of the body on a failed answer', async () => {
    await expect(
      readCatalogPage(
        { url: 'http://catalog/x', token: 't' },
        (async () =>
          new Response('{"error":{"message":"no such cursor"}}', {
            status: 400,
            statusText: 'Bad Request',
          })) as unknown as typeof fetch,
      ),
    ).rejects.toThrow(
      'Catalog request failed with 400 Bad Request: {"error":{"message":"no such cursor"}}',
    );
  });

  it('fails on an answer that is not a page', async () => {
    const fetchOf = (body: string) =>
      (async () => new Response(body)) as unknown as typeof fetch;
    await expect(
      readCatalogPage({ url: 'http://c/x', token: 't' }, fetchOf('{"x":1}')),
    ).rejects.toThrow('Catalog answered a page without items');
    await expect(
      readCatalogPage({ url: 'http://c/x', token: 't' }, fetchOf('{"items":')),
    ).rejects.toThrow();
  });
});

describe('summarizeCatalogPage', () => {
  const onlyApis = check('only-apis', e => e.kind === 'API');
  const everything = check('everything');
  const throwing = check('throwing', e => {
    if (e.metadata.name === 'b') throw new Error('appliesTo failed');
    return true;
  });

  it('in incremental passes: asks appliesTo, hashes content, and marks what threw as unchecked', () => {
    const items = [entity('a'), entity('b'), entity('c', 'API')];
    const summary = summarizeCatalogPage(
      items,
      [onlyApis, everything, throwing],
      true,
    );
    expect(summary.map(s => [s.entityRef, s.applying, s.unchecked])).toEqual([
      ['component:default/a', '1,2,', ''],
      ['component:default/b', '1,2,', '2,'],
      ['api:default/c', '0,1,2,', ''],
    ]);
    expect(summary.map(s => s.contentHash)).toEqual(
      items.map(e => entityContentHash(e)),
    );
  });

  it('in full passes: every check applies and asks appliesTo when evaluated; no hashes', () => {
    const summary = summarizeCatalogPage(
      [entity('a')],
      [onlyApis, everything],
      false,
    );
    expect(summary).toEqual([
      expect.objectContaining({
        entityRef: 'component:default/a',
        applying: '0,1,',
        unchecked: '0,1,',
        contentHash: undefined,
      }),
    ]);
  });

  it('says of each entity what its error findings read: the same finding as from the entity', () => {
    const full = entity('a');
    full.metadata.namespace = 'team-ns';
    full.spec = { ...full.spec, owner: 'platform' };
    const [summary] = summarizeCatalogPage([full], [everything], true);
    expect(summary).toMatchObject({
      kind: 'Component',
      owners: ['group:default/payments', 'group:team-ns/platform'],
    });
    const factory = new FindingFactory('k');
    const meta = workerTestChecks[0].meta;
    const error = new Error('worker gone');
    expect(
      factory.fromError(meta, 'high', error, readEntitySubject(summary)),
    ).toEqual(factory.fromError(meta, 'high', error, full));
    expect(JSON.stringify(summary)).not.toContain('example.com/note');
  });
});

describe('heldPageRequests', () => {
  it('evaluates the checks each entity said apply, with recorded digests in their order', () => {
    const items = [entity('a'), entity('b'), entity('c', 'API')];
    const checks = [
      check('only-apis', e => e.kind === 'API'),
      check('everything'),
    ];
    const page = {
      items,
      entities: summarizeCatalogPage(items, checks, true),
      checkIds: checks.map(c => c.meta.id),
    };
    const requests = heldPageRequests(page, [
      { index: 2, recordedDigests: 'd-apis,d-all' },
      { index: 0 },
      { index: 1, recordedDigests: 'd-b' },
    ]);
    expect(requests).toEqual([
      {
        entity: items[2],
        checkIds: ['only-apis', 'everything'],
        unchecked: [],
        recordedDigests: { 'only-apis': 'd-apis', everything: 'd-all' },
      },
      {
        entity: items[0],
        checkIds: ['everything'],
        unchecked: [],
        recordedDigests: undefined,
      },
      {
        entity: items[1],
        checkIds: ['everything'],
        unchecked: [],
        recordedDigests: { everything: 'd-b' },
      },
    ]);
    // Entities with the same checks share one set.
    expect(requests[1].checkIds).toBe(requests[2].checkIds);
  });
});
