import { CheckResult } from '@security-posture/plugin-security-posture-node';
import { ClusterEnvironment, processClusterEnvironment } from './clusterApi';
import { clusterLoader } from './inCluster';
import { createKubernetesCheck } from './kubernetesCheck';
import { locate, workloadLabel } from './subject';

export const K8S_NETWORK_POLICY_CHECK_ID = 'runtime/k8s-network-policy';

const REMEDIATION =
  'Apply a NetworkPolicy in the backend\'s namespace whose podSelector selects its pods, with `policyTypes: [Egress]` and egress rules for DNS (port 53), the database and the integrations\' hosts only, "deny all other egress by omission" (hardening guide, "Network isolation"). Allow port 443 to the integrations\' address ranges (or FQDN-based rules with Cilium), not to anywhere; add an egress proxy (Squid, Envoy) that logs and filters outbound requests where addresses cannot be listed.';

/**
 * Whether a NetworkPolicy restricts the Backstage pods' egress: a malicious plugin in the backend
 * process can send every secret it holds to any host the pod can reach.
 */
export function createK8sNetworkPolicyCheck(
  environment: () => ClusterEnvironment = processClusterEnvironment,
) {
  return createKubernetesCheck(
    {
      id: K8S_NETWORK_POLICY_CHECK_ID,
      version: 1,
      title: 'Backstage pods without an egress NetworkPolicy',
      category: 'runtime',
      defaultSeverity: 'high',
      description:
        'For each Backstage workload (Kubernetes manifests given to the CLI, or the backend\'s own pod and its namespace\'s NetworkPolicies read from the API): fails high when no NetworkPolicy of its namespace selects its pods with an Egress policy type, or when one has an egress rule to every destination on every port (no `to`, or `0.0.0.0/0` without exceptions); fails medium when every destination is allowed on ports beyond DNS (e.g. 443 to anywhere); passes when egress is limited to listed destinations (or denied). NetworkPolicies are additive: one open rule opens egress.',
      remediation: REMEDIATION,
      docsUrl: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/',
    },
    subject =>
      subject.postures.map((posture): CheckResult => {
        const label = workloadLabel(posture);
        const { egress } = posture;
        if (egress.verdict === 'none') {
          const { location, evidence } = locate(subject, posture.workload.index, 'metadata.name');
          return {
            outcome: 'fail',
            target: { type: 'deployment' },
            location: `${location}#no-egress-policy`,
            message: `No NetworkPolicy in namespace ${posture.workload.namespace || '(unspecified)'} selects the pods of ${label} with policyTypes Egress${
              egress.ingressOnly.length ? ` (${egress.ingressOnly.join(', ')} restrict ingress only)` : ''
            }: the backend can open connections to any host, so a malicious plugin can send the process's secrets anywhere`,
            evidence: { ...evidence, workload: label, verdict: egress.verdict, ingressOnly: egress.ingressOnly },
          };
        }
        if (egress.opening && (egress.verdict === 'allow-all' || egress.verdict === 'open-ports')) {
          const { policy, index, rule, ports } = egress.opening;
          const { location, evidence } = locate(subject, index, `spec.egress[${rule}]`);
          const allowAll = egress.verdict === 'allow-all';
          return {
            outcome: 'fail',
            severity: allowAll ? 'high' : 'medium',
            target: { type: 'deployment' },
            location: `${location}#${egress.verdict}`,
            message: allowAll
              ? `NetworkPolicy ${policy} selects ${label} for egress, but its egress rule ${rule} allows every destination on every port: egress is not restricted`
              : `NetworkPolicy ${policy} selects ${label} for egress, but its egress rule ${rule} allows every destination on port(s) ${ports.join(', ')}: data can leave over these ports to any host`,
            evidence: { ...evidence, workload: label, verdict: egress.verdict, policies: egress.policies, ports },
          };
        }
        const { evidence } = locate(subject, posture.workload.index, 'metadata.name');
        return {
          outcome: 'pass',
          target: { type: 'deployment' },
          message: `Egress of ${label} is restricted by ${egress.policies.join(', ')}`,
          evidence: { ...evidence, workload: label, verdict: egress.verdict, policies: egress.policies },
        };
      }),
    clusterLoader(environment, { networkPolicies: true }),
  );
}
