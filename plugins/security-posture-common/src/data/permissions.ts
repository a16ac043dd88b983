// Shapes of the data the permissions checks publish (context.publish) for the UI and for other
// checks. Declared as type aliases (not interfaces) so they are assignable to JSON values.

/** Check that publishes the coverage matrix. */
export const POLICY_COVERAGE_CHECK_ID = 'permissions/policy-coverage';
/** Key under which {@link POLICY_COVERAGE_CHECK_ID} publishes a {@link PermissionCoverageMatrix}. */
export const POLICY_COVERAGE_MATRIX_KEY = 'matrix';

/** A permission registered by an installed plugin (from its permissions metadata endpoint). */
export type CoveragePermission = {
  /** e.g. `catalog.entity.delete` */
  name: string;
  type: 'basic' | 'resource';
  /** Only for resource permissions, e.g. `catalog-entity`. */
  resourceType?: string;
  /** `create` | `read` | `update` | `delete`, when the permission declares one. */
  action?: string;
  /** Plugin whose metadata endpoint listed the permission. */
  pluginId: string;
  /** Whether the check treats this permission as sensitive (deletes, runs, secrets, admin). */
  sensitive: boolean;
};

export type CoveragePrincipalKind =
  | 'unauthenticated'
  | 'guest'
  | 'user-owns-nothing'
  | 'owner'
  | 'platform-team';

/**
 * How the decisions of a principal were obtained:
 * - `live`: a real request through the permission backend (`/api/permission/authorize`) with a
 *   real token the backend could obtain (no token for `unauthenticated`, a guest session token);
 * - `policy-evaluation`: the adopter's registered policy instance was called with a synthetic user;
 * - `not-available`: neither was possible; its cells are `NOT_EVALUATED`.
 */
export type CoveragePrincipalSource = 'live' | 'policy-evaluation' | 'not-available';

export type CoveragePrincipal = {
  /** Stable column id, e.g. `guest`, `owner`. */
  id: string;
  /** Human label, e.g. `Owner of component:default/payments-api`. */
  label: string;
  kind: CoveragePrincipalKind;
  source: CoveragePrincipalSource;
  /** The user entity ref the decisions were made for, when there is one. */
  userEntityRef?: string;
  /** Ownership refs the synthetic user carried. */
  ownershipEntityRefs?: string[];
  /** For owners: the sample entity the resource permissions were evaluated against. */
  sampleResourceRef?: string;
  /** Why the principal could not be evaluated, or how it was obtained. */
  note?: string;
};

export type CoverageDecision =
  /** `resourceRef`: decided for that one resource (the backend applied the conditions itself). */
  | { result: 'ALLOW'; resourceRef?: string }
  | { result: 'DENY'; resourceRef?: string }
  /**
   * The policy returned a conditional decision; `rules` are the rule names it used. When the
   * conditions were applied to a sample resource (through the owning plugin's apply-conditions
   * endpoint), `resolvedForResource` says what they gave for `resourceRef`.
   */
  | {
      result: 'CONDITIONAL';
      rules: string[];
      pluginId?: string;
      resourceType?: string;
      resourceRef?: string;
      resolvedForResource?: 'ALLOW' | 'DENY';
    }
  | { result: 'ERROR'; message: string }
  | { result: 'NOT_EVALUATED'; reason?: string };

export type CoverageCell = {
  /** {@link CoveragePermission.name} */
  permission: string;
  /** {@link CoveragePrincipal.id} */
  principal: string;
  decision: CoverageDecision;
};

/** Per-plugin outcome of enumerating its permissions. */
export type CoveragePluginSource = {
  pluginId: string;
  status: 'ok' | 'none' | 'error';
  /** e.g. `404`, `timeout after 5000 ms`, `401 Unauthorized`. */
  message?: string;
  permissionCount: number;
};

export type PermissionCoverageMatrix = {
  generatedAt: string;
  /** `permission.enabled` at the time of the scan. */
  frameworkEnabled: boolean;
  /** Whether a policy instance was registered for evaluation of synthetic principals. */
  policyRegistered: boolean;
  plugins: CoveragePluginSource[];
  permissions: CoveragePermission[];
  principals: CoveragePrincipal[];
  /** One cell per permission × principal. */
  cells: CoverageCell[];
  /** Share (0..1) of registered permissions that are not ALLOW for the user who owns nothing. */
  restrictedShareForOrdinaryUser?: number;
  /** Honest notes about how the matrix was built and what it could not see. */
  notes: string[];
};
