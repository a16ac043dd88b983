import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import { securityPostureEntityDetailsReadPermission } from '@security-posture/plugin-security-posture-common';

export const PLATFORM_TEAM_REF = 'group:default/platform-team';

const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * The demo portal's policy:
 * - the platform team may do everything;
 * - signed-in users read the catalog and use the scaffolder; sensitive catalog actions and
 *   security-posture entity details are conditional on owning the entity;
 * - everything else (including the deployment-wide security report) is denied.
 */
export class DemoPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const ownership = user?.info.ownershipEntityRefs ?? [];
    if (ownership.includes(PLATFORM_TEAM_REF)) {
      return allow;
    }
    const { permission } = request;
    const ownsEntity = catalogConditions.isEntityOwner({ claims: ownership });

    if (isPermission(permission, securityPostureEntityDetailsReadPermission)) {
      return createCatalogConditionalDecision(permission, ownsEntity);
    }
    if (isResourcePermission(permission, 'catalog-entity')) {
      return permission.attributes.action === 'read'
        ? allow
        : createCatalogConditionalDecision(permission, ownsEntity);
    }
    if (permission.name.startsWith('catalog.')) {
      return permission.attributes.action === 'read' ? allow : deny;
    }
    if (permission.name.startsWith('scaffolder.')) {
      return allow;
    }
    return deny;
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new DemoPermissionPolicy());
      },
    });
  },
});
