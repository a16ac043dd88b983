import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import net, { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { fakes } from '@security-posture/static-analysis/testUtils';
import { ClusterEnvironment } from './clusterApi';
import { createK8sImagePinningCheck } from './imagePinningCheck';
import { createK8sNetworkPolicyCheck } from './networkPolicyCheck';
import { createK8sPodSecurityCheck } from './podSecurityCheck';
import { createK8sSecretsHandlingCheck } from './secretsHandlingCheck';
import { createK8sServiceAccountCheck } from './serviceAccountCheck';

// A stand-in for the Kubernetes API on 127.0.0.1 over HTTPS (a certificate made for the test and
// mounted as the service account's ca.crt, as the kubelet mounts the cluster CA), answering the response shapes of the real API
// (core/v1 Pod, networking.k8s.io/v1 NetworkPolicyList whose items carry no kind,
// authorization.k8s.io/v1 SelfSubjectRulesReview and SelfSubjectAccessReview with their status,
// and v1 Status objects for refusals). Not a live cluster.

// The first test that connects loads @kubernetes/client-node through Jest's transform: seconds on
// a loaded machine.
jest.setTimeout(30_000);

const TOKEN = fakes.jwt();
const NAMESPACE = 'portal';
const POD = 'backstage-6f7c9d8b5-x2x9k';

interface StandIn {
  pod?: object;
  networkPolicies?: object[];
  rules?: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }>;
  /** `verb resource namespace|*` the SelfSubjectAccessReview allows. */
  allowed?: string[];
  /** Paths answered 403 with a Status. */
  forbidden?: RegExp;
}

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  body: any;
}

const forbiddenStatus = (what: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: `${what} is forbidden: User "system:serviceaccount:${NAMESPACE}:backstage" cannot do this`,
  reason: 'Forbidden',
  details: { kind: what },
  code: 403,
});

function standIn(config: StandIn, seen: Seen[], tls: { key: Buffer; cert: Buffer }) {
  return https.createServer(tls, (req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      const send = (status: number, payload: object) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      const url = req.url ?? '';
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
      if (config.forbidden?.test(url)) return send(403, forbiddenStatus(url.split('/').pop()!));
      if (req.method === 'GET' && url === `/api/v1/namespaces/${NAMESPACE}/pods/${POD}`) {
        return config.pod ? send(200, config.pod) : send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
      }
      if (req.method === 'GET' && url.startsWith(`/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/networkpolicies`)) {
        return send(200, {
          kind: 'NetworkPolicyList',
          apiVersion: 'networking.k8s.io/v1',
          metadata: { resourceVersion: '4711' },
          items: config.networkPolicies ?? [],
        });
      }
      if (req.method === 'POST' && url.startsWith('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews')) {
        return send(201, {
          ...body,
          metadata: { creationTimestamp: null },
          status: {
            resourceRules: [
              { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
              ...(config.rules ?? []),
            ],
            nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/healthz', '/version'] }],
            incomplete: false,
          },
        });
      }
      if (req.method === 'POST' && url.startsWith('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')) {
        const a = body.spec.resourceAttributes;
        const key = `${a.verb} ${a.resource} ${a.namespace ?? '*'}`;
        const allowed = (config.allowed ?? []).includes(key);
        return send(201, { ...body, metadata: { creationTimestamp: null }, status: allowed ? { allowed: true, reason: 'RBAC: allowed by RoleBinding' } : { allowed: false } });
      }
      return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    });
  });
}

const rootPod = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: POD, namespace: NAMESPACE, labels: { app: 'backstage' }, creationTimestamp: '2026-12-01T10:00:00Z' },
  spec: {
    serviceAccountName: 'backstage',
    containers: [{ name: 'backend', image: 'ghcr.io/acme/backstage:latest', securityContext: { runAsUser: 0 } }],
  },
  status: { phase: 'Running' },
};

const hardenedPod = {
  ...rootPod,
  spec: {
    serviceAccountName: 'backstage',
    securityContext: { runAsNonRoot: true, runAsUser: 1000 },
    containers: [
      {
        name: 'backend',
        image: `ghcr.io/acme/backstage@sha256:${'c'.repeat(64)}`,
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      },
    ],
  },
};

