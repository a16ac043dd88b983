import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { leakedSecretsCheck } from './leakedSecrets';
import { MAX_DEPTH } from './entityStrings';
import { component, fakes, mixed } from '@security-posture/static-analysis/testUtils';

describe('catalog/leaked-secret', () => {
  it('finds secrets in annotations, labels, tags, links, description and spec with their field path', async () => {
    const keyId = fakes.awsKeyId();
    const token = fakes.github('gho');
    const password = fakes.password();
    const labelToken = mixed(40);
    const gitlab = ['gl', 'pat-', 'kqmrtwzvhp4719305826'].join('');
    const results = await runSecurityCheck(leakedSecretsCheck, {
      entities: [
        component(
          {
            annotations: { 'acme.io/key-id': keyId },
            labels: { 'acme.io/api-token': labelToken },
            tags: ['java', gitlab],
            links: [{ url: `https://x-access-token:${token}@github.com/a/b.git` }],
            description: `Connect with postgres://app:${password}@db.internal:5432/app`,
          },
          { deploy: { steps: [{ input: { npmToken: fakes.npm() } }] } },
        ),
      ],
    });
    expect(results.map(r => `${r.secret!.kind} ${r.location}`).sort()).toEqual([
      'aws-access-key-id metadata.annotations["acme.io/key-id"]#aws-access-key-id',
      'generic-secret metadata.labels["acme.io/api-token"]#generic-secret',
      'github-token metadata.links[0].url#github-token',
      'gitlab-token metadata.tags[1]#gitlab-token',
      'npm-token spec.deploy.steps[0].input.npmToken#npm-token',
      'url-credentials metadata.description#url-credentials',
    ]);
    const url = results.find(r => r.secret?.kind === 'url-credentials')!;
    expect(url).toMatchObject({
      outcome: 'fail',
      target: { type: 'entity', entityRef: 'component:default/svc' },
      severity: 'high',
      secret: { value: password },
      evidence: {
        field: 'metadata.description',
        classification: 'secret',
        basis: 'url-credentials',
      },
    });
    // The check never repeats a secret in its own texts: the engine masks `secret.value` only.
    for (const r of results) {
      expect(`${r.title} ${r.message} ${JSON.stringify(r.evidence)} ${r.location}`).not.toContain(
        r.secret!.value,
      );
    }
  });

  it('gives each secret of one kind in one field its own location', async () => {
    const [a, b] = [fakes.awsKeyId(), fakes.awsKeyId()];
    const results = await runSecurityCheck(leakedSecretsCheck, {
      entities: [component({ description: `old ${a}, new ${b}` })],
    });
    expect(results.map(r => r.location)).toEqual([
      'metadata.description#aws-access-key-id',
      'metadata.description#aws-access-key-id:2',
    ]);
  });

  it('reports no documentation example and no placeholder at all', async () => {
    const results = await runSecurityCheck(leakedSecretsCheck, {
      entities: [
        component({
          description: `Use ${['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('')} in the docs`,
          annotations: {
            'acme.io/api-token': 'abcd1234efgh5678ijkl',
            'acme.io/db-url': 'postgres://app:Vq7mZt2Lw9xK@db.example.com:5432/app',
            'acme.io/kafka': 'kafka://broker-1.acme.io:9092@6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
          },
        }),
      ],
    });
    expect(results).toEqual([]);
  });

  it('stays quiet on placeholders, UUIDs, SHAs and clean entities', async () => {
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
        component({ name: 'clean' }),
      ],
    });
    expect(results).toEqual([]);
  });

  it('reports an oversized value as not inspected instead of scanning it', async () => {
    const key = fakes.awsKeyId();
    const results = await runSecurityCheck(leakedSecretsCheck, {
      config: {
        securityPosture: {
          checks: { catalog: { 'leaked-secret': { options: { maxValueLength: 1000 } } } },
        },
      },
      entities: [
        component({ description: `${'a '.repeat(600)} ${key}`, annotations: { 'acme.io/k': key } }),
      ],
    });
    expect(results.map(r => [r.outcome, r.location])).toEqual([
      ['fail', 'metadata.annotations["acme.io/k"]#aws-access-key-id'],
      ['error', 'metadata.description#not-inspected'],
    ]);
    expect(results[1].evidence).toMatchObject({ reason: 'oversized', length: 1221 });
    expect(results[1].message).toContain('maxValueLength');
  });

  it('reports the part of an entity past its inspection budget', async () => {
    const results = await runSecurityCheck(leakedSecretsCheck, {
      config: {
        securityPosture: {
          checks: { catalog: { 'leaked-secret': { options: { maxEntityLength: 3000 } } } },
        },
      },
      entities: [component({ description: 'x'.repeat(2000) }, { definition: 'y'.repeat(2000) })],
    });
    expect(results).toMatchObject([
      {
        outcome: 'error',
        location: 'spec.definition#not-inspected',
        evidence: { reason: 'entity-budget' },
      },
    ]);
  });

  it('reports nesting beyond the depth limit as not inspected', async () => {
    let deep: Record<string, unknown> = { token: fakes.github() };
    for (let i = 0; i < MAX_DEPTH + 5; i++) deep = { nested: deep };
    const results = await runSecurityCheck(leakedSecretsCheck, {
      entities: [component({}, { deep })],
    });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: 'error', evidence: { reason: 'depth' } });
  });

  it('rejects invalid options instead of guessing', async () => {
    await expect(
      runSecurityCheck(leakedSecretsCheck, {
        config: {
          securityPosture: {
            checks: { catalog: { 'leaked-secret': { options: { maxValueLength: -1 } } } },
          },
        },
        entities: [component({})],
      }),
    ).rejects.toThrow(/maxValueLength/);
  });
});
