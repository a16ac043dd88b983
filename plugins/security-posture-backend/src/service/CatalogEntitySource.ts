import { AuthService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { QueryEntitiesResponse } from '@backstage/catalog-client';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { CheckCatalogAccess } from '@security-posture/plugin-security-posture-node';

export interface EntityPage {
  items: Entity[];
  totalItems: number;
}

/** Cursor-paged catalog reads with the plugin's own service credentials. */
export class CatalogEntitySource implements CheckCatalogAccess {
  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
  ) {}

  /**
   * Pages in catalog order. The next page is requested as soon as a page arrives, so the
   * catalog works on it while the caller processes the current one (at most two pages held).
   */
  async *pages(
    options: { filter?: Record<string, string | string[]>; pageSize?: number } = {},
  ): AsyncIterable<EntityPage> {
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

  async *streamEntities(
    options: { filter?: Record<string, string | string[]>; pageSize?: number } = {},
  ): AsyncIterable<Entity[]> {
    for await (const page of this.pages(options)) {
      yield page.items;
    }
  }
}
