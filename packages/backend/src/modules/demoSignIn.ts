import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, InputError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthenticator,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** Header with which the demo sign-in page names the catalog user to sign in as. */
export const DEMO_USER_HEADER = 'x-demo-user';

const USER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Demo identities are impersonation by design, so they refuse to work unless both the process
 * and the auth config say development. security-posture's auth checks flag this provider if it
 * is configured anywhere else.
 */
export function isDemoSignInAllowed(authEnvironment: string | undefined) {
  return (
    process.env.NODE_ENV === 'development' &&
    (authEnvironment ?? 'development') === 'development'
  );
}

export const demoAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async (result: { userName: string }) => ({
    profile: { displayName: result.userName },
  }),
  initialize({ config }) {
    return { authEnvironment: config.getOptionalString('environment') };
  },
  async authenticate({ req }, ctx) {
    if (!isDemoSignInAllowed(ctx.authEnvironment)) {
      throw new NotAllowedError(
        'Demo sign-in is only available when the backend runs in development',
      );
    }
    const userName = req.header(DEMO_USER_HEADER);
    if (!userName || !USER_NAME.test(userName)) {
      throw new InputError(`Missing or invalid ${DEMO_USER_HEADER} header`);
    }
    return { result: { userName } };
  },
});

export default createBackendModule({
  pluginId: 'auth',
  moduleId: 'demo-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ providers, config }) {
        const authEnvironment = config.getOptionalString('auth.environment');
        providers.registerProvider({
          providerId: 'demo',
          factory: createProxyAuthProviderFactory({
            authenticator: {
              ...demoAuthenticator,
              // the provider block has no environment of its own; use the auth plugin's
              initialize: () => ({ authEnvironment }),
            },
            async signInResolver({ result }, ctx) {
              // Only users that exist in the catalog: no fallback identities.
              return ctx.signInWithCatalogUser({
                entityRef: { kind: 'User', namespace: 'default', name: result.userName },
              });
            },
          }),
        });
      },
    });
  },
});
