import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  OverridableFrontendPlugin,
  PageBlueprint,
  RouteRef,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import SecurityIcon from '@material-ui/icons/Security';
import { securityPostureApiRef, SecurityPostureClient } from './api';
import { isSecurityTabKind } from './conditions';
import { rootRouteRef } from './routes';

/** The API client, for the new frontend system. */
const securityPostureApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: securityPostureApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new SecurityPostureClient({ discoveryApi, fetchApi }),
    }),
});

/** The Security page at `/security` (its own header, hence no plugin header). */
const securityPostureSecurityPage = PageBlueprint.make({
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
const securityPostureEntityContent = EntityContentBlueprint.make({
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
 * `features: [import('@security-posture/plugin-security-posture/alpha')]`. Its extensions are
 * `api:security-posture`, `page:security-posture` and `entity-content:security-posture`
 * (`getExtension(id)` to override one).
 *
 * Declared with the plain plugin type rather than the inferred one: the inferred type names
 * types that Backstage releases before 1.48 do not have, and these declarations must type-check
 * in every supported release. (On 1.45 to 1.47 the page's title and icon are ignored.)
 *
 * @alpha
 */
const securityPosturePlugin: OverridableFrontendPlugin<{ root: RouteRef }> =
  createFrontendPlugin({
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

export default securityPosturePlugin;
