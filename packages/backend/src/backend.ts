/*
 * The demo portal's backend: a real Backstage backend (new backend system) with catalog,
 * auth, permissions and scaffolder, plus the security-posture plugin. `index.ts` starts it;
 * the scan fault test starts it with one test module added.
 */
import { createBackend } from '@backstage/backend-defaults';
import { securityPostureAuditorServiceFactory } from '@security-posture/plugin-security-posture-backend';
import { jsonRootLoggerServiceFactory } from './modules/jsonLogs';

export function createDemoBackend() {
  const backend = createBackend();
  if (process.env.DEMO_JSON_LOGS) backend.add(jsonRootLoggerServiceFactory);

  backend.add(import('@backstage/plugin-app-backend'));

  // auth: guest for development, the dev-only demo identities, transitive group ownership
  backend.add(import('@backstage/plugin-auth-backend'));
  backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
  backend.add(import('./modules/demoSignIn'));
  backend.add(import('./modules/transitiveOwnership'));

  // catalog
  backend.add(import('@backstage/plugin-catalog-backend'));
  backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
  backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

  // permissions, with this repo's demo policy
  backend.add(import('@backstage/plugin-permission-backend'));
  backend.add(import('./modules/permissionPolicy'));

  // scaffolder
  backend.add(import('@backstage/plugin-scaffolder-backend'));

  // notifications (with signals, so the app's bell updates live)
  backend.add(import('@backstage/plugin-notifications-backend'));
  backend.add(import('@backstage/plugin-signals-backend'));

  // security posture, and its auditor: every audit event still logged as by default, and
  // evaluated by the detections (securityPosture.detections in the demo config)
  backend.add(import('@security-posture/plugin-security-posture-backend'));
  backend.add(securityPostureAuditorServiceFactory);
  backend.add(import('./modules/securityPosturePolicyEvaluation'));
  // alerts as notifications (securityPosture.notifications, on in the demo config)
  backend.add(import('@security-posture/plugin-security-posture-backend-module-notifications'));

  return backend;
}
