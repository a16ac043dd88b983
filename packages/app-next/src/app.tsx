import { createApp } from '@backstage/frontend-defaults';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import securityPosturePlugin from '@security-posture/plugin-security-posture/alpha';

/** The demo's sign-in (the backend's development-only `demo` provider), as an app extension. */
const demoSignInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: () => import('./DemoSignIn').then(m => m.DemoSignIn),
      },
    }),
  ],
});

/**
 * The demo portal on the new frontend system: security-posture's `./alpha` plugin installed as a
 * feature next to the catalog's, exactly as the README's "New frontend system" section says.
 */
export const app = createApp({
  features: [catalogPlugin, securityPosturePlugin, demoSignInModule],
});
