import { CheckResult } from '@security-posture/plugin-security-posture-node';
import { ClusterEnvironment, processClusterEnvironment } from './clusterApi';
import { clusterLoader } from './inCluster';
import { createKubernetesCheck } from './kubernetesCheck';
import { locate, workloadLabel } from './subject';

export const K8S_IMAGE_PINNING_CHECK_ID = 'runtime/k8s-image-pinning';

/** Whether the Backstage workloads' images are pinned by digest or by a tag other than `latest`. */
export function createK8sImagePinningCheck(
  environment: () => ClusterEnvironment = processClusterEnvironment,
) {
  return createKubernetesCheck(
    {
      id: K8S_IMAGE_PINNING_CHECK_ID,
      version: 1,
      title: 'Backstage image not pinned',
      category: 'runtime',
      defaultSeverity: 'medium',
      description:
        'For each container of each Backstage workload: an image without a tag or with `latest` fails (every restart may pull other code, unreviewed, into the process that holds every integration credential); a container without an image is an error. A digest (`@sha256:…`) or another tag passes; the evidence says which.',
      remediation:
        'Pin the image by digest (`ghcr.io/acme/backstage@sha256:…`) or at least by an immutable release tag built by your CI, and roll out new versions deliberately; `latest` changes under a running deployment.',
      docsUrl: 'https://kubernetes.io/docs/concepts/containers/images/#image-names',
    },
    subject =>
      subject.postures.flatMap(posture => {
        const label = workloadLabel(posture);
        return posture.images.map((image): CheckResult => {
          const { location, evidence } = locate(subject, posture.workload.index, image.field);
          const base = {
            target: { type: 'deployment' as const },
            evidence: { ...evidence, workload: label, container: image.container, image: image.image, pinning: image.pinning },
          };
          if (image.pinning === 'digest' || image.pinning === 'tag') {
            return {
              ...base,
              outcome: 'pass',
              message: `${label}, container ${image.container}: ${image.image} is pinned by ${image.pinning}`,
            };
          }
          if (image.pinning === 'missing') {
            return {
              ...base,
              outcome: 'error',
              location: `${location}#missing`,
              message: `${label}, container ${image.container} has no image`,
            };
          }
          return {
            ...base,
            outcome: 'fail',
            location: `${location}#${image.pinning}`,
            message: `${label}, container ${image.container} runs ${image.image}${
              image.pinning === 'no-tag' ? ' without a tag (that is latest)' : ''
            }: whatever the tag points at when a pod starts`,
          };
        });
      }),
    clusterLoader(environment, { networkPolicies: false }),
  );
}
