import { parseAllDocuments } from 'yaml';
import { JsonObject } from '@backstage/types';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { fakes } from '@security-posture/static-analysis/testUtils';
import { FindingFactory } from '../../engine/FindingFactory';
import { createK8sImagePinningCheck, K8S_IMAGE_PINNING_CHECK_ID } from './imagePinningCheck';
import { createK8sNetworkPolicyCheck } from './networkPolicyCheck';
import { createK8sPodSecurityCheck } from './podSecurityCheck';
import { createK8sSecretsHandlingCheck } from './secretsHandlingCheck';
import { createK8sServiceAccountCheck } from './serviceAccountCheck';
import { MANIFESTS_OPTION } from './subject';

const PLANTED = fakes.github();

/** The option the CLI sets: each object with its file and document. */
function manifests(files: Record<string, string>, workloads?: string[]): JsonObject {
  const objects = Object.entries(files).flatMap(([file, text]) =>
    parseAllDocuments(text).map((d, doc) => ({ file, doc, path: '', object: d.toJS() })),
  );
  return { [MANIFESTS_OPTION]: { objects, ...(workloads ? { workloads } : {}) } } as JsonObject;
}

const HARDENED = `apiVersion: apps/v1
kind: Deployment
metadata: { name: portal, namespace: backstage }
spec:
  template:
    metadata: { labels: { app: backstage } }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, runAsUser: 1000 }
      containers:
        - name: backend
          image: ghcr.io/acme/backstage:1.55.0
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }
          volumeMounts: [{ name: creds, mountPath: /run/secrets/creds, readOnly: true }]
      volumes: [{ name: creds, secret: { secretName: backstage-credentials } }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: backstage-egress, namespace: backstage }
spec:
  podSelector: { matchLabels: { app: backstage } }
  policyTypes: [Egress]
  egress:
    - ports: [{ port: 53, protocol: UDP }]
    - to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: registry } } }]
      ports: [{ port: 5000, protocol: TCP }]
`;

const OPEN = `apiVersion: apps/v1
kind: Deployment
metadata: { name: backstage }
spec:
  template:
    metadata: { labels: { app: backstage } }
    spec:
      containers:
        - name: backstage
          image: backstage
          securityContext: { runAsUser: 0 }
          env:
            - { name: GITHUB_TOKEN, value: "${PLANTED}" }
            - name: POSTGRES_PASSWORD
              valueFrom: { secretKeyRef: { name: postgres, key: password } }
`;

const ALL = [
  createK8sNetworkPolicyCheck,
  createK8sPodSecurityCheck,
  createK8sServiceAccountCheck,
  createK8sSecretsHandlingCheck,
  createK8sImagePinningCheck,
];

