import { AuthService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  RELATION_CHILD_OF,
  RELATION_MEMBER_OF,
} from '@backstage/catalog-model';

/** The groups a user belongs to (refs); an unknown user belongs to none. */
export interface MembershipSource {
  groupsOf(userRefs: string[]): Promise<Map<string, string[]>>;
}

const MAX_DEPTH = 10;

/**
 * Memberships from the catalog: the user's groups (memberOf) and their ancestors (childOf), so
 * a member of `payments-checkout` under `engineering` counts as a member of `engineering`.
 * Users and groups are kept for `ttlMs`, so a burst of events asks the catalog once.
 */
export class CatalogMembershipSource implements MembershipSource {
  private readonly cache = new Map<
    string,
    { targets: string[]; until: number }
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
    const direct = await this.relationTargets(userRefs, RELATION_MEMBER_OF);
    const result = new Map<string, string[]>();
    for (const user of userRefs) {
      const groups = new Set(direct.get(user) ?? []);
      let frontier = [...groups];
      for (let depth = 0; frontier.length && depth < MAX_DEPTH; depth++) {
        const parents = await this.relationTargets(frontier, RELATION_CHILD_OF);
        frontier = [...parents.values()].flat().filter(g => !groups.has(g));
        frontier.forEach(g => groups.add(g));
      }
      result.set(user, [...groups]);
    }
    return result;
  }

  /** Targets of one relation type per entity ref, from the cache or the catalog. */
  private async relationTargets(
    refs: string[],
    type: string,
  ): Promise<Map<string, string[]>> {
    const now = (this.deps.clock ?? Date.now)();
    const result = new Map<string, string[]>();
    const missing: string[] = [];
    for (const ref of new Set(refs)) {
      const cached = this.cache.get(`${type}|${ref}`);
      if (cached && cached.until > now) result.set(ref, cached.targets);
      else missing.push(ref);
    }
    if (!missing.length) return result;
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const { items } = await this.deps.catalog.getEntitiesByRefs(
      { entityRefs: missing, fields: ['relations'] },
      { credentials },
    );
    missing.forEach((ref, i) => {
      const targets = (items[i]?.relations ?? [])
        .filter(r => r.type === type)
        .map(r => r.targetRef);
      this.cache.set(`${type}|${ref}`, {
        targets,
        until: now + (this.deps.ttlMs ?? 5 * 60_000),
      });
      result.set(ref, targets);
    });
    return result;
  }
}
