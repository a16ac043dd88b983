import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import {
  CoverageCell,
  POLICY_COVERAGE_MATRIX_KEY,
} from '@security-posture/plugin-security-posture-common';
import { computeCoverage, isOpen } from './coverage/matrix';
import { readCoverageOptions } from './coverage/options';

/** Principals whose access stands for "everyone" (every signed-in user, or anyone at all). */
const LOW_PRIVILEGE = ['unauthenticated', 'guest', 'user-owns-nothing'];

/**
 * The permission × principal matrix of the installed policy, published for the UI and CSV, with
 * a finding for every sensitive permission that a principal without privileges gets.
 */
export const policyCoverageCheck = createSecurityCheck({
  meta: {
    id: 'permissions/policy-coverage',
    version: 1,
    title: 'Sensitive permission open to everyone',
    category: 'permissions',
    defaultSeverity: 'high',
    description:
      'Enumerates every permission registered by every installed plugin (`/.well-known/backstage/permissions/metadata`) and evaluates the installed policy for an unauthenticated client and a real guest session (live, through `/api/permission/authorize`), and, when the policy instance is registered for evaluation, for a user who owns nothing, an owner of a sample entity and a platform-team member. Flags sensitive permissions (catalog deletes and locations, scaffolder runs and actions, the security report, `catalog.entity.read` when entities carry sensitive annotations) that the low-privilege principals get. Publishes the matrix under `matrix`.',
    remediation:
      'In your PermissionPolicy, return DENY (or a conditional decision such as `catalogConditions.isEntityOwner`) for the flagged permissions unless `user.info.ownershipEntityRefs` contains your platform team group; for `catalog.entity.read`, restrict entities with sensitive annotations to their owners; remove guest sign-in so the guest column disappears.',
    docsUrl: 'https://backstage.io/docs/permissions/writing-a-policy',
  },
  async run(ctx) {
    const options = readCoverageOptions(ctx.options);
    const { matrix, sensitiveSeverity, sensitiveEntities } = await computeCoverage(ctx, options);
    ctx.publish(POLICY_COVERAGE_MATRIX_KEY, matrix);

    const results: CheckResult[] = [];
    for (const plugin of matrix.plugins) {
      if (plugin.status !== 'error') continue;
      results.push({
        outcome: 'error',
        target: { type: 'deployment' },
        location: `plugin:${plugin.pluginId}`,
        title: `Permissions of plugin ${plugin.pluginId} could not be enumerated`,
        message: `GET /api/${plugin.pluginId}/.well-known/backstage/permissions/metadata failed: ${plugin.message}; its permissions are missing from the matrix`,
      });
    }
    if (!matrix.permissions.length) {
      results.push({
        outcome: results.length ? 'error' : 'notApplicable',
        target: { type: 'deployment' },
        location: 'coverage',
        message: 'No installed plugin registers permissions: nothing to evaluate',
      });
      return results;
    }
    if (!matrix.frameworkEnabled) {
      results.push({
        outcome: 'notApplicable',
        target: { type: 'deployment' },
        location: 'coverage',
        message:
          'permission.enabled is not true: every permission is allowed to every signed-in user (reported by permissions/framework-disabled)',
      });
      return results;
    }

    const cellsByPrincipal = new Map<string, Map<string, CoverageCell>>();
    for (const cell of matrix.cells) {
      const row = cellsByPrincipal.get(cell.principal) ?? new Map();
      row.set(cell.permission, cell);
      cellsByPrincipal.set(cell.principal, row);
    }
    const evaluated = matrix.principals.filter(p => p.source !== 'not-available');
    const lowPrivilege = evaluated.filter(p => LOW_PRIVILEGE.includes(p.kind));

    for (const principal of evaluated) {
      const errors = [...(cellsByPrincipal.get(principal.id)?.values() ?? [])].filter(
        c => c.decision.result === 'ERROR',
      );
      if (!errors.length) continue;
      const first = errors[0].decision as { message: string };
      results.push({
        outcome: 'error',
        target: { type: 'deployment' },
        location: `principal:${principal.id}`,
        title: `Policy evaluation failed for ${principal.label}`,
        message: `${errors.length} permission(s) could not be decided for ${principal.label}, e.g. ${errors[0].permission}: ${first.message}`,
        evidence: { permissions: errors.map(c => c.permission) },
      });
    }

    // Passes are only meaningful once a signed-in low-privilege principal was evaluated; the
    // unauthenticated column alone is nearly always refused by the default auth policy.
    const signedInEvaluated = lowPrivilege.some(p => p.kind !== 'unauthenticated');
    if (lowPrivilege.length) {
      for (const permission of matrix.permissions.filter(p => p.sensitive)) {
        const openTo = lowPrivilege.filter(p => {
          const cell = cellsByPrincipal.get(p.id)?.get(permission.name);
          return cell ? isOpen(cell.decision) : false;
        });
        if (!openTo.length && !signedInEvaluated) continue;
        const anonymous = openTo.some(p => p.kind === 'unauthenticated');
        const severity = anonymous ? 'critical' : sensitiveSeverity.get(permission.name);
        results.push({
          outcome: openTo.length ? 'fail' : 'pass',
          target: { type: 'deployment' },
          location: `permission:${permission.name}`,
          title: `${permission.name} is open to ${
            anonymous ? 'anonymous callers' : 'every signed-in user'
          }`,
          severity,
          message: openTo.length
            ? `${permission.name} (${permission.pluginId}) is allowed for ${openTo
                .map(p => p.label)
                .join(', ')}`
            : `${permission.name} is refused or conditional for ${lowPrivilege
                .map(p => p.label)
                .join(', ')}`,
          evidence: {
            permission: permission.name,
            openTo: openTo.map(p => p.label),
            evaluatedFor: lowPrivilege.map(p => `${p.label} [${p.source}]`),
            ...(permission.name === 'catalog.entity.read' ? { sensitiveEntities } : {}),
          },
        });
      }
    }

    const share = matrix.restrictedShareForOrdinaryUser;
    const nobody = matrix.principals.find(p => p.kind === 'user-owns-nothing');
    results.push(
      share === undefined
        ? {
            outcome: 'notApplicable',
            target: { type: 'deployment' },
            location: 'coverage',
            message: `The user who owns nothing was not evaluated: ${
              nobody?.note ?? 'no principal'
            }`,
            evidence: { principals: evaluated.map(p => p.id) },
          }
        : {
            outcome: 'pass',
            target: { type: 'deployment' },
            location: 'coverage',
            message: `${Math.round(share * 100)}% of ${
              matrix.permissions.length
            } registered permissions are not ALLOW for ${nobody?.label}`,
            evidence: {
              registeredPermissions: matrix.permissions.length,
              notAllowedForOrdinaryUser: Math.round(share * matrix.permissions.length),
              share: Math.round(share * 1000) / 1000,
            },
          },
    );
    return results;
  },
});
