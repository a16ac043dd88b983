import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import SecurityIcon from '@material-ui/icons/Security';
import { securityPostureApiRef, SecurityPostureClient } from './api';
import { isSecurityTabKind } from './conditions';
import { rootRouteRef } from './routes';

/** The API client, for the new frontend system. */
export const securityPostureApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: securityPostureApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SecurityPostureClient({ discoveryApi, fetchApi }),
    }),
});

/** The Security page at `/security` (its own header, hence no plugin header). */
export const securityPostureSecurityPage = PageBlueprint.make({
  params: {
    path: '/security',
    title: 'Security',
    icon: <SecurityIcon fontSize="inherit" />,
    routeRef: rootRouteRef,
    noHeader: true,
    loader: () =>
      import('./components/SecurityPage').then(m => <m.SecurityPage />),
  },
});

/** The Security tab of components, APIs, resources, systems and templates. */
export const securityPostureEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'security',
    title: 'Security',
    filter: isSecurityTabKind,
    loader: () =>
      import('./components/EntitySecurityContent').then(m => (
        <m.EntitySecurityContent />
      )),
  },
});

/**
 * security-posture for the new frontend system: install with
 * `features: [import('@security-posture/plugin-security-posture/alpha')]`.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'security-posture',
  title: 'Security',
  icon: <SecurityIcon fontSize="inherit" />,
  extensions: [
    securityPostureApi,
    securityPostureSecurityPage,
    securityPostureEntityContent,
  ],
  routes: {
    root: rootRouteRef,
  },
});