describe('runtime/k8s-* over manifests', () => {
  it('passes every check for the hardened deployment with its egress policy', async () => {
    for (const create of ALL) {
      const results = await runSecurityCheck(create(), { options: manifests({ 'deploy/backstage.yaml': HARDENED }) });
      expect(results.map(r => [r.outcome, r.message])).toEqual([['pass', expect.any(String)]]);
    }
  });

  it('fails each check for the open deployment, pointing at the file, document and field', async () => {
    const options = manifests({ 'deploy/open.yaml': OPEN });
    const run = async (create: (typeof ALL)[number]) =>
      (await runSecurityCheck(create(), { options })).map(r => ({
        outcome: r.outcome,
        severity: r.severity,
        field: r.evidence?.field,
        file: r.evidence?.file,
        rule: r.location?.split('#')[1],
      }));
    expect(await run(createK8sNetworkPolicyCheck)).toEqual([
      { outcome: 'fail', severity: undefined, field: 'metadata.name', file: 'deploy/open.yaml', rule: 'no-egress-policy' },
    ]);
    expect(await run(createK8sPodSecurityCheck)).toEqual([
      expect.objectContaining({ rule: 'run-as-root', severity: 'high', field: 'spec.template.spec.containers[0].securityContext.runAsUser' }),
      expect.objectContaining({ rule: 'writable-root-filesystem', severity: 'medium' }),
      expect.objectContaining({ rule: 'privilege-escalation', severity: 'medium' }),
    ]);
    expect(await run(createK8sServiceAccountCheck)).toEqual([
      expect.objectContaining({ outcome: 'fail', rule: 'automount', field: 'spec.template.spec.automountServiceAccountToken' }),
    ]);
    expect(await run(createK8sSecretsHandlingCheck)).toEqual([
      expect.objectContaining({ outcome: 'fail', severity: 'high', rule: 'literal', field: 'spec.template.spec.containers[0].env[0].value' }),
      expect.objectContaining({ outcome: 'fail', severity: undefined, rule: 'env', field: 'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef' }),
    ]);
    expect(await run(createK8sImagePinningCheck)).toEqual([
      expect.objectContaining({ outcome: 'fail', rule: 'no-tag', field: 'spec.template.spec.containers[0].image' }),
    ]);
  });

  it('hands a literal credential only to the finding factory, which masks it everywhere', async () => {
    const results = await runSecurityCheck(createK8sSecretsHandlingCheck(), {
      options: manifests({ 'deploy/open.yaml': OPEN }),
    });
    const literal = results.find(r => r.secret);
    expect(literal?.secret?.value).toBe(PLANTED);
    const { secret, ...rest } = literal!;
    expect(JSON.stringify(rest)).not.toContain(PLANTED);
    const factory = new FindingFactory();
    const findings = factory.fromResults(createK8sSecretsHandlingCheck().meta, 'low', results);
    expect(JSON.stringify(findings)).not.toContain(PLANTED);
    expect(findings[0].evidence).toEqual(expect.objectContaining({ secretMask: expect.any(String) }));
  });

  it('flags an egress policy open to anywhere on 443 as medium, and one allowing everything as high', async () => {
    const policy = (egress: string) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: loose }
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: ${egress}
`;
    const check = createK8sNetworkPolicyCheck();
    const https = await runSecurityCheck(check, {
      options: manifests({ 'a.yaml': OPEN, 'b.yaml': policy('[{ ports: [{ port: 53 }, { port: 443 }] }]') }),
    });
    expect(https).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'medium',
        evidence: expect.objectContaining({ file: 'b.yaml', field: 'spec.egress[0]', ports: ['53', '443'] }),
      }),
    ]);
    const open = await runSecurityCheck(check, { options: manifests({ 'a.yaml': OPEN, 'b.yaml': policy('[{}]') }) });
    expect(open).toEqual([expect.objectContaining({ outcome: 'fail', severity: 'high', location: 'NetworkPolicy loose: spec.egress[0]#allow-all' })]);
  });

  it('is not applicable without manifests outside a cluster, or without a Backstage workload', async () => {
    const outside = () => ({ env: {}, serviceAccountDir: '/nonexistent', uid: () => 0 });
    const none = await runSecurityCheck(createK8sPodSecurityCheck(outside));
    expect(none).toEqual([expect.objectContaining({ outcome: 'notApplicable', message: expect.stringContaining('KUBERNETES_SERVICE_HOST') })]);
    const other = await runSecurityCheck(createK8sPodSecurityCheck(), {
      options: manifests({ 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\n' }),
    });
    expect(other).toEqual([expect.objectContaining({ outcome: 'notApplicable', message: expect.stringContaining('No Backstage workload among the 1') })]);
  });

  it('errors when a named workload is missing, and checks exactly the named one otherwise', async () => {
    const missing = await runSecurityCheck(createK8sImagePinningCheck(), {
      options: manifests({ 'deploy/open.yaml': OPEN }, ['portal']),
    });
    expect(missing).toEqual([expect.objectContaining({ outcome: 'error', message: expect.stringContaining('portal') })]);
    const named = await runSecurityCheck(createK8sImagePinningCheck(), {
      options: manifests({ 'a.yaml': OPEN, 'b.yaml': HARDENED }, ['backstage/portal']),
    });
    expect(named).toEqual([expect.objectContaining({ outcome: 'pass', evidence: expect.objectContaining({ file: 'b.yaml', workload: 'Deployment backstage/portal' }) })]);
    expect(K8S_IMAGE_PINNING_CHECK_ID).toBe('runtime/k8s-image-pinning');
  });
});
