import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { PERMISSION_FRAMEWORK_SNIPPETS } from '../auth/remediationSnippets';

/**
 * With `permission.enabled` unset or false every authorize call is ALLOW: any signed-in user
 * (or guest) may delete entities, run any template and read every plugin's data. Enabled without
 * a permission backend, permission checks have nobody to ask.
 */
export const permissionFrameworkDisabledCheck = createSecurityCheck({
  meta: {
    id: 'permissions/framework-disabled',
    version: 1,
    title: 'Permission framework is disabled',
    category: 'permissions',
    defaultSeverity: 'high',
    description:
      'Reads `permission.enabled`. When it is not true, Backstage skips every policy and allows every action to every principal. Also flags an enabled framework without the permission backend plugin among the installed plugins.',
    remediation:
      'Set `permission.enabled: true`, install `@backstage/plugin-permission-backend` and a policy module that restricts sensitive permissions (catalog deletes, scaffolder runs) to the teams that need them.',
    remediationSnippets: PERMISSION_FRAMEWORK_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/permissions/getting-started',
  },
  async run({ config, instanceMetadata }) {
    const enabled = config.getOptionalBoolean('permission.enabled') ?? false;
    const installed = (await instanceMetadata.getInstalledPlugins()).map(p => p.pluginId);
    // An empty list means the backend did not say (a real backend always lists this plugin).
    const backendMissing = enabled && installed.length > 0 && !installed.includes('permission');
    if (backendMissing) {
      return [
        {
          outcome: 'fail',
          target: { type: 'config', path: 'permission.enabled' },
          location: 'permission-backend',
          title: 'Permission framework enabled without a permission backend',
          message:
            'permission.enabled is true but the permission backend plugin is not installed in this backend: authorize calls have no policy to reach',
          evidence: { 'permission.enabled': enabled, installedPlugins: installed },
        },
      ];
    }
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
