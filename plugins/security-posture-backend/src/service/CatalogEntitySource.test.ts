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
});
