import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { securityPostureChecksExtensionPoint } from '@security-posture/plugin-security-posture-node';
import { DemoPermissionPolicy, demoPolicyMode } from './permissionPolicy';

/**
 * Opt-in: lets security-posture evaluate the demo policy for synthetic users (a user who owns
 * nothing, an owner, a platform-team member) in its permission coverage matrix. The policy is
 * stateless and built from the same config, so this instance decides exactly as the one the
 * permission backend runs.
 */
export default createBackendModule({
  pluginId: 'security-posture',
  moduleId: 'policy-evaluation',
  register(reg) {
    reg.registerInit({
      deps: {
        checks: securityPostureChecksExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ checks, config }) {
        checks.addPolicyForEvaluation(
          new DemoPermissionPolicy(demoPolicyMode(config)),
        );
      },
    });
  },
});
