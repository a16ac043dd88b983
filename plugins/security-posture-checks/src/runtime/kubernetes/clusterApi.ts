import fs from 'node:fs/promises';
import path from 'node:path';
import type * as ClientNode from '@kubernetes/client-node';
import { KubernetesObject } from '@security-posture/static-analysis';

/**
 * @kubernetes/client-node 1.x is ESM-only ("type": "module"); this package is CommonJS. It is
 * required on first use in a cluster only, so that the CLI and backends outside Kubernetes never
 * load it: Node 20.19+ and 22.12+ require ESM without a flag (the client has no top-level await),
 * older 20/22 releases do not. Jest loads it through the Backstage CLI's SWC transform of
 * node_modules. (0.x is CommonJS but built on the deprecated `request` package.)
 */
function clientNode(): typeof ClientNode {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@kubernetes/client-node');
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const DEFAULT_TIMEOUT_MS = 5000;

/** What the in-cluster checks read from the process; tests replace it. */
export interface ClusterEnvironment {
  env: Record<string, string | undefined>;
  /** Where the kubelet mounts the service-account token, CA and namespace. */
  serviceAccountDir: string;
  /** The process's uid (undefined where the platform has none). */
  uid(): number | undefined;
  timeoutMs?: number;
}

export const processClusterEnvironment = (): ClusterEnvironment => ({
  env: process.env,
  serviceAccountDir: SERVICE_ACCOUNT_DIR,
  uid: () => process.getuid?.(),
});

export const inKubernetes = (environment: ClusterEnvironment) =>
  !!environment.env.KUBERNETES_SERVICE_HOST;

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The mounted service-account files: the token's presence (never its value outside the client). */
export interface ServiceAccountMount {
  tokenMounted: boolean;
  namespace?: string;
  podName?: string;
}

/** Why an API call failed, in words that name no credential. */
export class ClusterApiError extends Error {
  name = 'ClusterApiError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function describeFailure(what: string, e: unknown, server: string): ClusterApiError {
  if (e instanceof clientNode().ApiException) {
    const body = e.body as unknown;
    let reason = '';
    if (typeof body === 'string') {
      try {
        reason = String(JSON.parse(body)?.message ?? '');
      } catch {
        reason = '';
      }
    } else if (body && typeof body === 'object') {
      reason = String((body as { message?: unknown }).message ?? '');
    }
    return new ClusterApiError(
      `${what}: HTTP ${e.code}${reason ? ` (${reason.slice(0, 300)})` : ''}`,
      e.code,
    );
  }
  const cause = (e as { cause?: { code?: unknown } })?.cause?.code;
  const code = (e as { code?: unknown })?.code;
  let detail = e instanceof Error ? e.message.split('\n')[0].slice(0, 200) : String(e);
  if (typeof cause === 'string') detail = cause;
  else if (typeof code === 'string') detail = code;
  if (/CERT|SELF_SIGNED|TLS|SSL/.test(detail)) {
    return new ClusterApiError(
      `${what}: the certificate of the Kubernetes API at ${server} is not trusted by the mounted CA (${detail})`,
    );
  }
  return new ClusterApiError(`${what}: the Kubernetes API at ${server} did not answer (${detail})`);
}

/**
 * The Kubernetes API as the pod's service account, through the official client. Every call has a
 * timeout and fails with a {@link ClusterApiError} whose message carries the HTTP status.
 */
export class ClusterApi {
  private constructor(
    private readonly config: ClientNode.KubeConfig,
    readonly server: string,
    private readonly timeoutMs: number,
  ) {}

  /** The mounted files, without reading the token into anything but the client. */
  static async mount(environment: ClusterEnvironment): Promise<ServiceAccountMount> {
    const dir = environment.serviceAccountDir;
    const token = await readIfPresent(path.join(dir, 'token'));
    const namespace =
      (await readIfPresent(path.join(dir, 'namespace')))?.trim() ||
      environment.env.POD_NAMESPACE ||
      undefined;
    const podName = environment.env.POD_NAME || environment.env.HOSTNAME || undefined;
    return { tokenMounted: !!token?.trim(), namespace, podName };
  }

  /** A client authenticated with the mounted token, or undefined without one. */
  static async connect(environment: ClusterEnvironment): Promise<ClusterApi | undefined> {
    const dir = environment.serviceAccountDir;
    const token = (await readIfPresent(path.join(dir, 'token')))?.trim();
    if (!token) return undefined;
    const host = environment.env.KUBERNETES_SERVICE_HOST ?? '';
    const port = environment.env.KUBERNETES_SERVICE_PORT ?? '443';
    // What the kubelet sets in every pod; the API's certificate is signed by the mounted CA.
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const caFile = path.join(dir, 'ca.crt');
    const hasCa = (await readIfPresent(caFile)) !== undefined;
    const { KubeConfig } = clientNode();
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'in-cluster', server, skipTLSVerify: false, ...(hasCa ? { caFile } : {}) }],
      users: [{ name: 'service-account', token }],
      contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account' }],
      currentContext: 'in-cluster',
    });
    return new ClusterApi(config, server, environment.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ClusterApiError(`${what}: no answer from ${this.server} within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([request(), timeout]);
    } catch (e) {
      if (e instanceof ClusterApiError) throw e;
      throw describeFailure(what, e, this.server);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The pod, as a plain object with its kind (the API omits nothing here, the client may). */
  async readPod(namespace: string, name: string): Promise<KubernetesObject> {
    const pod = await this.call(`get pods/${name} in ${namespace}`, () =>
      this.config.makeApiClient(clientNode().CoreV1Api).readNamespacedPod({ name, namespace }),
    );
    return { ...JSON.parse(JSON.stringify(pod)), apiVersion: 'v1', kind: 'Pod' };
  }

  /** The namespace's NetworkPolicies (list items carry no kind: it is added). */
  async listNetworkPolicies(namespace: string): Promise<KubernetesObject[]> {
    const list = await this.call(`list networkpolicies in ${namespace}`, () =>
      this.config.makeApiClient(clientNode().NetworkingV1Api).listNamespacedNetworkPolicy({ namespace }),
    );
    return (list.items ?? []).map(item => ({
      ...JSON.parse(JSON.stringify(item)),
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
    }));
  }

  /** What the service account may do in a namespace (SelfSubjectRulesReview). */
  async rulesReview(
    namespace: string,
  ): Promise<{ rules: ClientNode.V1ResourceRule[]; incomplete: boolean; evaluationError?: string }> {
    const review = await this.call(`SelfSubjectRulesReview in ${namespace}`, () =>
      this.config.makeApiClient(clientNode().AuthorizationV1Api).createSelfSubjectRulesReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectRulesReview',
          spec: { namespace },
        },
      }),
    );
    return {
      rules: review.status?.resourceRules ?? [],
      incomplete: !!review.status?.incomplete,
      evaluationError: review.status?.evaluationError,
    };
  }

  /** Whether the service account may do one thing (SelfSubjectAccessReview); no namespace = cluster-wide. */
  async accessReview(attributes: {
    verb: string;
    resource: string;
    group?: string;
    namespace?: string;
  }): Promise<boolean> {
    const where = attributes.namespace ? `in ${attributes.namespace}` : 'cluster-wide';
    const review = await this.call(
      `SelfSubjectAccessReview (${attributes.verb} ${attributes.resource} ${where})`,
      () =>
        this.config.makeApiClient(clientNode().AuthorizationV1Api).createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { group: attributes.group ?? '', ...attributes } },
          },
        }),
    );
    return review.status?.allowed === true;
  }
}
