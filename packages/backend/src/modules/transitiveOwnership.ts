import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { authOwnershipResolutionExtensionPoint } from '@backstage/plugin-auth-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';

const MAX_DEPTH = 20;

/**
 * Members of a sub-team own what their parent teams own: the user's ownership refs are the user,
 * their groups, and every ancestor group (walking `spec.parent`, cycle- and depth-bounded).
 */
export default createBackendModule({
  pluginId: 'auth',
  moduleId: 'transitive-ownership',
  register(reg) {
    reg.registerInit({
      deps: {
        ownership: authOwnershipResolutionExtensionPoint,
        catalog: catalogServiceRef,
        auth: coreServices.auth,
      },
      async init({ ownership, catalog, auth }) {
        ownership.setAuthOwnershipResolver({
          async resolveOwnershipEntityRefs(user: Entity) {
            const refs = new Set<string>([stringifyEntityRef(user)]);
            let frontier = (user.relations ?? [])
              .filter(r => r.type === RELATION_MEMBER_OF)
              .map(r => r.targetRef);
            const credentials = await auth.getOwnServiceCredentials();
            for (let depth = 0; frontier.length && depth < MAX_DEPTH; depth++) {
              const fresh = frontier.filter(ref => !refs.has(ref));
              fresh.forEach(ref => refs.add(ref));
              if (!fresh.length) break;
              const { items } = await catalog.getEntitiesByRefs(
                { entityRefs: fresh, fields: ['spec.parent', 'metadata.namespace'] },
                { credentials },
              );
              frontier = items.flatMap(group => {
                const parent = group?.spec?.parent;
                if (typeof parent !== 'string' || !parent) return [];
                return [
                  stringifyEntityRef(
                    parseEntityRef(parent, {
                      defaultKind: 'Group',
                      defaultNamespace: group?.metadata.namespace ?? 'default',
                    }),
                  ),
                ];
              });
            }
            return { ownershipEntityRefs: [...refs] };
          },
        });
      },
    });
  },
});
