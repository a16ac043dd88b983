import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { computeCoverage, isOpen, REGISTER_POLICY_HINT } from './coverage/matrix';
import { COVERAGE_OPTIONS_KEY, readCoverageOptions } from './coverage/options';

/**
 * Whether the policy in effect behaves like allow-all: every sensitive permission granted to a
 * principal without privileges. Decided by evaluating the policy, never by its module id
 * (adopters reuse the id `allow-all-policy` for their own policies).
 */
export const allowAllPolicyCheck = createSecurityCheck({
  meta: {
    id: 'permissions/allow-all-policy',
    version: 1,
    title: 'Permission policy allows everything',
    category: 'permissions',
    defaultSeverity: 'high',
    description:
      'Evaluates the installed policy for the lowest-privilege principal available (a user who owns nothing, through the registered policy instance; else a live guest session) over every registered sensitive permission. If all of them are allowed, the policy behaves as allow-all, whatever its module is called.',
    remediation:
      'Replace the allow-all policy (`@backstage/plugin-permission-backend-module-allow-all-policy` or an equivalent custom policy) with one that denies sensitive permissions (catalog deletes, scaffolder runs, `scaffolder.action.execute`) to users outside the teams that need them.',
    docsUrl: 'https://backstage.io/docs/permissions/writing-a-policy',
  },
  async run(ctx) {
    const target = { type: 'deployment' as const };
    if (!(ctx.config.getOptionalBoolean('permission.enabled') ?? false)) {
      return [
        {
          outcome: 'notApplicable',
          target,
          message:
            'permission.enabled is not true: no policy is consulted at all (reported by permissions/framework-disabled)',
        },
      ];
    }
    const options = readCoverageOptions(ctx.config.getOptionalConfig(COVERAGE_OPTIONS_KEY));
    const { matrix } = await computeCoverage(ctx, options, ['user-owns-nothing', 'guest']);
    const principal =
      matrix.principals.find(p => p.kind === 'user-owns-nothing' && p.source !== 'not-available') ??
      matrix.principals.find(p => p.kind === 'guest' && p.source !== 'not-available');
    if (!principal) {
      return [
        {
          outcome: 'notApplicable',
          target,
          message: `No low-privilege principal could be evaluated (no guest session, no registered policy): ${REGISTER_POLICY_HINT}`,
        },
      ];
    }
    const sensitive = matrix.permissions.filter(p => p.sensitive);
    if (!sensitive.length) {
      return [
        {
          outcome: 'notApplicable',
          target,
          message: 'No installed plugin registers a sensitive permission',
        },
      ];
    }
    const cells = new Map(
      matrix.cells.filter(c => c.principal === principal.id).map(c => [c.permission, c.decision]),
    );
    const undecided = sensitive.filter(p => {
      const r = cells.get(p.name)?.result;
      return r === 'ERROR' || r === 'NOT_EVALUATED' || r === undefined;
    });
    const allowed = sensitive.filter(p => isOpen(cells.get(p.name) ?? { result: 'DENY' }));
    const allowedOverall = matrix.permissions.filter(p => cells.get(p.name)?.result === 'ALLOW');
    const evidence = {
      principal: `${principal.label} [${principal.source}]`,
      sensitivePermissions: sensitive.length,
      sensitiveAllowed: allowed.map(p => p.name),
      allPermissionsAllowed: `${allowedOverall.length}/${matrix.permissions.length}`,
    };
    if (undecided.length) {
      return [
        {
          outcome: 'error',
          target,
          message: `${undecided.length} sensitive permission(s) could not be decided for ${
            principal.label
          }: ${undecided.map(p => p.name).join(', ')}`,
          evidence,
        },
      ];
    }
    const allowAll = allowed.length === sensitive.length;
    return [
      {
        outcome: allowAll ? 'fail' : 'pass',
        target,
        message: allowAll
          ? `The policy allows all ${sensitive.length} sensitive permissions to ${principal.label}: it behaves as an allow-all policy`
          : `${sensitive.length - allowed.length} of ${
              sensitive.length
            } sensitive permissions are refused or conditional for ${principal.label}`,
        evidence,
      },
    ];
  },
});
