import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakes, mixed } from '@security-posture/static-analysis/testUtils';
import { validate } from './__testUtils__/jsonSchema';
import { Run, runCli } from './__testUtils__/runCli';
import { CliFinding, ScanReport } from './report';

// Deployment files of a Backstage portal, written for these tests: the CLI hands their Kubernetes
// objects to the runtime/k8s-* checks and points each finding at its file, line and field.
const REPORT_SCHEMA = JSON.parse(readFileSync(join(__dirname, 'report.schema.json'), 'utf8'));
const K8S_CHECKS = [
  'runtime/k8s-image-pinning',
  'runtime/k8s-network-policy',
  'runtime/k8s-pod-security',
  'runtime/k8s-secrets-handling',
  'runtime/k8s-service-account',
];

// Planted credentials: a GitHub token (found by its format) and a password found only by its
// env variable's name.
const GITHUB_TOKEN = fakes.github();
const DB_PASSWORD = mixed(20);

const HARDENED = `apiVersion: v1
kind: ServiceAccount
metadata: { name: backstage, namespace: portal }
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: backstage, namespace: portal }
spec:
  selector: { matchLabels: { app: backstage } }
  template:
    metadata: { labels: { app: backstage } }
    spec:
      serviceAccountName: backstage
      securityContext: { runAsNonRoot: true, runAsUser: 1000 }
      containers:
        - name: backend
          image: ghcr.io/acme/backstage:1.55.0@sha256:${'0f'.repeat(32)}
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }
          volumeMounts:
            - { name: secrets, mountPath: /run/secrets/backstage, readOnly: true }
            - { name: tmp, mountPath: /tmp }
      volumes:
        - { name: secrets, secret: { secretName: backstage-secrets } }
        - { name: tmp, emptyDir: {} }
`;

const EGRESS_POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: backstage-egress, namespace: portal }
spec:
  podSelector: { matchLabels: { app: backstage } }
  policyTypes: [Egress]
  egress:
    - ports: [{ port: 53, protocol: UDP }]
    - to: [{ ipBlock: { cidr: 10.0.12.0/24 } }]
      ports: [{ port: 5432, protocol: TCP }]
`;

const OPEN = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: backstage
spec:
  template:
    metadata:
      labels:
        app: backstage
    spec:
      containers:
        - name: backstage
          image: ghcr.io/acme/backstage:latest
          securityContext:
            runAsUser: 0
          env:
            - name: GITHUB_TOKEN
              value: ${GITHUB_TOKEN}
            - name: DB_PASSWORD
              value: ${DB_PASSWORD}
            - name: AUTH_SESSION_SECRET
              valueFrom:
                secretKeyRef:
                  name: backstage-auth
                  key: session
`;

// What \`helm template\` prints: one stream, \`# Source:\` comments, no namespaces.
const HELM_RENDERED = `---
# Source: backstage/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: release-backstage
  labels:
    app.kubernetes.io/name: backstage
---
# Source: backstage/charts/postgresql/templates/primary/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: release-postgresql
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: postgresql
        app.kubernetes.io/instance: release
    spec:
      containers:
        - name: postgresql
          image: docker.io/bitnami/postgresql:16.4.0
---
# Source: backstage/templates/backstage-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-backstage
  labels:
    app.kubernetes.io/name: backstage
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: backstage
        app.kubernetes.io/instance: release
    spec:
      serviceAccountName: release-backstage
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
      containers:
        - name: backstage-backend
          image: ghcr.io/backstage/backstage:1.55.0
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
          envFrom:
            - secretRef:
                name: release-backstage-env
---
# Source: backstage/templates/networkpolicy.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: release-backstage
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: backstage
  policyTypes:
    - Egress
  egress:
    - ports:
        - port: 53
          protocol: UDP
    - ports:
        - port: 443
          protocol: TCP
`;

const json = (run: Run) => JSON.parse(run.stdout) as ScanReport;
const k8s = (report: ScanReport) => report.findings.filter(f => K8S_CHECKS.includes(f.checkId));
const short = (f: CliFinding) => `${f.checkId} ${f.file}:${f.line} ${f.field ?? ''} ${f.severity}`;

