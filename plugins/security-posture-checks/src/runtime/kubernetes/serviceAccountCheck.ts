import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { ClusterEnvironment, processClusterEnvironment } from './clusterApi';
import { serviceAccountRightsResults } from './inCluster';
import { KubernetesSubject, locate, manifestSubject, noWorkload, workloadLabel } from './subject';

export const K8S_SERVICE_ACCOUNT_CHECK_ID = 'runtime/k8s-service-account';

export const SERVICE_ACCOUNT_REMEDIATION =
  'Set `automountServiceAccountToken: false` on the Backstage pod spec (or its ServiceAccount) unless the backend itself calls the Kubernetes API; the Kubernetes plugin reads clusters with the tokens configured under `kubernetes.clusterLocatorMethods`, not with the pod\'s own. If the pod needs its token, bind its ServiceAccount to a Role with only the verbs and resources it uses: no `get`/`list` on secrets, no `create` on pods, no ClusterRole.';

/** `automountServiceAccountToken` of the Backstage workloads in manifests. */
export function manifestTokenResults(subject: KubernetesSubject): CheckResult[] {
  return subject.postures.map((posture): CheckResult => {
    const label = workloadLabel(posture);
    const token = posture.serviceAccountToken;
    const where = token.serviceAccountIndex ?? posture.workload.index;
    const { location, evidence } = locate(subject, where, token.field);
    const detail = {
      ...evidence,
      workload: label,
      serviceAccount: token.serviceAccount,
      decidedBy: token.decidedBy,
    };
    if (!token.mounted) {
      return {
        outcome: 'pass',
        target: { type: 'deployment' },
        message: `${label}: no service-account token is mounted (automountServiceAccountToken: false on the ${
          token.decidedBy === 'pod' ? 'pod spec' : `ServiceAccount ${token.serviceAccount}`
        })`,
        evidence: detail,
      };
    }
    return {
      outcome: 'fail',
      target: { type: 'deployment' },
      location: `${location}#automount`,
      message: `${label}: the token of ServiceAccount ${token.serviceAccount} is mounted into the pods (${
        token.decidedBy === 'default'
          ? 'automountServiceAccountToken is set neither on the pod spec nor on the ServiceAccount, so it defaults to true'
          : `automountServiceAccountToken: true on the ${token.decidedBy === 'pod' ? 'pod spec' : 'ServiceAccount'}`
      }): any code in the backend can call the Kubernetes API with its rights`,
      evidence: detail,
    };
  });
}

/**
 * The service-account token of the Backstage pods: mounted or not (manifests), and in a cluster
 * what the mounted token may do.
 */
export function createK8sServiceAccountCheck(
  environment: () => ClusterEnvironment = processClusterEnvironment,
) {
  return createSecurityCheck({
    meta: {
      id: K8S_SERVICE_ACCOUNT_CHECK_ID,
      version: 1,
      title: 'Service-account token mounted into the Backstage pods',
      category: 'runtime',
      defaultSeverity: 'medium',
      description:
        'Manifests: fails when a Backstage workload gets its service-account token mounted (`automountServiceAccountToken` not false on the pod spec, else on its ServiceAccount; true by default). In a cluster: whether a token is mounted in the backend\'s pod, and what it may do (SelfSubjectRulesReview and SelfSubjectAccessReview): rights to do anything cluster-wide fail critical, reading secrets or creating pods (in the namespace or cluster-wide) high, a mounted token with narrower rights low; a refused review or an API that does not answer is an error.',
      remediation: SERVICE_ACCOUNT_REMEDIATION,
      docsUrl: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting',
    },
    async run(context) {
      const manifests = manifestSubject(context.options);
      if (manifests) {
        const none = noWorkload(manifests);
        return none ? [none] : manifestTokenResults(manifests);
      }
      return serviceAccountRightsResults(environment());
    },
  });
}
