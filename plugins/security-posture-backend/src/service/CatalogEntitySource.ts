import { AuthService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
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

  async *pages(
    options: { filter?: Record<string, string | string[]>; pageSize?: number } = {},
  ): AsyncIterable<EntityPage> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const limit = options.pageSize ?? 500;
    let cursor: string | undefined;
    do {
      const response = await this.catalog.queryEntities(
        cursor ? { cursor, limit } : { filter: options.filter, limit },
        { credentials },
      );
      yield { items: response.items, totalItems: response.totalItems };
      cursor = response.pageInfo.nextCursor;
    } while (cursor);
  }

  async *streamEntities(
    options: { filter?: Record<string, string | string[]>; pageSize?: number } = {},
  ): AsyncIterable<Entity[]> {
    for await (const page of this.pages(options)) {
      yield page.items;
    }
  }
}
