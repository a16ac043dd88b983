import { AuthService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { RELATION_MEMBER_OF } from '@backstage/catalog-model';

/** The groups a user belongs to (refs); an unknown user belongs to none. */
export interface MembershipSource {
  groupsOf(userRefs: string[]): Promise<Map<string, string[]>>;
}

/**
 * Direct memberships (memberOf relations) from the catalog, kept for `ttlMs` so a burst of
 * events asks the catalog once per user.
 */
export class CatalogMembershipSource implements MembershipSource {
  private readonly cache = new Map<
    string,
    { groups: string[]; until: number }
  >();

  constructor(
    private readonly deps: {
      catalog: CatalogService;
      auth: AuthService;
      ttlMs?: number;
      clock?: () => number;
    },
  ) {}

  async groupsOf(userRefs: string[]): Promise<Map<string, string[]>> {
    const now = (this.deps.clock ?? Date.now)();
    const result = new Map<string, string[]>();
    const missing: string[] = [];
    for (const ref of userRefs) {
      const cached = this.cache.get(ref);
      if (cached && cached.until > now) result.set(ref, cached.groups);
      else missing.push(ref);
    }
    if (missing.length) {
      const credentials = await this.deps.auth.getOwnServiceCredentials();
      const { items } = await this.deps.catalog.getEntitiesByRefs(
        { entityRefs: missing, fields: ['relations'] },
        { credentials },
      );
      missing.forEach((ref, i) => {
        const groups = (items[i]?.relations ?? [])
          .filter(r => r.type === RELATION_MEMBER_OF)
          .map(r => r.targetRef);
        this.cache.set(ref, {
          groups,
          until: now + (this.deps.ttlMs ?? 5 * 60_000),
        });
        result.set(ref, groups);
      });
    }
    return result;
  }
}
