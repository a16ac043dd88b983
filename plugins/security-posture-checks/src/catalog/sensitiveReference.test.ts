import { JsonObject } from '@backstage/types';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { EVIDENCE_FIELD_LIMIT, sensitiveReferenceCheck } from './sensitiveReference';
import { globMatch } from '@security-posture/static-analysis';
import { component, hex } from '@security-posture/static-analysis/testUtils';

const withOptions = (options: JsonObject) => ({
  securityPosture: {
    checks: { catalog: { 'sensitive-reference': { options } } },
  },
});

type Results = Awaited<ReturnType<typeof runSecurityCheck>>;

/** Every field a result lists, as `class field`: what the check found, whatever the grouping. */
const hits = (results: Results) =>
  results
    .flatMap(r => (r.evidence?.fields as string[]).map(f => `${r.evidence?.class} ${f}`))
    .sort();

describe('catalog/sensitive-reference', () => {
  it('classes each field that carries reconnaissance value', async () => {
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      entities: [
        component(
          {
            annotations: {
              'vault.hashicorp.com/role': 'payments',
              'aws.amazon.com/secrets-manager-arn':
                'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/db-AbCdEf',
              'pagerduty.com/service-id': 'PABC123',
              'opsgenie.com/team': 'payments',
              'backstage.io/kubernetes-namespace': 'payments-prod',
              'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/payments',
              'acme.io/db-host': 'payments-db.internal',
              'sentry.io/project-slug': 'acme/payments',
            },
            links: [
              {
                url: 'https://wiki.acme.io/runbooks/payments',
                title: 'Runbook',
              },
              {
                url: 'https://grafana.acme.io/d/payments',
                title: 'Grafana',
                icon: 'dashboard',
              },
            ],
            description: 'Batch jobs reach 10.1.2.3 and cache.payments.svc.cluster.local directly.',
          },
          {
            ssm: 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/payments/key',
          },
        ),
      ],
    });
    expect(hits(results)).toEqual([
      'incident-routing metadata.annotations["opsgenie.com/team"]',
      'incident-routing metadata.annotations["pagerduty.com/service-id"]',
      'infra-topology metadata.annotations["backstage.io/kubernetes-namespace"]',
      'infra-topology metadata.annotations["eks.amazonaws.com/role-arn"]',
      'internal-endpoint metadata.annotations["acme.io/db-host"]',
      'internal-endpoint metadata.description',
      'observability metadata.annotations["sentry.io/project-slug"]',
      'observability metadata.links[1].url',
      'runbook metadata.links[0].url',
      'secret-reference metadata.annotations["aws.amazon.com/secrets-manager-arn"]',
      'secret-reference metadata.annotations["vault.hashicorp.com/role"]',
      'secret-reference spec.ssm',
    ]);
    // One finding per class, listing its fields.
    expect(results.map(r => r.evidence?.class).sort()).toEqual([
      'incident-routing',
      'infra-topology',
      'internal-endpoint',
      'observability',
      'runbook',
      'secret-reference',
    ]);
    const vault = results.find(r => r.evidence?.class === 'secret-reference')!;
    expect(vault).toMatchObject({
      outcome: 'fail',
      severity: 'medium',
      location: 'sensitive-reference#secret-reference',
      evidence: {
        class: 'secret-reference',
        fields: [
          'metadata.annotations["vault.hashicorp.com/role"]',
          'metadata.annotations["aws.amazon.com/secrets-manager-arn"]',
          'spec.ssm',
        ],
        fieldCount: 3,
      },
    });
    expect(vault.message).toBe(
      '3 fields reveal secret store reference (secret-reference) to everyone who can read this entity: metadata.annotations["vault.hashicorp.com/role"], metadata.annotations["aws.amazon.com/secrets-manager-arn"] and spec.ssm',
    );
    // No value is repeated in what the check writes.
    for (const r of results) {
      expect(JSON.stringify([r.message, r.title, r.location, r.evidence])).not.toMatch(
        /payments-db|10\.1\.2\.3|PABC123|123456789012|prod\/payments|grafana\.acme/,
      );
    }
  });

  it('leaves ordinary annotations, public hosts and emails alone', async () => {
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      entities: [
        component(
          {
            annotations: {
              'github.com/project-slug': 'acme/payments',
              'backstage.io/techdocs-ref': 'url:https://github.com/acme/payments/tree/main',
              'backstage.io/kubernetes-id': 'payments',
              'sonarqube.org/project-key': 'acme_payments',
              'jenkins.io/job-full-name': 'payments/build',
              'backstage.io/managed-by-location': 'url:https://git.internal.acme.corp/catalog.yaml',
              'vault.io/token': '${VAULT_TOKEN}',
            },
            description: 'Version 10.1.2 of com.acme.internal.Payments, mail payments@acme.corp.',
            links: [{ url: 'https://www.acme.com', title: 'Home' }],
          },
          { profile: { email: 'payments@acme.corp' } },
        ),
      ],
    });
    expect(hits(results)).toEqual([]);
  });

  it('classes links by URL and title, never by icon or type', async () => {
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      entities: [
        component({
          links: [
            {
              url: 'https://github.com/orgs/acme/projects/7',
              title: 'Board',
              icon: 'dashboard',
            },
            {
              url: 'https://status.acme.io',
              title: 'Admin Dashboard',
              icon: 'dashboard',
              type: 'dashboard',
            },
            {
              url: 'https://www.notion.so/acme/Overview-4f1c2d3e',
              title: 'Grafana',
            },
            {
              url: 'https://admin.example-org.com',
              title: 'Metrics',
              icon: 'dashboard',
            },
            { url: 'https://monitoring.acme.io/payments', title: 'Monitoring' },
            {
              url: 'https://metrics.acme.io/d/payments/overview',
              title: 'Overview',
            },
            {
              url: 'https://wiki.acme.io/x',
              title: 'Break-glass runbook',
              icon: 'docs',
            },
          ],
        }),
      ],
    });
    expect(hits(results)).toEqual([
      'observability metadata.links[4].url',
      'observability metadata.links[5].url',
      'runbook metadata.links[6].url',
    ]);
  });

  it('does not report generic private ranges or template placeholders as infrastructure', async () => {
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      entities: [
        component({
          annotations: {
            'acme.io/allowed-cidrs': '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
            'acme.io/egress': '0.0.0.0/0',
            'acme.io/bind': '127.0.0.1',
            'backstage.io/kubernetes-namespace': '${{ values.namespace }}',
            'vault.hashicorp.com/role': '${{ values.name }}-role',
            'acme.io/url': 'http://${{ values.name }}.${{ values.namespace }}.svc.cluster.local',
            'acme.io/db': '{{ cookiecutter.db }}.internal.acme.corp',
            'acme.io/grafana-url': 'https://grafana.${{ values.domain }}/d/overview',
            'kratix.io/namespace': 'default',
            'datadoghq.com/graph-token': 'qwertytoken1234',
            // specific hosts and addresses still are
            'acme.io/db-host': 'db-prod.internal.corp',
            'acme.io/cache': '10.12.4.7',
            'acme.io/subnet': '10.12.0.0/16',
          },
          description: 'Pods use 10.0.0.0/16 and Docker 172.17.0.0/16.',
        }),
      ],
    });
    expect(hits(results)).toEqual([
      'infra-topology metadata.annotations["acme.io/subnet"]',
      'internal-endpoint metadata.annotations["acme.io/cache"]',
      'internal-endpoint metadata.annotations["acme.io/db-host"]',
      'internal-endpoint metadata.annotations["acme.io/subnet"]',
    ]);
  });

  it('reports a field that holds a secret as that secret, not as a reference', async () => {
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      entities: [
        component({
          annotations: {
            'pagerduty.com/integration-key': hex(32),
            'pagerduty.com/service-id': 'PABC123',
          },
        }),
      ],
    });
    expect(hits(results)).toEqual([
      'incident-routing metadata.annotations["pagerduty.com/service-id"]',
    ]);
  });

  it('takes adopter rules, classes, internal domains, ignores and severities from options', async () => {
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      config: withOptions({
        annotations: [
          { key: 'acme.io/oncall-*', class: 'incident-routing' },
          {
            key: 'acme.io/compliance-*',
            class: 'compliance-scope',
            severity: 'medium',
          },
          { key: 'vault.hashicorp.com/*', class: 'custom-vault' },
        ],
        internalDomains: ['acme.net'],
        ignoreAnnotations: ['opsgenie.com/*'],
        classSeverities: { 'internal-endpoint': 'medium' },
      }),
      entities: [
        component({
          annotations: {
            'acme.io/oncall-rota': 'payments-primary',
            'acme.io/compliance-scope': 'pci',
            'vault.hashicorp.com/role': 'payments',
            'opsgenie.com/team': 'payments',
            'acme.io/endpoint': 'https://api.payments.acme.net/v1',
          },
        }),
      ],
    });
    expect(
      results.map(r => `${r.evidence?.class} ${r.severity} ${r.evidence?.rules}`).sort(),
    ).toEqual([
      'compliance-scope medium key:acme.io/compliance-*',
      'custom-vault low key:vault.hashicorp.com/*',
      'incident-routing low key:acme.io/oncall-*',
      'internal-endpoint medium value:internal-domain:acme.net',
    ]);
  });

  it('writes one finding per entity and class, at the highest severity of its fields', async () => {
    const config = withOptions({
      annotations: [
        {
          key: 'acme.io/oncall-escalation',
          class: 'incident-routing',
          severity: 'high',
        },
      ],
    });
    const annotations = {
      'pagerduty.com/service-id': 'PABC123',
      'opsgenie.com/team': 'payments',
      'acme.io/oncall-escalation': 'payments-managers',
      'backstage.io/kubernetes-namespace': 'payments-prod',
    };
    const [first, second] = await Promise.all(
      [annotations, { ...annotations, 'acme.io/db-host': 'payments-db.internal' }].map(a =>
        runSecurityCheck(sensitiveReferenceCheck, {
          config,
          entities: [component({ annotations: a })],
        }),
      ),
    );
    const incident = first.find(r => r.evidence?.class === 'incident-routing')!;
    expect(first).toHaveLength(2);
    expect(incident.severity).toBe('high');
    expect(incident.evidence).toEqual({
      class: 'incident-routing',
      fields: [
        'metadata.annotations["pagerduty.com/service-id"]',
        'metadata.annotations["opsgenie.com/team"]',
        'metadata.annotations["acme.io/oncall-escalation"]',
      ],
      // Each rule once, in the order the fields matched them.
      rules: ['key:incident-tool', 'key:acme.io/oncall-escalation'],
      fieldCount: 3,
    });
    expect(first.find(r => r.evidence?.class === 'infra-topology')).toMatchObject({
      severity: 'low',
      evidence: { fieldCount: 1 },
      message: expect.stringMatching(
        /^1 field reveals .*: metadata\.annotations\["backstage\.io\/kubernetes-namespace"\]$/,
      ),
    });
    // Another class adds a finding; the existing ones keep their location, so their identity.
    expect(second.map(r => r.location).sort()).toEqual([
      'sensitive-reference#incident-routing',
      'sensitive-reference#infra-topology',
      'sensitive-reference#internal-endpoint',
    ]);
  });

  it('caps the fields the message names and the evidence lists, and counts them all', async () => {
    const annotations = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [
        `acme.io/oncall-${String(i).padStart(2, '0')}`,
        `team-${i}`,
      ]),
    );
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      config: withOptions({
        annotations: [{ key: 'acme.io/oncall-*', class: 'incident-routing' }],
      }),
      entities: [component({ annotations })],
    });
    expect(results).toHaveLength(1);
    const [result] = results;
    const fields = result.evidence?.fields as string[];
    expect(fields).toHaveLength(EVIDENCE_FIELD_LIMIT);
    expect(fields[0]).toBe('metadata.annotations["acme.io/oncall-00"]');
    expect(fields[49]).toBe('metadata.annotations["acme.io/oncall-49"]');
    expect(result.evidence?.fieldCount).toBe(60);
    expect(result.message).toMatch(/"acme\.io\/oncall-04"\] and 55 more$/);
    expect(result.message).not.toContain('oncall-05');
    expect(result.message).not.toContain('team-');
  });

  it('rejects an invalid severity in options', async () => {
    await expect(
      runSecurityCheck(sensitiveReferenceCheck, {
        config: withOptions({
          annotations: [{ key: 'a/*', class: 'x', severity: 'urgent' }],
        }),
        entities: [component({})],
      }),
    ).rejects.toThrow(/urgent/);
  });

  it('matches globs without regular expressions', () => {
    expect(globMatch('acme.io/oncall-*', 'ACME.io/oncall-rota')).toBe(true);
    expect(globMatch('*/role-arn', 'eks.amazonaws.com/role-arn')).toBe(true);
    expect(globMatch('a*b*c', 'a-x-b-y-c')).toBe(true);
    expect(globMatch('a*b*c', 'a-x-b-y-d')).toBe(false);
    expect(globMatch('exact', 'exactly')).toBe(false);
    expect(globMatch(`${'*a'.repeat(20)}b`, 'a'.repeat(5000))).toBe(false);
  });

  it('stays linear on hostile values', async () => {
    const results = await runSecurityCheck(sensitiveReferenceCheck, {
      entities: [
        component({
          // Under the default 1 MiB value limit, so it is inspected rather than skipped.
          description: `${'a.'.repeat(150_000)}${'10.0.0.'.repeat(40_000)}${'arn:aws:'.repeat(
            40_000,
          )} ${'vault:'.repeat(20_000)}`,
          annotations: {
            'acme.io/x': `https://${'a'.repeat(500_000)}`,
            'acme.io/y': `${'}.a-'.repeat(100_000)}${'10.0.0.0/'.repeat(20_000)}`,
            'acme.io/z': `https://${'a@'.repeat(200_000)}/d/`,
          },
          links: [
            {
              url: `https://${'a.'.repeat(200_000)}/x`,
              title: 'metrics '.repeat(10_000),
            },
          ],
        }),
      ],
    });
    expect(results).toEqual(expect.any(Array));
  }, 60_000);
});
