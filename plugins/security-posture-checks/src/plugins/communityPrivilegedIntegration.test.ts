import { privilegedDomainOf } from './communityPrivilegedIntegration';
import {
  removeDir,
  runPluginsCheck,
  startRegistry,
  StandInServer,
  writeMonorepo,
} from './testHelpers';

describe('privilegedDomainOf', () => {
  it.each([
    ['@acme/plugin-kubernetes-backend', 'Kubernetes'],
    ['@roadiehq/backstage-plugin-aws-lambda', 'AWS'],
    ['@backstage-community/plugin-vault-backend', 'secrets management'],
    ['@acme/plugin-secrets-manager', 'secrets management'],
    ['@acme/plugin-awesome', undefined],
    ['@acme/plugin-vaulted-docs', undefined],
  ])('%s → %s', (name, domain) => {
    expect(privilegedDomainOf(name)?.domain).toBe(domain);
  });
});

describe('plugins/community-privileged-integration', () => {
  let root: string;
  let registry: StandInServer;

  beforeAll(async () => {
    root = await writeMonorepo({
      backend: [
        {
          name: '@acme/plugin-kubernetes-backend',
          version: '1.0.0',
          backstage: { role: 'backend-plugin', pluginId: 'kubernetes' },
        },
        {
          name: '@backstage/plugin-kubernetes-backend',
          version: '0.20.0',
          backstage: { role: 'backend-plugin', pluginId: 'kubernetes' },
        },
      ],
      app: [{ name: '@backstage-community/plugin-vault', version: '0.24.0' }],
    });
    registry = await startRegistry({});
  });
  afterAll(async () => {
    await registry.close();
    await removeDir(root);
  });

  it('names the core alternative, and reports domains without one as low', async () => {
    const { results } = await runPluginsCheck('plugins/community-privileged-integration', {
      root,
      registry: registry.url,
      installedPlugins: [{ pluginId: 'kubernetes' }],
    });
    const found = Object.fromEntries(results.map(r => [r.location, r]));
    expect(Object.keys(found).sort()).toEqual([
      '@acme/plugin-kubernetes-backend',
      '@backstage-community/plugin-vault',
    ]);
    expect(found['@acme/plugin-kubernetes-backend'].severity).toBeUndefined();
    expect(found['@acme/plugin-kubernetes-backend'].message).toContain(
      '@backstage/plugin-kubernetes-backend',
    );
    expect(found['@backstage-community/plugin-vault']).toMatchObject({ severity: 'low' });
    expect(found['@backstage-community/plugin-vault'].evidence).toMatchObject({
      domain: 'secrets management',
      corePackages: [],
    });
  });
});
