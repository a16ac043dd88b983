import { JsonObject, JsonValue } from '@backstage/types';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { fakes, mixed } from '@security-posture/static-analysis/testUtils';
import { blastRadiusScore, createBlastRadiusCheck } from './blastRadius';
import { removeDir, withConfigFiles, writeConfigRepo } from './testHelpers';

const k8sToken = fakes.jwt();
const githubKey = fakes.privateKey();
const proxyToken = mixed(40);

const config: JsonObject = withConfigFiles(
  {
    integrations: { github: [{ host: 'github.com', apps: [{ appId: 1, privateKey: githubKey, clientId: 'c', clientSecret: 'x', webhookSecret: 'y' }] }] },
    kubernetes: { clusterLocatorMethods: [{ type: 'config', clusters: [{ name: 'prod', url: 'https://k8s', serviceAccountToken: k8sToken }] }] },
    proxy: { endpoints: { '/api': { target: 'https://api.example.com', headers: { Authorization: proxyToken } } } },
  },
  ['app-config.yaml'],
);

const pkg = (name: string, kind: string, pluginId: string, extra: object = {}) => ({
  name,
  kind,
  pluginId,
  core: name.startsWith('@backstage/'),
  loaded: true,
  foundIn: ['backend'],
  installedVersions: ['1.0.0'],
  advisories: [],
  ...extra,
});

function inventory(packages: object[]): Record<string, JsonValue> {
  return { 'plugins/inventory#inventory': { packages } as unknown as JsonValue };
}

async function run(opts: { config?: JsonObject; published?: Record<string, JsonValue>; installed?: Array<{ pluginId: string; modules?: Array<{ moduleId: string }> }> }, root: string) {
  const published: Record<string, JsonValue> = {};
  const results = await runSecurityCheck(createBlastRadiusCheck(() => ({ env: {}, argv: [], cwd: root })), {
    config: opts.config ?? config,
    published: opts.published,
    installedPlugins: opts.installed ?? [],
    onPublish: (k, d) => {
      published[k] = d;
    },
  });
  return { results, data: published['blast-radius'] as any };
}

describe('runtime/blast-radius', () => {
  let root: string;
  beforeAll(async () => {
    root = await writeConfigRepo({ 'app-config.yaml': 'kubernetes: {}\n' });
  });
  afterAll(() => removeDir(root));

  it('scores reach, and grows with community code in the process', () => {
    expect(blastRadiusScore([], 3)).toBe(0);
    expect(blastRadiusScore(['cluster access', 'push to repos'], 0)).toBe(9);
    expect(blastRadiusScore(['cluster access', 'push to repos'], 2)).toBe(18);
    expect(blastRadiusScore(['cluster access', 'push to repos', 'API access'], 0)).toBeGreaterThan(
      blastRadiusScore(['cluster access', 'push to repos'], 0),
    );
  });

  it('fails high when a community plugin shares the process with cluster and repo credentials', async () => {
    const { results, data } = await run(
      {
        published: inventory([
          pkg('@backstage/plugin-catalog-backend', 'backend-plugin', 'catalog'),
          pkg('@backstage/plugin-kubernetes-backend', 'backend-plugin', 'kubernetes'),
          pkg('@roadiehq/backstage-plugin-argo-cd-backend', 'backend-plugin', 'argocd'),
          pkg('@backstage/plugin-techdocs', 'frontend-plugin', 'techdocs'),
          pkg('@backstage/plugin-scaffolder-backend', 'backend-plugin', 'scaffolder', { loaded: false }),
        ]),
        installed: [{ pluginId: 'catalog' }, { pluginId: 'kubernetes' }, { pluginId: 'argocd' }, { pluginId: 'local', modules: [{ moduleId: 'x' }] }],
      },
      root,
    );
    // App privateKey and clientSecret (push), webhookSecret (API), SA token (cluster), proxy header (API)
    const expectedScore = blastRadiusScore(['push to repos', 'push to repos', 'API access', 'cluster access', 'API access'], 1);
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'high',
        title: `Blast radius ${expectedScore}: push to repos, API access, cluster access`,
        message: expect.stringContaining('readable by 5 backend plugins and modules in one process, 1 of them community code (@roadiehq/backstage-plugin-argo-cd-backend), 2 of unknown package'),
      }),
    ]);
    expect(data.score).toBe(expectedScore);
    expect(data.communityPlugins).toBe('@roadiehq/backstage-plugin-argo-cd-backend');
    expect(data.credentials).toHaveLength(5);
    expect(data.credentials[0]).toEqual(
      expect.objectContaining({ readableBy: 5, communityReaders: '@roadiehq/backstage-plugin-argo-cd-backend' }),
    );
    const text = JSON.stringify({ results, data });
    for (const secret of [k8sToken, githubKey, proxyToken]) expect(text.includes(secret)).toBe(false);
  });

  it('only core plugins: medium from reach alone, and a smaller score', async () => {
    const { results, data } = await run(
      { published: inventory([pkg('@backstage/plugin-kubernetes-backend', 'backend-plugin', 'kubernetes')]) },
      root,
    );
    expect(data.score).toBe(blastRadiusScore(['push to repos', 'push to repos', 'API access', 'cluster access', 'API access'], 0));
    expect(results[0]).toEqual(expect.objectContaining({ outcome: 'fail', severity: 'low' }));
  });

  it('without the inventory it counts the plugins the backend reports, scope unknown', async () => {
    const { results, data } = await run({ installed: [{ pluginId: 'catalog' }, { pluginId: 'kubernetes' }] }, root);
    expect(data.pluginsFrom).toMatch(/root instance metadata/);
    expect(results[0].message).toContain('readable by 2 backend plugins and modules in one process, 0 of them community code, 2 of unknown package');
  });

  it('passes with score 0 when the config holds no credential', async () => {
    const { results, data } = await run({ config: withConfigFiles({}, ['app-config.yaml']), installed: [{ pluginId: 'catalog' }] }, root);
    expect(results).toEqual([expect.objectContaining({ outcome: 'pass', evidence: { score: 0, plugins: 1 } })]);
    expect(data.score).toBe(0);
  });
});
