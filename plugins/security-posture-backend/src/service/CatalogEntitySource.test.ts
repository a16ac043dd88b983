import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { CatalogEntitySource } from './CatalogEntitySource';

const entity = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name },
});

function fakeCatalog(pages: string[][], failAt?: number) {
  const requests: Array<string | undefined> = [];
  const catalog = {
    async queryEntities(request: { cursor?: string }) {
      requests.push(request.cursor);
      const index = request.cursor ? Number(request.cursor) : 0;
      if (index === failAt) throw new Error('catalog unavailable');
      return {
        items: pages[index].map(entity),
        totalItems: pages.flat().length,
        pageInfo: { nextCursor: index + 1 < pages.length ? String(index + 1) : undefined },
      };
    },
  } as unknown as CatalogService;
  return { catalog, requests };
}

describe('CatalogEntitySource', () => {
  it('requests the next page while the caller works on the current one', async () => {
    const { catalog, requests } = fakeCatalog([['a', 'b'], ['c', 'd'], ['e']]);
    const source = new CatalogEntitySource(catalog, mockServices.auth());
    const seen: string[] = [];
    const requestedWhenPageArrived: number[] = [];
    for await (const page of source.pages({ pageSize: 2 })) {
      // Let the prefetch start.
      await new Promise(resolve => setImmediate(resolve));
      requestedWhenPageArrived.push(requests.length);
      seen.push(...page.items.map(e => e.metadata.name));
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(requests).toEqual([undefined, '1', '2']);
    // Page 1 arrived with page 2 already requested, and so on; none after the last.
    expect(requestedWhenPageArrived).toEqual([2, 3, 3]);
  });

  it('surfaces a failed page where it is read, after the pages before it', async () => {
    const { catalog } = fakeCatalog([['a'], ['b'], ['c']], 1);
    const source = new CatalogEntitySource(catalog, mockServices.auth());
    const seen: string[] = [];
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      await expect(
        (async () => {
          for await (const page of source.pages({ pageSize: 1 })) {
            await new Promise(resolve => setTimeout(resolve, 5));
            seen.push(...page.items.map(e => e.metadata.name));
          }
        })(),
      ).rejects.toThrow('catalog unavailable');
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(seen).toEqual(['a']);
    expect(unhandled).not.toHaveBeenCalled();
  });

  describe('in parts', () => {
    const kinds = ['Component', 'Component', 'Component', 'API', 'API', 'User', 'Group'];
    /** A catalog of the kinds above (entity i is `e<i>`), paged by cursor within a kind filter. */
    function kindCatalog() {
      const all = kinds.map((kind, i) => ({ ...entity(`e${i}`), kind }));
      const queries: Array<{ kinds?: string[]; cursor?: string }> = [];
      const facetRequests = jest.fn();
      const catalog = {
        async getEntityFacets() {
          facetRequests();
          const counts = new Map<string, number>();
          for (const e of all) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
          return {
            facets: {
              kind: [...counts].map(([value, count]) => ({ value, count })),
            },
          };
        },
        async queryEntities(request: {
          cursor?: string;
          limit: number;
          filter?: { kind: string[] };
        }) {
          const [wanted, offset] = request.cursor
            ? (JSON.parse(request.cursor) as [string[] | undefined, number])
            : [request.filter?.kind, 0];
          queries.push({ kinds: wanted, cursor: request.cursor });
          const matching = all.filter(
            e => !wanted || wanted.some(k => k.toLowerCase() === e.kind.toLowerCase()),
          );
          const end = offset + request.limit;
          return {
            items: matching.slice(offset, end),
            totalItems: matching.length,
            pageInfo: {
              nextCursor: end < matching.length ? JSON.stringify([wanted, end]) : undefined,
            },
          };
        },
      } as unknown as CatalogService;
      return { catalog, queries, facetRequests };
    }

    it('reads each part of the kinds at once and every entity once', async () => {
      const { catalog, queries } = kindCatalog();
      const source = new CatalogEntitySource(catalog, mockServices.auth(), 3);
      const seen: string[] = [];
      const totals = new Set<number>();
      let partsRequestedAtFirstPage = 0;
      for await (const page of source.pages({ pageSize: 1, inParts: true })) {
        if (!seen.length)
          partsRequestedAtFirstPage = queries.filter(q => !q.cursor).length;
        seen.push(...page.items.map(e => e.metadata.name));
        totals.add(page.totalItems);
      }
      expect(seen.sort()).toEqual(kinds.map((_, i) => `e${i}`).sort());
      // Every page says how big the whole catalog is, not its part.
      expect([...totals]).toEqual([kinds.length]);
      const firstRequests = queries.filter(q => !q.cursor).map(q => q.kinds);
      expect(firstRequests).toEqual([['Component'], ['API'], ['User', 'Group']]);
      // At once: every part was asked for before the first page was handed on.
      expect(partsRequestedAtFirstPage).toBe(3);
    });

    it('reads one stream unless asked for parts, with one read at a time, or for a filtered read', async () => {
      const single = kindCatalog();
      const seen: string[] = [];
      for await (const page of new CatalogEntitySource(
        single.catalog,
        mockServices.auth(),
        1,
      ).pages({ pageSize: 3, inParts: true }))
        seen.push(...page.items.map(e => e.metadata.name));
      expect(seen).toEqual(kinds.map((_, i) => `e${i}`));
      expect(single.facetRequests).not.toHaveBeenCalled();

      const notAsked = kindCatalog();
      const names: string[] = [];
      for await (const page of new CatalogEntitySource(
        notAsked.catalog,
        mockServices.auth(),
        3,
      ).pages({ pageSize: 3 }))
        names.push(...page.items.map(e => e.metadata.name));
      expect(names).toEqual(kinds.map((_, i) => `e${i}`));
      expect(notAsked.facetRequests).not.toHaveBeenCalled();

      const filtered = kindCatalog();
      const source = new CatalogEntitySource(filtered.catalog, mockServices.auth(), 3);
      const apis: string[] = [];
      for await (const items of source.streamEntities({ filter: { kind: ['API'] } }))
        apis.push(...items.map(e => e.metadata.name));
      for await (const page of source.pages({ filter: { kind: ['API'] }, inParts: true }))
        apis.push(...page.items.map(e => e.metadata.name));
      expect(apis).toEqual(['e3', 'e4', 'e3', 'e4']);
      expect(filtered.facetRequests).not.toHaveBeenCalled();
    });

    it('reads one stream when the kinds cannot be read', async () => {
      const { catalog, facetRequests } = kindCatalog();
      catalog.getEntityFacets = async () => {
        facetRequests();
        throw new Error('facets unavailable');
      };
      const seen: string[] = [];
      for await (const page of new CatalogEntitySource(
        catalog,
        mockServices.auth(),
        3,
      ).pages({ pageSize: 2, inParts: true }))
        seen.push(...page.items.map(e => e.metadata.name));
      expect(facetRequests).toHaveBeenCalledTimes(1);
      expect(seen).toEqual(kinds.map((_, i) => `e${i}`));
    });
  });
});