const egressPolicy = {
  metadata: { name: 'backstage-egress', namespace: NAMESPACE },
  spec: { podSelector: { matchLabels: { app: 'backstage' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] },
};

describe('runtime/k8s-* in a cluster (against a local API stand-in)', () => {
  let dir: string;
  let server: https.Server | undefined;
  let seen: Seen[];
  let tls: { key: Buffer; cert: Buffer };

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, made with the system's openssl.
    const certDir = await fs.mkdtemp(path.join(os.tmpdir(), 'api-cert-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    tls = {
      key: await fs.readFile(path.join(certDir, 'key.pem')),
      cert: await fs.readFile(path.join(certDir, 'cert.pem')),
    };
    await fs.rm(certDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sa-'));
    await fs.writeFile(path.join(dir, 'ca.crt'), tls.cert);
    seen = [];
  });
  afterEach(async () => {
    server?.close();
    server = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function mountToken() {
    await fs.writeFile(path.join(dir, 'token'), TOKEN);
    await fs.writeFile(path.join(dir, 'namespace'), NAMESPACE);
  }

  async function start(config: StandIn): Promise<() => ClusterEnvironment> {
    server = standIn(config, seen, tls);
    await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return () => ({
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port), HOSTNAME: POD },
      serviceAccountDir: dir,
      uid: () => 1000,
      timeoutMs: 3000,
    });
  }

  it('is not applicable outside Kubernetes (KUBERNETES_SERVICE_HOST unset)', async () => {
    const environment = () => ({ env: {}, serviceAccountDir: dir, uid: () => 0 });
    for (const create of [createK8sNetworkPolicyCheck, createK8sPodSecurityCheck, createK8sServiceAccountCheck, createK8sSecretsHandlingCheck, createK8sImagePinningCheck]) {
      const results = await runSecurityCheck(create(environment));
      expect(results).toEqual([expect.objectContaining({ outcome: 'notApplicable', message: expect.stringContaining('KUBERNETES_SERVICE_HOST') })]);
    }
  });

  it('without a mounted token: passes the token check, cannot read the spec, still tells the uid', async () => {
    const environment = await start({ pod: rootPod });
    const account = await runSecurityCheck(createK8sServiceAccountCheck(environment));
    expect(account).toEqual([expect.objectContaining({ outcome: 'pass', message: expect.stringContaining('No service-account token is mounted') })]);
    const egress = await runSecurityCheck(createK8sNetworkPolicyCheck(environment));
    expect(egress).toEqual([expect.objectContaining({ outcome: 'notApplicable', message: expect.stringContaining("cannot read its own pod spec or its namespace's NetworkPolicies") })]);
    const root = await runSecurityCheck(createK8sPodSecurityCheck(() => ({ ...environment(), uid: () => 0 })));
    expect(root).toEqual([
      expect.objectContaining({ outcome: 'notApplicable' }),
      expect.objectContaining({ outcome: 'fail', severity: 'high', message: 'The backend process runs as uid 0 (root) in its container' }),
    ]);
    expect(seen).toEqual([]);
  });

  it('with a token and broad rights: fails critical, and reads its own pod and the namespace policies', async () => {
    await mountToken();
    const environment = await start({
      pod: rootPod,
      rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      allowed: [`get secrets ${NAMESPACE}`, `list secrets ${NAMESPACE}`, `create pods ${NAMESPACE}`, 'list secrets *', 'create pods *', '* * *'],
    });
    const [account] = await runSecurityCheck(createK8sServiceAccountCheck(environment));
    expect(account).toEqual(
      expect.objectContaining({
        outcome: 'fail',
        severity: 'critical',
        message: expect.stringContaining(`read secrets in ${NAMESPACE}; list secrets in ${NAMESPACE}; create pods in ${NAMESPACE}; list secrets in every namespace; create pods in every namespace; do anything anywhere (cluster-admin)`),
      }),
    );
    expect(account.evidence).toEqual(expect.objectContaining({ rules: ['* * (*)'], rulesIncomplete: false }));
    // Real request shapes, with the mounted token as bearer.
    const rules = seen.find(s => s.url?.startsWith('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews'));
    expect(rules?.body).toEqual({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: NAMESPACE } });
    const clusterWide = seen.filter(s => s.url?.startsWith('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') && s.body.spec.resourceAttributes.namespace === undefined);
    expect(clusterWide.map(s => s.body.spec.resourceAttributes.verb)).toEqual(['list', 'create', '*']);
    expect(seen.every(s => s.authorization === `Bearer ${TOKEN}`)).toBe(true);

    const egress = await runSecurityCheck(createK8sNetworkPolicyCheck(environment));
    expect(egress).toEqual([expect.objectContaining({ outcome: 'fail', location: `Pod ${NAMESPACE}/${POD}: metadata.name#no-egress-policy` })]);
    const pod = await runSecurityCheck(createK8sPodSecurityCheck(environment));
    expect(pod.map(r => `${r.outcome}:${r.evidence?.rule ?? r.message}`)).toEqual([
      'fail:run-as-root',
      'fail:writable-root-filesystem',
      'fail:privilege-escalation',
      'pass:The backend process runs as uid 1000, not root',
    ]);
    expect(await runSecurityCheck(createK8sImagePinningCheck(environment))).toEqual([expect.objectContaining({ outcome: 'fail' })]);
    expect(JSON.stringify([account, egress, pod])).not.toContain(TOKEN);
  });

  it('with a token and narrow rights: fails low, listing the rules; a hardened pod with an egress policy passes', async () => {
    await mountToken();
    const environment = await start({
      pod: hardenedPod,
      networkPolicies: [egressPolicy],
      rules: [{ verbs: ['get', 'watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['backstage-settings'] }],
    });
    const account = await runSecurityCheck(createK8sServiceAccountCheck(environment));
    expect(account).toEqual([
      expect.objectContaining({
        outcome: 'fail',
        severity: 'low',
        message: expect.stringContaining(`1 other rule(s) in ${NAMESPACE}: get,watch configmaps [backstage-settings]`),
      }),
    ]);
    expect(await runSecurityCheck(createK8sNetworkPolicyCheck(environment))).toEqual([
      expect.objectContaining({ outcome: 'pass', message: `Egress of Pod ${NAMESPACE}/${POD} is restricted by backstage-egress` }),
    ]);
    expect((await runSecurityCheck(createK8sPodSecurityCheck(environment))).map(r => r.outcome)).toEqual(['pass', 'pass']);
    expect(await runSecurityCheck(createK8sSecretsHandlingCheck(environment))).toEqual([expect.objectContaining({ outcome: 'pass' })]);
  });

  it('errors with a clear message when the API does not answer', async () => {
    await mountToken();
    const closed = net.createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(resolve => closed.close(resolve));
    const environment = () => ({
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port), HOSTNAME: POD },
      serviceAccountDir: dir,
      uid: () => 1000,
    });
    const account = await runSecurityCheck(createK8sServiceAccountCheck(environment));
    expect(account).toEqual([
      expect.objectContaining({
        outcome: 'error',
        message: `The service account's rights could not be determined: SelfSubjectRulesReview in ${NAMESPACE}: the Kubernetes API at https://127.0.0.1:${port} did not answer (ECONNREFUSED)`,
      }),
    ]);
    expect(await runSecurityCheck(createK8sNetworkPolicyCheck(environment))).toEqual([
      expect.objectContaining({ outcome: 'error', message: expect.stringContaining(`get pods/${POD} in ${NAMESPACE}: the Kubernetes API at https://127.0.0.1:${port} did not answer (ECONNREFUSED)`) }),
    ]);
  });

  it('verifies the API certificate against the mounted CA only', async () => {
    await mountToken();
    await fs.rm(path.join(dir, 'ca.crt'));
    const environment = await start({ pod: rootPod });
    const account = await runSecurityCheck(createK8sServiceAccountCheck(environment));
    expect(account).toEqual([
      expect.objectContaining({ outcome: 'error', message: expect.stringMatching(/is not trusted by the mounted CA \((?:DEPTH_ZERO_)?SELF_SIGNED_CERT/) }),
    ]);
    expect(seen).toEqual([]);
  });

  it('errors clearly when a review is forbidden; a refused pod read makes the spec checks not applicable', async () => {
    await mountToken();
    const environment = await start({ pod: rootPod, forbidden: /selfsubjectrulesreviews|\/pods\// });
    const account = await runSecurityCheck(createK8sServiceAccountCheck(environment));
    expect(account).toEqual([
      expect.objectContaining({
        outcome: 'error',
        location: 'service-account#review-forbidden',
        message: expect.stringMatching(/^The API refused SelfSubjectRulesReview in portal: HTTP 403 \(selfsubjectrulesreviews is forbidden: .*\): the service account's rights could not be determined/),
      }),
    ]);
    expect(await runSecurityCheck(createK8sImagePinningCheck(environment))).toEqual([
      expect.objectContaining({ outcome: 'notApplicable', message: expect.stringMatching(/^The API refused get pods\/.* HTTP 403 .*narrow rights are good/) }),
    ]);
  });
});
