import { CheckResult } from '@security-posture/plugin-security-posture-node';
import type { V1ResourceRule } from '@kubernetes/client-node';
import { ClusterApi, ClusterApiError, ClusterEnvironment, inKubernetes } from './clusterApi';
import { ClusterLoader } from './kubernetesCheck';
import { LocatedObject, NOT_IN_KUBERNETES, subjectOf } from './subject';

const CHECK_THE_MANIFESTS = 'check the deployment manifests with `security-posture scan`';

/**
 * The backend's own pod (by `POD_NAME`, else `HOSTNAME`, in the namespace of the mounted service
 * account, else `POD_NAMESPACE`) and, when asked, its namespace's NetworkPolicies, read from the
 * API with the pod's own token. Without a token, or when the API refuses (narrow rights are
 * good), the checks are not applicable and say why; an API that does not answer is an error.
 */
export function clusterLoader(
  environment: () => ClusterEnvironment,
  what: { networkPolicies: boolean },
): ClusterLoader {
  return async () => {
    const env = environment();
    if (!inKubernetes(env)) return { notApplicable: NOT_IN_KUBERNETES };
    const mount = await ClusterApi.mount(env);
    if (!mount.tokenMounted) {
      return {
        notApplicable: `No service-account token is mounted (${env.serviceAccountDir}): the backend cannot read its own pod spec${
          what.networkPolicies ? " or its namespace's NetworkPolicies" : ''
        } from the API; ${CHECK_THE_MANIFESTS}`,
      };
    }
    if (!mount.namespace || !mount.podName) {
      return {
        error:
          'Running in Kubernetes, but the pod name (POD_NAME or HOSTNAME) or its namespace (the service account\'s namespace file or POD_NAMESPACE) is unknown',
      };
    }
    const api = await ClusterApi.connect(env);
    if (!api) return { notApplicable: `No service-account token is mounted (${env.serviceAccountDir})` };
    try {
      const objects: LocatedObject[] = [{ object: await api.readPod(mount.namespace, mount.podName), path: '' }];
      if (what.networkPolicies) {
        for (const policy of await api.listNetworkPolicies(mount.namespace)) {
          objects.push({ object: policy, path: '' });
        }
      }
      return subjectOf('cluster', objects, [`${mount.namespace}/${mount.podName}`]);
    } catch (e) {
      if (e instanceof ClusterApiError && (e.status === 401 || e.status === 403)) {
        return {
          notApplicable: `The API refused ${e.message}: the service account may not read this (narrow rights are good); ${CHECK_THE_MANIFESTS}`,
        };
      }
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };
}

/** The backend process's own uid, in a cluster only. */
export function processUserResult(environment: ClusterEnvironment): CheckResult | undefined {
  if (!inKubernetes(environment)) return undefined;
  const uid = environment.uid();
  if (uid === undefined) return undefined;
  if (uid === 0) {
    return {
      outcome: 'fail',
      severity: 'high',
      target: { type: 'deployment' },
      location: 'process#uid-0',
      title: 'The backend process runs as root',
      message: 'The backend process runs as uid 0 (root) in its container',
      evidence: { uid },
    };
  }
  return {
    outcome: 'pass',
    target: { type: 'deployment' },
    message: `The backend process runs as uid ${uid}, not root`,
    evidence: { uid },
  };
}

/** What a mounted token must not allow; no namespace = cluster-wide. */
const QUESTIONS: Array<{ verb: string; resource: string; group?: string; clusterWide: boolean; label: string }> = [
  { verb: 'get', resource: 'secrets', clusterWide: false, label: 'read secrets' },
  { verb: 'list', resource: 'secrets', clusterWide: false, label: 'list secrets' },
  { verb: 'create', resource: 'pods', clusterWide: false, label: 'create pods' },
  { verb: 'list', resource: 'secrets', clusterWide: true, label: 'list secrets in every namespace' },
  { verb: 'create', resource: 'pods', clusterWide: true, label: 'create pods in every namespace' },
  { verb: '*', resource: '*', group: '*', clusterWide: true, label: 'do anything anywhere (cluster-admin)' },
];

function ruleText(rule: V1ResourceRule): string {
  const groups = (rule.apiGroups ?? []).filter(g => g !== '');
  const names = rule.resourceNames?.length ? ` [${rule.resourceNames.join(', ')}]` : '';
  return `${rule.verbs.join(',')} ${(rule.resources ?? []).join(',') || '(none)'}${
    groups.length ? ` (${groups.join(', ')})` : ''
  }${names}`.slice(0, 300);
}

// Every authenticated user may create these two reviews (ClusterRole system:basic-user).
const SELF_REVIEWS = /^create selfsubject(?:access|rules)reviews(?:,selfsubject(?:access|rules)reviews)* \(authorization\.k8s\.io\)$/;

/**
 * In a cluster: whether a service-account token is mounted, and what it may do there
 * (SelfSubjectRulesReview for the namespace's rules, SelfSubjectAccessReview for the questions
 * above). A review the API refuses or an API that does not answer is an error: the rights are
 * then unknown, which is no pass.
 */
export async function serviceAccountRightsResults(environment: ClusterEnvironment): Promise<CheckResult[]> {
  if (!inKubernetes(environment)) {
    return [{ outcome: 'notApplicable', target: { type: 'deployment' }, message: NOT_IN_KUBERNETES }];
  }
  const mount = await ClusterApi.mount(environment);
  const api = mount.tokenMounted ? await ClusterApi.connect(environment) : undefined;
  if (!api) {
    return [
      {
        outcome: 'pass',
        target: { type: 'deployment' },
        message: `No service-account token is mounted (${environment.serviceAccountDir}): code in the backend cannot call the Kubernetes API as the pod`,
        evidence: { tokenMounted: false },
      },
    ];
  }
  const namespace = mount.namespace;
  try {
    const review = namespace ? await api.rulesReview(namespace) : undefined;
    const allowed: string[] = [];
    let clusterAdmin = false;
    for (const q of QUESTIONS) {
      if (!q.clusterWide && !namespace) continue;
      const yes = await api.accessReview({
        verb: q.verb,
        resource: q.resource,
        group: q.group,
        ...(q.clusterWide ? {} : { namespace }),
      });
      if (yes) {
        allowed.push(q.clusterWide ? q.label : `${q.label} in ${namespace}`);
        if (q.resource === '*') clusterAdmin = true;
      }
    }
    const rules = (review?.rules ?? []).map(ruleText).filter(r => !SELF_REVIEWS.test(r));
    const evidence = {
      tokenMounted: true,
      namespace: namespace ?? '',
      allowed,
      rules: rules.slice(0, 50),
      rulesIncomplete: review?.incomplete ?? true,
    };
    if (allowed.length) {
      return [
        {
          outcome: 'fail',
          severity: clusterAdmin ? 'critical' : 'high',
          target: { type: 'deployment' },
          location: 'service-account#broad-rights',
          title: 'The backend pod\'s service account has broad rights',
          message: `A service-account token is mounted and may ${allowed.join('; ')}: any code in the backend, a malicious plugin included, can use it`,
          evidence,
        },
      ];
    }
    return [
      {
        outcome: 'fail',
        severity: 'low',
        target: { type: 'deployment' },
        location: 'service-account#mounted',
        title: 'A service-account token is mounted into the backend pod',
        message: `A service-account token is mounted; it may not read secrets, create pods or act cluster-wide (${
          rules.length ? `${rules.length} other rule(s) in ${namespace}: ${rules.slice(0, 5).join('; ')}` : 'no rules beyond the self-reviews'
        }${review?.incomplete ? '; the rules review was incomplete' : ''}). Unless the backend calls the API itself, do not mount it`,
        evidence,
      },
    ];
  } catch (e) {
    if (e instanceof ClusterApiError && e.status === 403) {
      return [
        {
          outcome: 'error',
          target: { type: 'deployment' },
          location: 'service-account#review-forbidden',
          message: `The API refused ${e.message}: the service account's rights could not be determined. Every authenticated user may create self-reviews by default (ClusterRole system:basic-user); this cluster's policy removed that`,
        },
      ];
    }
    return [
      {
        outcome: 'error',
        target: { type: 'deployment' },
        location: 'service-account#api-unavailable',
        message: `The service account's rights could not be determined: ${e instanceof Error ? e.message : String(e)}`,
      },
    ];
  }
}
