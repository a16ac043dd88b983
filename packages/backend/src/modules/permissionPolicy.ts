import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
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
import {
  securityPostureEntityDetailsReadPermission,
  securityPostureExemptionCreatePermission,
  securityPostureExemptionDeletePermission,
} from '@security-posture/plugin-security-posture-common';

export const PLATFORM_TEAM_REF = 'group:default/platform-team';

/**
 * `open`: the typical "internal network, we'll harden later" policy of `npm start`.
 * `hardened`: what `npm run start:hardened` shows a good policy to look like.
 */
export type DemoPolicyMode = 'open' | 'hardened';

/** Config key that selects the demo policy (dev/config/app-config.hardened.yaml sets it). */
export const DEMO_POLICY_CONFIG_KEY = 'demo.permissionPolicy';

export function demoPolicyMode(config: Config): DemoPolicyMode {
  const mode = config.getOptionalString(DEMO_POLICY_CONFIG_KEY) ?? 'open';
  if (mode !== 'open' && mode !== 'hardened') {
    throw new Error(
      `${DEMO_POLICY_CONFIG_KEY} must be 'open' or 'hardened', not '${mode}'`,
    );
  }
  return mode;
}

/**
 * Kinds everyone signed in may read in the hardened policy: the organisation and its
 * structure. Components, APIs, resources and templates (where annotations, links and
 * descriptions carry infrastructure details, and leaked secrets end up) are for their owners.
 */
export const PUBLIC_KINDS = ['User', 'Group', 'Domain', 'System'];

const allow: PolicyDecision = { result: AuthorizeResult.ALLOW };
const deny: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * The demo portal's policy. In both modes:
 * - the platform team may do everything;
 * - security-posture entity details, and changing or refreshing a catalog entity, are
 *   conditional on owning the entity; creating entities and managing locations is denied;
 * - everything else not named below (including the deployment-wide security report) is denied.
 *
 * Exemptions (security-posture.exemption.create / .delete): the platform team may exempt
 * anything (deployment-wide exemptions also need the report permission, which only it has). In
 * `hardened`, owners may exempt (and revoke exemptions of) their own entities' findings; in `open`
 * nobody else may.
 *
 * `open` (npm start): every signed-in user, guests included, reads the whole catalog and may
 * use every scaffolder permission: run any template and any action with the backend's
 * credentials.
 *
 * `hardened` (npm run start:hardened): catalog entities are readable by their owners, and by
 * everyone only for the organisation kinds ({@link PUBLIC_KINDS}); the scaffolder (running
 * templates and actions, dry runs, reading tasks and templates, managing templates) is the
 * platform team's.
 */
export class DemoPermissionPolicy implements PermissionPolicy {
  constructor(private readonly mode: DemoPolicyMode = 'open') {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const ownership = user?.info.ownershipEntityRefs ?? [];
    if (ownership.includes(PLATFORM_TEAM_REF)) {
      return allow;
    }
    const { permission } = request;
    const hardened = this.mode === 'hardened';
    const ownsEntity = catalogConditions.isEntityOwner({ claims: ownership });

    if (isPermission(permission, securityPostureEntityDetailsReadPermission)) {
      return createCatalogConditionalDecision(permission, ownsEntity);
    }
    if (
      isPermission(permission, securityPostureExemptionCreatePermission) ||
      isPermission(permission, securityPostureExemptionDeletePermission)
    ) {
      return hardened
        ? createCatalogConditionalDecision(permission, ownsEntity)
        : deny;
    }
    if (isResourcePermission(permission, 'catalog-entity')) {
      if (permission.attributes.action !== 'read') {
        return createCatalogConditionalDecision(permission, ownsEntity);
      }
      return hardened
        ? createCatalogConditionalDecision(permission, {
            anyOf: [
              ownsEntity,
              catalogConditions.isEntityKind({ kinds: PUBLIC_KINDS }),
            ],
          })
        : allow;
    }
    if (permission.name.startsWith('catalog.')) {
      return permission.attributes.action === 'read' ? allow : deny;
    }
    if (permission.name.startsWith('scaffolder.')) {
      return hardened ? deny : allow;
    }
    return deny;
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(new DemoPermissionPolicy(demoPolicyMode(config)));
      },
    });
  },
});
