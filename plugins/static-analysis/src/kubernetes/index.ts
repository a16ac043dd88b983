/**
 * The Backstage backend's Kubernetes posture from parsed objects (manifests, Helm-rendered YAML,
 * or what the API returns): which workloads run it, whether a NetworkPolicy restricts their
 * egress, their pod security settings, the service-account token, how secrets reach them and how
 * their images are pinned. Pure: no I/O.
 */
import { assessEgress, EgressAssessment } from './networkPolicy';
import { KubernetesObject } from './objects';
import {
  assessImagePinning,
  assessPodSecurity,
  assessSecretUse,
  assessServiceAccountToken,
  ImagePinning,
  SecretUse,
  ServiceAccountTokenAssessment,
  WorkloadIssue,
} from './podSecurity';
import { BackstageWorkload, findBackstageWorkloads } from './workloads';

export {
  isKubernetesObject,
  kubernetesObjectsOf,
  nameOf,
  namespaceOf,
  podTemplateOf,
  WORKLOAD_KINDS,
} from './objects';
export type { KubernetesObject, PodTemplate } from './objects';
export * from './networkPolicy';
export * from './podSecurity';
export * from './workloads';

/** Everything the checks say about one Backstage workload. */
export interface WorkloadPosture {
  workload: BackstageWorkload;
  egress: EgressAssessment;
  podSecurity: WorkloadIssue[];
  serviceAccountToken: ServiceAccountTokenAssessment;
  secrets: SecretUse[];
  images: ImagePinning[];
}

/** The posture of every Backstage workload among the objects (see {@link findBackstageWorkloads}). */
export function assessBackstageWorkloads(
  objects: KubernetesObject[],
  options: { names?: string[] } = {},
): WorkloadPosture[] {
  return findBackstageWorkloads(objects, options).map(workload => ({
    workload,
    egress: assessEgress(objects, workload.namespace, workload.template.labels),
    podSecurity: assessPodSecurity(workload.template),
    serviceAccountToken: assessServiceAccountToken(workload.template, workload.namespace, objects),
    secrets: assessSecretUse(workload.template),
    images: assessImagePinning(workload.template),
  }));
}
