import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { guestOutsideDevelopmentCheck } from './guestOutsideDevelopment';
import { withEnv } from './testHelpers';

const withGuestModule = [{ pluginId: 'auth', modules: [{ moduleId: 'guest-provider' }] }];
const localBase = {
  backend: { baseUrl: 'http://localhost:7007' },
  app: { baseUrl: 'http://localhost:3000' },
};
const deployedBase = {
  backend: { baseUrl: 'https://backstage.acme.example' },
  app: { baseUrl: 'https://backstage.acme.example' },
};

describe('auth/guest-outside-development', () => {
  it('fails when dangerouslyAllowOutsideDevelopment is true, even in production', async () => {
    const results = await withEnv({ NODE_ENV: 'production' }, () =>
      runSecurityCheck(guestOutsideDevelopmentCheck, {
        config: {
          ...deployedBase,
          auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true } } },
        },
        installedPlugins: withGuestModule,
      }),
    );
    expect(results).toHaveLength(1);
    expect(results[0].outcome).toBe('fail');
    expect(results[0].location).toBe('auth.providers.guest.dangerouslyAllowOutsideDevelopment');
  });

  it('fails when NODE_ENV=development on a deployment that does not look local', async () => {
    const [result] = await withEnv({ NODE_ENV: 'development' }, () =>
      runSecurityCheck(guestOutsideDevelopmentCheck, {
        config: { ...deployedBase, auth: { providers: { guest: {} } } },
        installedPlugins: withGuestModule,
      }),
    );
    expect(result.outcome).toBe('fail');
    expect(result.location).toBe('NODE_ENV');
    expect(result.message).toContain('backstage.acme.example');
  });

  it('passes for NODE_ENV=development on localhost', async () => {
    const [result] = await withEnv({ NODE_ENV: 'development' }, () =>
      runSecurityCheck(guestOutsideDevelopmentCheck, {
        config: { ...localBase, auth: { providers: { guest: {} } } },
        installedPlugins: withGuestModule,
      }),
    );
    expect(result.outcome).toBe('pass');
  });

  it('passes in production without the flag', async () => {
    const [result] = await withEnv({ NODE_ENV: 'production' }, () =>
      runSecurityCheck(guestOutsideDevelopmentCheck, {
        config: { ...deployedBase, auth: { providers: { guest: {} } } },
        installedPlugins: withGuestModule,
      }),
    );
    expect(result.outcome).toBe('pass');
  });

  it('passes when the guest provider is not configured or its module not installed', async () => {
    const flag = { auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true } } } };
    const [notInstalled] = await runSecurityCheck(guestOutsideDevelopmentCheck, {
      config: flag,
      installedPlugins: [{ pluginId: 'auth', modules: [{ moduleId: 'github-provider' }] }],
    });
    expect(notInstalled.outcome).toBe('pass');
    const [notConfigured] = await runSecurityCheck(guestOutsideDevelopmentCheck, {
      config: { auth: { providers: { github: {} } } },
      installedPlugins: withGuestModule,
    });
    expect(notConfigured.outcome).toBe('pass');
  });

  it('is not applicable without the auth plugin', async () => {
    const [result] = await runSecurityCheck(guestOutsideDevelopmentCheck, {
      config: { auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true } } } },
      installedPlugins: [{ pluginId: 'catalog' }],
    });
    expect(result.outcome).toBe('notApplicable');
  });
});
