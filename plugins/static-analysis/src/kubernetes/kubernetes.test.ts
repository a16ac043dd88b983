import { parseAllDocuments } from 'yaml';
import { fakes } from '../testing';
import {
  assessBackstageWorkloads,
  assessEgress,
  findBackstageWorkloads,
  KubernetesObject,
  kubernetesObjectsOf,
  selectorMatches,
} from '.';

const objectsOf = (text: string): KubernetesObject[] =>
  kubernetesObjectsOf(parseAllDocuments(text).map(d => d.toJS())).map(o => o.object);

const PLANTED = fakes.github();

const HARDENED = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: backstage, namespace: portal }
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: portal, namespace: portal }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: portal } }
  template:
    metadata: { labels: { app.kubernetes.io/name: portal, tier: backend } }
    spec:
      serviceAccountName: backstage
      securityContext: { runAsNonRoot: true, runAsUser: 1000 }
      containers:
        - name: backend
          image: ghcr.io/acme/backstage-backend:1.55.0@sha256:${'a'.repeat(64)}
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }
          env:
            - { name: NODE_ENV, value: production }
          volumeMounts:
            - { name: github-app, mountPath: /run/secrets/github-app, readOnly: true }
      volumes:
        - name: github-app
          secret: { secretName: github-app }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: backend-egress, namespace: portal }
spec:
  podSelector:
    matchExpressions:
      - { key: tier, operator: In, values: [backend] }
  policyTypes: [Egress]
  egress:
    - ports: [{ port: 53, protocol: UDP }, { port: 53, protocol: TCP }]
    - to: [{ ipBlock: { cidr: 10.20.0.0/16 } }]
      ports: [{ port: 5432 }]
    - to: [{ ipBlock: { cidr: 140.82.112.0/20 } }]
      ports: [{ port: 443 }]
`;

const OPEN = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: backstage }
spec:
  template:
    metadata: { labels: { app: backstage } }
    spec:
      securityContext: { runAsUser: 0 }
      containers:
        - name: backstage
          image: backstage:latest
          securityContext: { privileged: true }
          env:
            - { name: GITHUB_TOKEN, value: ${PLANTED} }
            - name: POSTGRES_PASSWORD
              valueFrom: { secretKeyRef: { name: db, key: password } }
          envFrom:
            - secretRef: { name: integrations }
        - name: sidecar
          image: envoyproxy/envoy
`;

