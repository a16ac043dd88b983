import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { DEVELOPMENT_ENVIRONMENT_SNIPPETS } from './remediationSnippets';
import { authEnvironment, nodeEnv, productionSignals } from './environment';

/**
 * `auth.environment` selects each provider's config block (`auth.providers.<id>.<env>`) and
 * defaults to `development`; NODE_ENV=development relaxes the guest and other dev-only providers.
 * Either in a deployment that is reachable from other machines means development settings serve
 * real users.
 */
export const developmentEnvironmentCheck = createSecurityCheck({
  meta: {
    id: 'auth/development-environment',
    version: 1,
    title: 'Deployed backend runs with development auth settings',
    category: 'auth',
    defaultSeverity: 'medium',
    description:
      'Reads `auth.environment` (default `development`) and the process NODE_ENV, and flags them when the deployment does not look local: a base URL (`backend.baseUrl`, `app.baseUrl`) that is not a loopback address.',
    remediation:
      'Set `auth.environment: production` and move provider settings under `auth.providers.<id>.production`; run the deployed backend with NODE_ENV=production.',
    remediationSnippets: DEVELOPMENT_ENVIRONMENT_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/auth/',
  },
  async run({ config }) {
    const signals = productionSignals(config);
    const authEnv = authEnvironment(config);
    const explicit = config.getOptionalString('auth.environment') !== undefined;
    const evidence = {
      'auth.environment': explicit ? authEnv : `${authEnv} (default)`,
      NODE_ENV: nodeEnv() ?? 'unset',
      productionSignals: signals,
    };
    if (signals.length === 0) {
      return [
        {
          outcome: 'pass',
          target: { type: 'deployment' },
          message:
            'The deployment looks local (loopback base URLs): development settings are expected',
          evidence,
        },
      ];
    }
    const results: CheckResult[] = [];
    results.push(
      authEnv === 'development'
        ? {
            outcome: 'fail',
            target: { type: 'config', path: 'auth.environment' },
            location: 'auth.environment',
            message: `auth.environment is ${
              explicit ? '' : 'unset, so '
            }development in a deployment that does not look local (${signals.join('; ')})`,
            evidence,
          }
        : {
            outcome: 'pass',
            target: { type: 'config', path: 'auth.environment' },
            location: 'auth.environment',
            message: `auth.environment is ${authEnv}`,
            evidence,
          },
    );
    results.push(
      nodeEnv() === 'development'
        ? {
            outcome: 'fail',
            target: { type: 'deployment' },
            location: 'NODE_ENV',
            message: `The backend runs with NODE_ENV=development in a deployment that does not look local (${signals.join(
              '; ',
            )})`,
            evidence,
          }
        : {
            outcome: 'pass',
            target: { type: 'deployment' },
            location: 'NODE_ENV',
            message: `NODE_ENV is ${nodeEnv() ?? 'unset'}`,
            evidence,
          },
    );
    return results;
  },
});
