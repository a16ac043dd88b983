import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import { ClusterEnvironment, processClusterEnvironment } from './clusterApi';
import { clusterLoader, processUserResult } from './inCluster';
import { resolveSubject } from './kubernetesCheck';
import { KubernetesSubject, locate, manifestSubject, workloadLabel } from './subject';

export const K8S_POD_SECURITY_CHECK_ID = 'runtime/k8s-pod-security';

const REMEDIATION =
  'Set the pod\'s `securityContext.runAsNonRoot: true` with a non-zero `runAsUser` (the Backstage image runs as the `node` user, uid 1000), and on every container `securityContext.readOnlyRootFilesystem: true` (mount an `emptyDir` at `/tmp` for what the backend writes), `allowPrivilegeEscalation: false`, no `privileged: true`, and `capabilities.drop: [ALL]`: a compromised plugin then cannot change the backend\'s code or gain root inside the container.';

/** The pod security results of manifests or of the running pod's spec. */
export function podSecurityResults(subject: KubernetesSubject): CheckResult[] {
  return subject.postures.flatMap(posture => {
    const label = workloadLabel(posture);
    if (!posture.podSecurity.length) {
      const { evidence } = locate(subject, posture.workload.index, 'metadata.name');
      return [
        {
          outcome: 'pass' as const,
          target: { type: 'deployment' as const },
          message: `${label} runs as non-root with a read-only root filesystem, without privilege escalation`,
          evidence: { ...evidence, workload: label },
        },
      ];
    }
    return posture.podSecurity.map((issue): CheckResult => {
      const { location, evidence } = locate(subject, posture.workload.index, issue.field);
      return {
        outcome: 'fail',
        severity: issue.severity,
        target: { type: 'deployment' },
        location: `${location}#${issue.rule}`,
        title: `${label}: ${issue.rule.replace(/-/g, ' ')}`,
        message: `${label}: ${issue.message}`,
        evidence: { ...evidence, workload: label, rule: issue.rule, container: issue.container ?? '' },
      };
    });
  });
}

/**
 * Root, privileged containers, writable root filesystems and privilege escalation of the
 * Backstage workloads.
 */
export function createK8sPodSecurityCheck(
  environment: () => ClusterEnvironment = processClusterEnvironment,
) {
  return createSecurityCheck({
    meta: {
      id: K8S_POD_SECURITY_CHECK_ID,
      version: 1,
      title: 'Backstage pods run as root or with a writable root filesystem',
      category: 'runtime',
      defaultSeverity: 'medium',
      description:
        'For each container of each Backstage workload (manifests given to the CLI, or the running pod\'s spec read from the API): `privileged: true` and `runAsUser: 0` (container over pod) fail high; no `runAsNonRoot: true` without a non-zero `runAsUser`, `readOnlyRootFilesystem` not true, and `allowPrivilegeEscalation` not false fail medium. In a cluster, the backend process\'s own uid 0 fails high too.',
      remediation: REMEDIATION,
      docsUrl: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
    },
    async run(context) {
      const subject = await resolveSubject(
        context,
        clusterLoader(environment, { networkPolicies: false }),
      );
      const results = 'outcome' in subject ? [subject] : podSecurityResults(subject);
      // In a cluster the process itself tells whether it runs as root, readable spec or not.
      const own = manifestSubject(context.options) ? undefined : processUserResult(environment());
      return own ? [...results, own] : results;
    },
  });
}
