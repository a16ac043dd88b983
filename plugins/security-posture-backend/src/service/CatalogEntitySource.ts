import { AuthService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { QueryEntitiesResponse } from '@backstage/catalog-client';
import { CheckCatalogAccess } from '@security-posture/plugin-security-posture-node';
import { CatalogPageRequest } from '@security-posture/checks';
import { mergePages, partitionKinds } from './catalogPartitions';
import { CatalogReads } from './uncompressedCatalog';

export interface EntityPage {
  items: Entity[];
  totalItems: number;
}

type PageOptions = {
  filter?: Record<string, string | string[]>;
  pageSize?: number;
};

type PassPageOptions = PageOptions & {
  /** Read the whole catalog in parts at once (when reading, not evaluating, bounds the pass). */
  inParts?: boolean;
};

/** Cursor-paged catalog reads with the plugin's own service credentials. */
export class CatalogEntitySource implements CheckCatalogAccess {
  private readonly concurrentReads: number;

  /**
   * @param concurrentReads - how many parts of the whole catalog are read at once (by entity
   *   kind). A cursor-paged read is a chain of round trips that leaves the catalog and the event
   *   loop idle most of the time; parts read side by side fill that time. 1 reads one stream.
   */
  constructor(
    private readonly catalog: CatalogReads,
    private readonly auth: AuthService,
    concurrentReads = 1,
  ) {
    this.concurrentReads = Math.max(1, Math.floor(concurrentReads));
  }

  /**
   * Pages of the catalog (every entity unless `filter` says otherwise). `inParts` without a
   * filter, with concurrent reads: the kinds are split into parts of similar size, read at once
   * and their pages handed on as they arrive: each entity once, in no particular order.
   */
  async *pages(options: PassPageOptions = {}): AsyncIterable<EntityPage> {
    if (!options.inParts || options.filter || this.concurrentReads <= 1) {
      yield* this.stream(options);
      return;
    }
    const credentials = await this.auth.getOwnServiceCredentials();
    let kinds: Array<{ value: string; count: number }>;
    try {
      kinds =
        (await this.catalog.getEntityFacets({ facets: ['kind'] }, { credentials }))
          .facets.kind ?? [];
    } catch {
      // Parts are only faster: without the kinds, read one stream (which reports a real outage).
      kinds = [];
    }
    const parts = partitionKinds(kinds, this.concurrentReads);
    if (parts.length <= 1) {
      yield* this.stream(options);
      return;
    }
    // Counted when the kinds were: each part's own total is only a share.
    const totalItems = parts.reduce((sum, part) => sum + part.count, 0);
    for await (const page of mergePages(
      parts.map(part =>
        this.stream({
          pageSize: options.pageSize,
          filter: { kind: part.kinds },
        }),
      ),
    )) {
      yield { items: page.items, totalItems };
    }
  }

  /**
   * One cursor-paged stream. The next page is requested as soon as a page arrives, so the
   * catalog works on it while the caller processes the current one (at most two pages held).
   */
  private async *stream(options: PageOptions): AsyncIterable<EntityPage> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const limit = options.pageSize ?? 500;
    const request = (cursor?: string): Promise<QueryEntitiesResponse> => {
      const pending = this.catalog.queryEntities(
        cursor ? { cursor, limit } : { filter: options.filter, limit },
        { credentials },
      );
      // Rejections surface when the page is awaited, not as an unhandled rejection meanwhile.
      pending.catch(() => {});
      return pending;
    };
    let next: Promise<QueryEntitiesResponse> | undefined = request();
    while (next) {
      const response: QueryEntitiesResponse = await next;
      const cursor: string | undefined = response.pageInfo.nextCursor;
      next = cursor ? request(cursor) : undefined;
      yield { items: response.items, totalItems: response.totalItems };
    }
  }

  /**
   * Where the catalog is read over HTTP: the request of each page of one stream of the whole
   * catalog, for an evaluation worker to read (undefined otherwise).
   */
  pageRequests(
    pageSize = 500,
  ): ((cursor?: string) => Promise<CatalogPageRequest>) | undefined {
    const { catalog, auth } = this;
    if (!catalog.pageRequest) return undefined;
    return async cursor =>
      catalog.pageRequest!(
        { limit: pageSize, cursor },
        { credentials: await auth.getOwnServiceCredentials() },
      );
  }

  /** For deployment checks: one stream (they run beside the catalog pass, which reads in parts). */
  async *streamEntities(options: PageOptions = {}): AsyncIterable<Entity[]> {
    for await (const page of this.stream(options)) {
      yield page.items;
    }
  }
}
