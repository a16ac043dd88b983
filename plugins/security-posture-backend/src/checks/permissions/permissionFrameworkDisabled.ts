import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';

/**
 * With `permission.enabled` unset or false every authorize call is ALLOW: any signed-in user
 * (or guest) may delete entities, run any template and read every plugin's data.
 */
export const permissionFrameworkDisabledCheck = createSecurityCheck({
  meta: {
    id: 'permissions/framework-disabled',
    title: 'Permission framework is disabled',
    category: 'permissions',
    defaultSeverity: 'high',
    description:
      'Reads `permission.enabled`. When it is not true, Backstage skips every policy and allows every action to every principal.',
    remediation:
      'Set `permission.enabled: true`, install `@backstage/plugin-permission-backend` and a policy module that restricts sensitive permissions (catalog deletes, scaffolder runs) to the teams that need them.',
    docsUrl: 'https://backstage.io/docs/permissions/getting-started',
  },
  async run({ config }) {
    const enabled = config.getOptionalBoolean('permission.enabled') ?? false;
    return [
      {
        outcome: enabled ? 'pass' : 'fail',
        target: { type: 'config', path: 'permission.enabled' },
        location: 'permission.enabled',
        message: enabled
          ? 'The permission framework is enabled'
          : 'permission.enabled is not true: every permission check is allowed',
        evidence: { 'permission.enabled': enabled },
      },
    ];
  },
});
