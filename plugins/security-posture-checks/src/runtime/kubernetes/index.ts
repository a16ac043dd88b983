import { createK8sImagePinningCheck } from './imagePinningCheck';
import { createK8sNetworkPolicyCheck } from './networkPolicyCheck';
import { createK8sPodSecurityCheck } from './podSecurityCheck';
import { createK8sSecretsHandlingCheck } from './secretsHandlingCheck';
import { createK8sServiceAccountCheck } from './serviceAccountCheck';

export { MANIFESTS_OPTION } from './subject';
export type { LocatedObject } from './subject';

/** The Backstage workload's Kubernetes posture, from manifests (CLI) or from the API (in a cluster). */
export const kubernetesChecks = () => [
  createK8sNetworkPolicyCheck(),
  createK8sPodSecurityCheck(),
  createK8sServiceAccountCheck(),
  createK8sSecretsHandlingCheck(),
  createK8sImagePinningCheck(),
];

/** Ids of the checks that read Kubernetes manifests in the CLI. */
export const KUBERNETES_MANIFEST_CHECK_IDS = [
  'runtime/k8s-network-policy',
  'runtime/k8s-pod-security',
  'runtime/k8s-service-account',
  'runtime/k8s-secrets-handling',
  'runtime/k8s-image-pinning',
];
