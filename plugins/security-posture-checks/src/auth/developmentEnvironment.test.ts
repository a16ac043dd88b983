import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { developmentEnvironmentCheck } from './developmentEnvironment';
import { withEnv } from './testHelpers';

describe('auth/development-environment', () => {
  it('flags auth.environment development and NODE_ENV=development on a deployed host', async () => {
    const results = await withEnv({ NODE_ENV: 'development' }, () =>
      runSecurityCheck(developmentEnvironmentCheck, {
        config: { backend: { baseUrl: 'http://backstage.corp.example:7007' } },
      }),
    );
    const failed = results.filter(r => r.outcome === 'fail').map(r => r.location);
    expect(failed).toEqual(['auth.environment', 'NODE_ENV']);
    expect(results[0].message).toContain('unset');
  });

  it('passes a production deployment', async () => {
    const results = await withEnv({ NODE_ENV: 'production' }, () =>
      runSecurityCheck(developmentEnvironmentCheck, {
        config: {
          backend: { baseUrl: 'https://backstage.example.com' },
          auth: { environment: 'production' },
        },
      }),
    );
    expect(results.map(r => r.outcome)).toEqual(['pass', 'pass']);
  });

  it('accepts development settings on a local deployment', async () => {
    const results = await withEnv({ NODE_ENV: 'development' }, () =>
      runSecurityCheck(developmentEnvironmentCheck, {
        config: {
          backend: { baseUrl: 'http://127.0.0.1:7007' },
          app: { baseUrl: 'http://localhost:3000' },
        },
      }),
    );
    expect(results).toHaveLength(1);
    expect(results[0].outcome).toBe('pass');
  });
});
