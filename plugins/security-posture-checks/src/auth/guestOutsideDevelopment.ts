import { createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { GUEST_OUTSIDE_DEVELOPMENT_SNIPPETS } from './remediationSnippets';
import { installedModules, nodeEnv, productionSignals } from './environment';

const FLAG = 'auth.providers.guest.dangerouslyAllowOutsideDevelopment';

/**
 * The seed threat model's first attacker: anyone on the network signs in as a guest and reads
 * the catalog. The guest provider works when its module is installed, `auth.providers.guest` is
 * configured, and either NODE_ENV is development or the dangerous flag is set.
 */
export const guestOutsideDevelopmentCheck = createSecurityCheck({
  meta: {
    id: 'auth/guest-outside-development',
    version: 1,
    title: 'Guest sign-in is possible outside development',
    category: 'auth',
    defaultSeverity: 'high',
    description:
      'Looks for the guest auth provider module among the installed modules and reads `auth.providers.guest`: guest sign-in works when `dangerouslyAllowOutsideDevelopment` is true, or when the backend runs with NODE_ENV=development in a deployment that does not look local.',
    remediation:
      'Remove `auth.providers.guest` (or set `auth.providers.guest.dangerouslyAllowOutsideDevelopment: false`) and remove `@backstage/plugin-auth-backend-module-guest-provider` from the backend; run deployed backends with NODE_ENV=production and sign users in through your identity provider.',
    remediationSnippets: GUEST_OUTSIDE_DEVELOPMENT_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/auth/guest/provider',
  },
  async run({ config, instanceMetadata }) {
    const modules = await installedModules(instanceMetadata);
    const moduleInstalled = modules?.get('auth')?.has('guest-provider');
    const configured = config.has('auth.providers.guest');
    const dangerousFlag = config.getOptionalBoolean(FLAG) ?? false;
    const signals = productionSignals(config);
    const evidence = {
      guestModuleInstalled: moduleInstalled ?? 'unknown',
      guestProviderConfigured: configured,
      [FLAG]: dangerousFlag,
      NODE_ENV: nodeEnv() ?? 'unset',
      productionSignals: signals,
    };
    const target = { type: 'config' as const, path: 'auth.providers.guest' };

    if (modules && !modules.has('auth')) {
      return [
        {
          outcome: 'notApplicable',
          target,
          message: 'The auth backend plugin is not installed in this backend',
          evidence,
        },
      ];
    }
    if (moduleInstalled === false || !configured) {
      return [
        {
          outcome: 'pass',
          target,
          message:
            moduleInstalled === false
              ? 'The guest provider module is not installed'
              : 'auth.providers.guest is not configured, so the auth backend does not register the guest provider',
          evidence,
        },
      ];
    }
    if (dangerousFlag) {
      return [
        {
          outcome: 'fail',
          target: { type: 'config', path: FLAG },
          location: FLAG,
          message: `${FLAG} is true: anyone who reaches the backend can sign in as a guest, in any environment`,
          evidence,
        },
      ];
    }
    if (nodeEnv() === 'development' && signals.length > 0) {
      return [
        {
          outcome: 'fail',
          target,
          location: 'NODE_ENV',
          message: `The backend runs with NODE_ENV=development, so guest sign-in works, and the deployment does not look local (${signals.join(
            '; ',
          )})`,
          evidence,
        },
      ];
    }
    return [
      {
        outcome: 'pass',
        target,
        message:
          nodeEnv() === 'development'
            ? 'Guest sign-in works only because NODE_ENV=development on a local deployment'
            : 'The guest provider refuses sign-in outside development',
        evidence,
      },
    ];
  },
});
