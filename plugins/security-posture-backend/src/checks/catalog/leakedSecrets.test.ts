import { Entity } from '@backstage/catalog-model';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { leakedSecretsCheck } from './leakedSecrets';
import { detectSecrets } from './secretDetectors';

// Generated fakes, assembled at runtime so no secret-shaped literal sits in the source.
const FAKE_AWS_KEY_ID = ['AKIA', 'Q7ZK3M2XW9TBV4PL'].join('');
const FAKE_GITHUB_TOKEN = ['ghp', '_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'].join('');

function component(metadata: Partial<Entity['metadata']>, spec: object = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'svc', namespace: 'default', ...metadata },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a', ...spec },
  };
}

describe('catalog/leaked-secret', () => {
  it('finds secrets in annotations, links and spec with their field path', async () => {
    const results = await runSecurityCheck(leakedSecretsCheck, {
      entities: [
        component(
          {
            annotations: { 'acme.io/key-id': FAKE_AWS_KEY_ID },
            links: [{ url: `https://x-access-token:${FAKE_GITHUB_TOKEN}@github.com/a/b.git` }],
          },
          { database: 'postgres://app:s3cr3tPassw0rdX@db.internal:5432/app' },
        ),
      ],
    });
    const byKind = Object.fromEntries(results.map(r => [`${r.secret!.kind}:${r.location}`, r]));
    expect(Object.keys(byKind).sort()).toEqual([
      'aws-access-key-id:metadata.annotations["acme.io/key-id"]#aws-access-key-id',
      'github-token:metadata.links[0].url#github-token',
      'url-credentials:metadata.links[0].url#url-credentials',
      'url-credentials:spec.database#url-credentials',
    ]);
    const urlCreds = results.find(r => r.location === 'spec.database#url-credentials')!;
    expect(urlCreds.secret!.value).toBe('s3cr3tPassw0rdX');
    expect(urlCreds.target).toEqual({ type: 'entity', entityRef: 'component:default/svc' });
  });

  it('reports documentation examples as informational examples', async () => {
    const [result] = await runSecurityCheck(leakedSecretsCheck, {
      entities: [component({ description: 'Use AKIAIOSFODNN7EXAMPLE in the docs' })],
    });
    expect(result.severity).toBe('info');
    expect(result.evidence?.classification).toBe('example');
  });

  it('stays quiet on placeholders, UUIDs and SHAs', async () => {
    const results = await runSecurityCheck(leakedSecretsCheck, {
      entities: [
        component({
          annotations: {
            'vault.io/token': '${VAULT_TOKEN}',
            'acme.io/commit': '1f7856f1fba8bf9f91daef81df90cab0bb8fca93',
            'acme.io/dataset': 'e6539881-14f1-4c87-b9f3-85301b92cbb4',
          },
          description: 'postgres://app:${DB_PASSWORD}@db:5432/app',
        }),
      ],
    });
    expect(results).toEqual([]);
  });

  // A backtracking pattern would not finish within jest's timeout on this input.
  it('handles hostile near-miss input', () => {
    const hostile = `${'a://b:'.repeat(20_000)}${'x'.repeat(100_000)}${'ghp_'.repeat(10_000)}`;
    expect(detectSecrets(hostile)).toEqual([]);
  });
});
