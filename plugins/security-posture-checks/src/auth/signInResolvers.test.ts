import { JsonValue } from '@backstage/types';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { signInResolversCheck } from './signInResolvers';
import { withEnv } from './testHelpers';

async function run(config: any, env = 'production') {
  const published: Record<string, JsonValue> = {};
  const results = await withEnv({ NODE_ENV: env }, () =>
    runSecurityCheck(signInResolversCheck, {
      config,
      installedPlugins: [{ pluginId: 'auth', modules: [{ moduleId: 'github-provider' }] }],
      onPublish: (key, data) => {
        published[key] = data;
      },
    }),
  );
  return { results, published };
}

describe('auth/sign-in-resolvers', () => {
  it('flags sign-in without a catalog user and local-part matching without allowed domains', async () => {
    const { results, published } = await run({
      auth: {
        environment: 'production',
        providers: {
          google: {
            production: {
              signIn: {
                resolvers: [
                  { resolver: 'emailLocalPartMatchingUserEntityName' },
                  {
                    resolver: 'emailMatchingUserEntityProfileEmail',
                    dangerouslyAllowSignInWithoutUserInCatalog: true,
                  },
                ],
              },
            },
          },
        },
      },
    });
    const failures = results.filter(r => r.outcome === 'fail');
    expect(failures.map(r => r.location)).toEqual([
      'auth.providers.google.production.signIn.resolvers[0].allowedDomains',
      'auth.providers.google.production.signIn.resolvers[1].dangerouslyAllowSignInWithoutUserInCatalog',
    ]);
    expect(failures.every(r => r.severity === 'high')).toBe(true);
    expect(published.providers).toEqual([
      {
        providerId: 'google',
        environment: 'production',
        resolvers: ['emailLocalPartMatchingUserEntityName', 'emailMatchingUserEntityProfileEmail'],
        risks: [
          'emailLocalPartMatchingUserEntityName: no allowedDomains',
          'emailMatchingUserEntityProfileEmail: dangerouslyAllowSignInWithoutUserInCatalog',
        ],
        moduleInstalled: false,
      },
    ]);
  });

  it('passes safe resolvers and reports the inventory', async () => {
    const { results, published } = await run({
      auth: {
        environment: 'production',
        providers: {
          github: {
            production: {
              clientId: 'x',
              signIn: { resolvers: [{ resolver: 'usernameMatchingUserEntityName' }] },
            },
          },
          microsoft: {
            production: {
              signIn: {
                resolvers: [
                  {
                    resolver: 'emailLocalPartMatchingUserEntityName',
                    allowedDomains: ['acme.com'],
                  },
                ],
              },
            },
          },
        },
      },
    });
    expect(results.map(r => r.outcome)).toEqual(['pass']);
    expect((published.providers as any[]).map(p => [p.providerId, p.moduleInstalled])).toEqual([
      ['github', true],
      ['microsoft', false],
    ]);
  });

  it('rates risky options in an inactive environment block lower', async () => {
    const { results } = await run({
      auth: {
        environment: 'production',
        providers: {
          github: {
            development: {
              signIn: {
                resolvers: [
                  {
                    resolver: 'usernameMatchingUserEntityName',
                    dangerouslyAllowSignInWithoutUserInCatalog: true,
                  },
                ],
              },
            },
          },
        },
      },
    });
    expect(results[0].outcome).toBe('fail');
    expect(results[0].severity).toBe('medium');
  });

  it('flags the demo provider outside development, and accepts it in development', async () => {
    const config = { auth: { environment: 'development', providers: { demo: {} } } };
    const prod = await run(config, 'production');
    expect(prod.results.find(r => r.location === 'auth.providers.demo')?.outcome).toBe('fail');
    expect((prod.published.providers as any[])[0].risks).toContain(
      'impersonation provider for development',
    );
    const dev = await run(config, 'development');
    expect(dev.results.find(r => r.location === 'auth.providers.demo')?.outcome).toBe('pass');
    const prodEnv = await run(
      { auth: { environment: 'production', providers: { demo: {} } } },
      'development',
    );
    expect(prodEnv.results.find(r => r.location === 'auth.providers.demo')?.outcome).toBe('fail');
  });
});