describe('findBackstageWorkloads', () => {
  it('takes the workload whose image is a Backstage image, not its companions', () => {
    const objects = objectsOf(`
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: backstage-postgresql }
spec:
  template:
    metadata: { labels: { app.kubernetes.io/instance: backstage, app.kubernetes.io/name: postgresql } }
    spec: { containers: [{ name: postgresql, image: docker.io/bitnami/postgresql:16 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: release-name }
spec:
  template:
    spec: { containers: [{ name: backend, image: "ghcr.io/backstage/backstage:1.55" }] }
`);
    const found = findBackstageWorkloads(objects);
    expect(found.map(w => [w.kind, w.name, w.matchedBy, w.reason])).toEqual([
      ['Deployment', 'release-name', 'image', 'image ghcr.io/backstage/backstage'],
    ]);
  });

  it('falls back to names and labels, leaving out workloads that only run companion images', () => {
    const objects = objectsOf(`
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: backstage-postgresql }
spec:
  template:
    spec: { containers: [{ name: db, image: postgres:16 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: portal }
spec:
  template:
    metadata: { labels: { app.kubernetes.io/component: backstage } }
    spec: { containers: [{ name: app, image: registry.acme.io/developer-portal:7 }] }
---
apiVersion: v1
kind: Service
metadata: { name: backstage }
`);
    expect(findBackstageWorkloads(objects).map(w => [w.name, w.matchedBy, w.reason])).toEqual([
      ['portal', 'labels', 'pod label app.kubernetes.io/component=backstage'],
    ]);
  });

  it('takes exactly the workloads the caller names, by name, namespace/name or kind/name', () => {
    const objects = objectsOf(`${HARDENED}\n---\n${OPEN}`);
    expect(findBackstageWorkloads(objects, { names: ['portal/portal'] }).map(w => w.name)).toEqual(['portal']);
    expect(findBackstageWorkloads(objects, { names: ['deployment/backstage'] }).map(w => w.name)).toEqual(['backstage']);
    expect(findBackstageWorkloads(objects, { names: ['nothing-here'] })).toEqual([]);
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'backstage', tier: 'backend' };
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'backstage' } }, true],
    [{ matchLabels: { app: 'other' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend', 'api'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, false],
    [undefined, false],
  ])('%j → %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

describe('assessEgress', () => {
  const policy = (name: string, spec: object, namespace = 'portal') =>
    ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
  const labels = { app: 'backstage' };

  it('is none without a policy, with an ingress-only one, or with one of another namespace', () => {
    expect(assessEgress([], 'portal', labels).verdict).toBe('none');
    const ingressOnly = policy('ingress', { podSelector: {}, ingress: [{}] });
    const elsewhere = policy('egress', { podSelector: {}, policyTypes: ['Egress'] }, 'other');
    const result = assessEgress([ingressOnly, elsewhere], 'portal', labels);
    expect(result).toEqual(expect.objectContaining({ verdict: 'none', ingressOnly: ['ingress'] }));
  });

  it('reads an egress section without policyTypes as an Egress policy; no rules deny all', () => {
    expect(assessEgress([policy('deny', { podSelector: {}, egress: [] })], 'portal', labels)).toEqual(
      expect.objectContaining({ verdict: 'restricted', policies: ['deny'] }),
    );
    expect(assessEgress([policy('deny', { podSelector: {}, policyTypes: ['Egress'] })], 'portal', labels).verdict).toBe('restricted');
  });

  it('is allow-all when any selecting policy has a rule to anywhere on any port', () => {
    const strict = policy('strict', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53 }] }] });
    for (const rule of [{}, { to: [] }, { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }]) {
      const open = policy('open', { podSelector: { matchLabels: labels }, policyTypes: ['Egress'], egress: [rule] });
      expect(assessEgress([strict, open], 'portal', labels)).toEqual(
        expect.objectContaining({ verdict: 'allow-all', opening: expect.objectContaining({ policy: 'open', rule: 0 }) }),
      );
    }
    const except = policy('except', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }],
    });
    expect(assessEgress([except], 'portal', labels).verdict).toBe('restricted');
  });

  it('is open-ports when anywhere is allowed on ports beyond DNS', () => {
    const https = policy('https', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53 }, { port: 443 }] }] });
    expect(assessEgress([https], 'portal', labels)).toEqual(
      expect.objectContaining({ verdict: 'open-ports', opening: expect.objectContaining({ ports: ['53', '443'] }) }),
    );
  });

  it('treats objects without a namespace as sharing one, never with a named namespace', () => {
    const unnamed = { ...policy('p', { podSelector: {}, policyTypes: ['Egress'] }), metadata: { name: 'p' } };
    expect(assessEgress([unnamed], '', labels).verdict).toBe('restricted');
    expect(assessEgress([unnamed], 'portal', labels).verdict).toBe('none');
  });
});