describe('security-posture scan over Kubernetes manifests', () => {
  let dir: string;
  let hardened: ScanReport;
  let open: Run & { report: ScanReport };
  let helm: ScanReport;
  let named: ScanReport;
  let outputs: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sp-k8s-'));
    for (const sub of ['hardened', 'open', 'helm']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'hardened/deployment.yaml'), HARDENED);
    writeFileSync(join(dir, 'hardened/networkpolicy.yaml'), EGRESS_POLICY);
    writeFileSync(join(dir, 'open/deployment.yaml'), OPEN);
    writeFileSync(join(dir, 'helm/rendered.yaml'), HELM_RENDERED);
    // An unrendered template outside a chart folder parses as YAML, but is not judged.
    // If it were, its root container and missing policy would be findings in it (none expected).
    writeFileSync(
      join(dir, 'helm/unrendered.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: "{{ .Release.Name }}-backstage", namespace: other }\nspec:\n  template:\n    spec:\n      containers:\n        - { name: backend, image: "ghcr.io/backstage/backstage:{{ .Values.image.tag }}", securityContext: { runAsUser: 0 } }\n',
    );
    const runs = await Promise.all([
      runCli(['scan', 'hardened', '--format', 'json'], dir),
      runCli(['scan', 'open', '--format', 'json', '--report', `sarif=${join(dir, 'out.sarif')}`, '--report', `csv=${join(dir, 'out.csv')}`], dir),
      runCli(['scan', 'helm', '--format', 'json'], dir),
      runCli(['scan', 'open', 'hardened', '--format', 'json', '--k8s-workload', 'portal/backstage'], dir),
      runCli(['scan', 'open', '--format', 'table', '--verbose'], dir),
    ]);
    hardened = json(runs[0]);
    open = { ...runs[1], report: json(runs[1]) };
    helm = json(runs[2]);
    named = json(runs[3]);
    outputs = {
      json: runs[1].stdout,
      stderr: runs[1].stderr,
      sarif: readFileSync(join(dir, 'out.sarif'), 'utf8'),
      csv: readFileSync(join(dir, 'out.csv'), 'utf8'),
      table: runs[4].stdout + runs[4].stderr,
    };
  }, 180_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing in the hardened deployment with its egress NetworkPolicy; every k8s check passed', () => {
    expect(hardened.findings).toEqual([]);
    expect(validate(REPORT_SCHEMA, hardened)).toEqual([]);
    const runs = hardened.checks.filter(c => K8S_CHECKS.includes(c.checkId));
    expect(runs.map(c => [c.checkId, c.outcome])).toEqual(K8S_CHECKS.map(id => [id, 'pass']));
    // The manifests are still noted as non-entities.
    expect(hardened.notes.map(n => n.reason)).toEqual(['kubernetes', 'kubernetes']);
  });

  it('reports the open deployment: no policy, root, writable filesystem, token, env secrets, latest', () => {
    expect(k8s(open.report).map(short).sort()).toEqual(
      [
        'runtime/k8s-image-pinning open/deployment.yaml:13 spec.template.spec.containers[0].image medium',
        'runtime/k8s-network-policy open/deployment.yaml:4 metadata.name high',
        'runtime/k8s-pod-security open/deployment.yaml:15 spec.template.spec.containers[0].securityContext.runAsUser high',
        'runtime/k8s-pod-security open/deployment.yaml:14 spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem medium',
        'runtime/k8s-pod-security open/deployment.yaml:14 spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation medium',
        'runtime/k8s-secrets-handling open/deployment.yaml:18 spec.template.spec.containers[0].env[0].value high',
        'runtime/k8s-secrets-handling open/deployment.yaml:20 spec.template.spec.containers[0].env[1].value high',
        'runtime/k8s-secrets-handling open/deployment.yaml:23 spec.template.spec.containers[0].env[2].valueFrom.secretKeyRef low',
        'runtime/k8s-service-account open/deployment.yaml:10 spec.template.spec.automountServiceAccountToken medium',
      ].sort(),
    );
    expect(validate(REPORT_SCHEMA, open.report)).toEqual([]);
    expect(open.code).toBe(1);
    // The literal credentials are reported by the Kubernetes check, not a second time from raw text.
    expect(open.report.findings.filter(f => f.checkId === 'files/secret-in-text')).toEqual([]);
    const literal = open.report.findings.find(f => f.field?.endsWith('env[0].value'))!;
    expect(literal).toMatchObject({ column: 22, secretKind: expect.any(String) });
  });

  it('never shows a planted credential in JSON, SARIF, CSV, the table or the logs', () => {
    for (const [format, text] of Object.entries(outputs)) {
      expect({ format, token: text.includes(GITHUB_TOKEN), password: text.includes(DB_PASSWORD) }).toEqual({
        format,
        token: false,
        password: false,
      });
    }
    expect(outputs.sarif).toContain('runtime/k8s-secrets-handling');
    expect(outputs.csv).toContain('runtime/k8s-secrets-handling');
    expect(outputs.table).toContain('runtime/k8s-secrets-handling');
  });

  it('reads Helm-rendered YAML: the backend, not its database, with 443 to anywhere as medium', () => {
    expect(k8s(helm).map(short).sort()).toEqual(
      [
        'runtime/k8s-network-policy helm/rendered.yaml:69 spec.egress[1] medium',
        'runtime/k8s-secrets-handling helm/rendered.yaml:51 spec.template.spec.containers[0].envFrom[0].secretRef low',
        'runtime/k8s-service-account helm/rendered.yaml:39 spec.template.spec.automountServiceAccountToken medium',
      ].sort(),
    );
    expect(helm.findings.every(f => !f.message.includes('postgresql'))).toBe(true);
    expect(helm.notes).toContainEqual(expect.objectContaining({ file: 'helm/unrendered.yaml', reason: 'kubernetes' }));
  });

  it('checks only the workload named with --k8s-workload', () => {
    expect(k8s(named)).toEqual([]);
    const runs = named.checks.filter(c => K8S_CHECKS.includes(c.checkId));
    expect(runs.every(c => c.outcome === 'pass')).toBe(true);
  });
});

describe('security-posture scan without Kubernetes manifests', () => {
  it('says the k8s checks had nothing to read, and never asks a cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-k8s-none-'));
    try {
      writeFileSync(
        join(dir, 'catalog-info.yaml'),
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: a }\nspec: { type: service, lifecycle: production, owner: team-a }\n',
      );
      // Even inside a pod (KUBERNETES_SERVICE_HOST set), the CLI reads files only.
      const run = await runCli(['scan', '.', '--format', 'json'], dir, { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '1' });
      const report = json(run);
      const runs = report.checks.filter(c => K8S_CHECKS.includes(c.checkId));
      expect(runs).toEqual(
        K8S_CHECKS.map(checkId =>
          expect.objectContaining({ checkId, outcome: 'notApplicable', reason: 'no Kubernetes manifests among the scanned files' }),
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a malformed --k8s-workload', async () => {
    const run = await runCli(['scan', '.', '--k8s-workload', 'a b'], __dirname);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--k8s-workload expects a workload name');
  }, 60_000);
});
