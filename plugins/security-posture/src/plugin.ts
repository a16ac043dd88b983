import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { securityPostureApiRef, SecurityPostureClient } from './api';
import { rootRouteRef } from './routes';

/** The security-posture frontend plugin. */
export const securityPosturePlugin = createPlugin({
  id: 'security-posture',
  apis: [
    createApiFactory({
      api: securityPostureApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SecurityPostureClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
  },
});

/** The deployment-wide Security page. */
export const SecurityPage = securityPosturePlugin.provide(
  createRoutableExtension({
    name: 'SecurityPage',
    component: () =>
      import('./components/SecurityPage').then(m => m.SecurityPage),
    mountPoint: rootRouteRef,
  }),
);

/** The Security tab content of a catalog entity page. */
export const EntitySecurityContent = securityPosturePlugin.provide(
  createComponentExtension({
    name: 'EntitySecurityContent',
    component: {
      lazy: () =>
        import('./components/EntitySecurityContent').then(
          m => m.EntitySecurityContent,
        ),
    },
  }),
);
