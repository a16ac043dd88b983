import { createBackendModule } from '@backstage/backend-plugin-api';
import { securityPostureChecksExtensionPoint } from '@security-posture/plugin-security-posture-node';
import { DemoPermissionPolicy } from './permissionPolicy';

/**
 * Opt-in: lets security-posture evaluate the demo policy for synthetic users (a user who owns
 * nothing, an owner, a platform-team member) in its permission coverage matrix. The policy is
 * stateless, so this instance decides exactly as the one the permission backend runs.
 */
export default createBackendModule({
  pluginId: 'security-posture',
  moduleId: 'policy-evaluation',
  register(reg) {
    reg.registerInit({
      deps: { checks: securityPostureChecksExtensionPoint },
      async init({ checks }) {
        checks.addPolicyForEvaluation(new DemoPermissionPolicy());
      },
    });
  },
});
