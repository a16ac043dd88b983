import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { auditEventsHiddenCheck } from './auditLogging';
import { withEnv } from './testHelpers';

const outcomes = async (config: any, env: { LOG_LEVEL?: string } = {}) => {
  const results = await withEnv({ NODE_ENV: 'test', ...env }, () =>
    runSecurityCheck(auditEventsHiddenCheck, { config }),
  );
  return Object.fromEntries(results.map(r => [r.location!.split('.').pop(), r.outcome]));
};

describe('auth/audit-events-hidden', () => {
  it('with the defaults, low events (debug) are dropped at the default info level', async () => {
    expect(await outcomes({})).toEqual({
      low: 'fail',
      medium: 'pass',
      high: 'pass',
      critical: 'pass',
    });
  });

  it('passes when every severity maps to a logged level', async () => {
    const config = {
      backend: {
        auditor: {
          severityLogLevelMappings: {
            low: 'info',
            medium: 'info',
            high: 'warn',
            critical: 'error',
          },
        },
      },
    };
    expect(await outcomes(config)).toEqual({
      low: 'pass',
      medium: 'pass',
      high: 'pass',
      critical: 'pass',
    });
  });

  it('drops everything below backend.logger.level, and LOG_LEVEL takes precedence', async () => {
    const config = { backend: { logger: { level: 'warn' } } };
    expect(await outcomes(config)).toEqual({
      low: 'fail',
      medium: 'fail',
      high: 'fail',
      critical: 'fail',
    });
    expect(await outcomes(config, { LOG_LEVEL: 'debug' })).toEqual({
      low: 'pass',
      medium: 'pass',
      high: 'pass',
      critical: 'pass',
    });
  });
});
