import { createRouteRef } from '@backstage/core-plugin-api';

/** The route of the deployment-wide Security page. */
export const rootRouteRef = createRouteRef({
  id: 'security-posture',
});