describe('assessBackstageWorkloads', () => {
  it('finds nothing to fix in the hardened deployment', () => {
    const [posture, ...rest] = assessBackstageWorkloads(objectsOf(HARDENED));
    expect(rest).toEqual([]);
    expect(posture.workload.name).toBe('portal');
    expect(posture.egress).toEqual(expect.objectContaining({ verdict: 'restricted', policies: ['backend-egress'] }));
    expect(posture.podSecurity).toEqual([]);
    expect(posture.serviceAccountToken).toEqual(
      expect.objectContaining({ mounted: false, decidedBy: 'service-account', serviceAccount: 'backstage', serviceAccountIndex: 0 }),
    );
    expect(posture.secrets).toEqual([
      expect.objectContaining({ kind: 'volume', name: 'github-app', secretName: 'github-app' }),
    ]);
    expect(posture.images).toEqual([expect.objectContaining({ pinning: 'digest' })]);
  });

  it('reports root, privileged, writable filesystem, the token, env secrets and unpinned images', () => {
    const [posture] = assessBackstageWorkloads(objectsOf(OPEN));
    expect(posture.egress.verdict).toBe('none');
    const byRule = posture.podSecurity.map(i => `${i.container}:${i.rule}:${i.field}`);
    expect(byRule).toEqual([
      'backstage:privileged:spec.template.spec.containers[0].securityContext.privileged',
      'backstage:run-as-root:spec.template.spec.securityContext.runAsUser',
      'backstage:writable-root-filesystem:spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'sidecar:run-as-root:spec.template.spec.securityContext.runAsUser',
      'sidecar:writable-root-filesystem:spec.template.spec.containers[1].securityContext.readOnlyRootFilesystem',
      'sidecar:privilege-escalation:spec.template.spec.containers[1].securityContext.allowPrivilegeEscalation',
    ]);
    expect(posture.serviceAccountToken).toEqual(
      expect.objectContaining({ mounted: true, decidedBy: 'default', serviceAccount: 'default' }),
    );
    expect(posture.secrets.map(s => [s.kind, s.name, s.field])).toEqual([
      ['env-literal', 'GITHUB_TOKEN', 'spec.template.spec.containers[0].env[0].value'],
      ['env-secret-ref', 'POSTGRES_PASSWORD', 'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef'],
      ['env-from-secret', 'integrations', 'spec.template.spec.containers[0].envFrom[0].secretRef'],
    ]);
    // The value is only there for the finding factory to mask; nothing else carries it.
    expect(posture.secrets[0].literal).toEqual({ kind: expect.any(String), value: PLANTED });
    const { literal, ...rest } = posture.secrets[0];
    expect(JSON.stringify([rest, posture.podSecurity, posture.images, posture.egress])).not.toContain(PLANTED);
    expect(posture.images.map(i => [i.container, i.pinning])).toEqual([
      ['backstage', 'latest'],
      ['sidecar', 'no-tag'],
    ]);
  });

  it('lets the pod spec decide the token over its service account, and a non-zero user passes', () => {
    const objects = objectsOf(`
apiVersion: v1
kind: ServiceAccount
metadata: { name: default }
automountServiceAccountToken: false
---
apiVersion: v1
kind: Pod
metadata: { name: backstage, labels: { app: backstage } }
spec:
  automountServiceAccountToken: true
  containers:
    - name: backend
      image: registry.local:5000/backstage:2.1
      securityContext: { runAsUser: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }
`);
    const [posture] = assessBackstageWorkloads(objects);
    expect(posture.serviceAccountToken).toEqual(
      expect.objectContaining({ mounted: true, decidedBy: 'pod', field: 'spec.automountServiceAccountToken' }),
    );
    expect(posture.podSecurity).toEqual([]);
    expect(posture.images).toEqual([expect.objectContaining({ pinning: 'tag', image: 'registry.local:5000/backstage:2.1' })]);
  });

  it('reads Helm-rendered multi-document YAML and kind: List', () => {
    const rendered = `---
# Source: backstage/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: release-backstage
---
# Source: backstage/templates/backstage-deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-backstage
  labels:
    app.kubernetes.io/name: backstage
    app.kubernetes.io/instance: release
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: backstage
        app.kubernetes.io/instance: release
    spec:
      serviceAccountName: release-backstage
      containers:
        - name: backstage-backend
          image: ghcr.io/backstage/backstage:latest
`;
    const [posture] = assessBackstageWorkloads(objectsOf(rendered));
    expect(posture.workload).toEqual(expect.objectContaining({ name: 'release-backstage', index: 1 }));
    expect(posture.serviceAccountToken).toEqual(expect.objectContaining({ mounted: true, serviceAccount: 'release-backstage' }));
    const list = kubernetesObjectsOf([{ apiVersion: 'v1', kind: 'List', items: objectsOf(rendered) }]);
    expect(list.map(o => [o.doc, o.path, o.object.kind])).toEqual([
      [0, 'items[0]', 'ServiceAccount'],
      [0, 'items[1]', 'Deployment'],
    ]);
  });
});
