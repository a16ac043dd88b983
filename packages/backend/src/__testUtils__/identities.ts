import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';

/**
 * Ownership refs of the demo users as the transitive ownership resolver computes them for the
 * demo org (dev/catalog/org.yaml): the user, their groups and every ancestor group.
 */
export const DEMO_OWNERSHIP: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice', 'group:default/platform-team', 'group:default/acme'],
  'user:default/sam': [
    'user:default/sam',
    'group:default/payments-checkout',
    'group:default/payments',
    'group:default/engineering',
    'group:default/acme',
  ],
  'user:default/dana': ['user:default/dana', 'group:default/guild-frontend', 'group:default/acme'],
  'user:development/guest': ['user:development/guest'],
};

/** User info with the given ownership refs (test identities are mock tokens). */
export function userInfoServiceFactory(ownership: Record<string, string[]> = DEMO_OWNERSHIP) {
  return createServiceFactory({
    service: coreServices.userInfo,
    deps: {},
    factory: () => ({
      async getUserInfo(credentials: any) {
        const userEntityRef = credentials.principal.userEntityRef;
        return {
          userEntityRef,
          ownershipEntityRefs: ownership[userEntityRef] ?? [userEntityRef],
        };
      },
    }),
  });
}

/**
 * The mock auth service drops the actor when a plugin calls another on behalf of a user; real
 * Backstage keeps it (the catalog's apply-conditions endpoint requires it). This restores that.
 */
export const actorKeepingAuthServiceFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const inner = mockServices.auth({ pluginId: plugin.getId() });
    return {
      authenticate: inner.authenticate.bind(inner),
      isPrincipal: inner.isPrincipal.bind(inner) as typeof inner.isPrincipal,
      getNoneCredentials: inner.getNoneCredentials.bind(inner),
      getOwnServiceCredentials: inner.getOwnServiceCredentials.bind(inner),
      getLimitedUserToken: inner.getLimitedUserToken.bind(inner),
      listPublicServiceKeys: inner.listPublicServiceKeys.bind(inner),
      async getPluginRequestToken(options) {
        const principal = options.onBehalfOf.principal as { type: string; userEntityRef?: string };
        if (principal.type === 'user' && principal.userEntityRef) {
          return {
            token: mockCredentials.user.token(principal.userEntityRef, {
              actor: { subject: `plugin:${plugin.getId()}` },
            }),
          };
        }
        return inner.getPluginRequestToken(options);
      },
    };
  },
});
