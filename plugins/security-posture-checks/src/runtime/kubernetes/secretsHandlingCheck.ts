import { CheckResult } from '@security-posture/plugin-security-posture-node';
import { ClusterEnvironment, processClusterEnvironment } from './clusterApi';
import { clusterLoader } from './inCluster';
import { createKubernetesCheck } from './kubernetesCheck';
import { locate, workloadLabel } from './subject';

export const K8S_SECRETS_HANDLING_CHECK_ID = 'runtime/k8s-secrets-handling';

/**
 * How secrets reach the Backstage containers: literal credentials in env values (high), Secrets
 * as env variables (low), Secrets mounted as files (pass). Values are only ever handed to the
 * finding factory, which masks and fingerprints them.
 */
export function createK8sSecretsHandlingCheck(
  environment: () => ClusterEnvironment = processClusterEnvironment,
) {
  return createKubernetesCheck(
    {
      id: K8S_SECRETS_HANDLING_CHECK_ID,
      version: 1,
      title: 'Backstage secrets passed as environment variables',
      category: 'runtime',
      defaultSeverity: 'low',
      description:
        'For each container of each Backstage workload: an `env[].value` that the secret detectors take for a credential fails high (it is in the manifest, its history and every `kubectl get -o yaml`; only a mask and fingerprint are shown); a Secret passed as an environment variable (`env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`) fails low (every plugin reads `process.env`, child processes inherit it, crash reports and debug endpoints print it); Secrets mounted as files pass.',
      remediation:
        'Move literal values into a Secret (fed by your secrets manager) and rotate them. Mount Secrets as read-only files (`volumes[].secret`, `volumeMounts[].readOnly: true`) and read them in app-config with `$file: /run/secrets/<name>` instead of `${ENV}` substitutions.',
      docsUrl: 'https://kubernetes.io/docs/concepts/security/secrets-good-practices/',
    },
    subject =>
      subject.postures.flatMap(posture => {
        const label = workloadLabel(posture);
        const results: CheckResult[] = [];
        for (const use of posture.secrets) {
          const { location, evidence } = locate(subject, posture.workload.index, use.field);
          const detail = { ...evidence, workload: label, container: use.container ?? '', kind: use.kind, name: use.name };
          if (use.kind === 'env-literal' && use.literal) {
            results.push({
              outcome: 'fail',
              severity: 'high',
              target: { type: 'deployment' },
              location: `${location}#literal`,
              title: `${label}: literal credential in env ${use.name}`,
              message: `${label}, container ${use.container}: env ${use.name} holds a credential written in the manifest (${use.literal.kind})`,
              evidence: detail,
              secret: { value: use.literal.value, kind: use.literal.kind },
            });
          } else if (use.kind === 'env-secret-ref' || use.kind === 'env-from-secret') {
            results.push({
              outcome: 'fail',
              target: { type: 'deployment' },
              location: `${location}#env`,
              message:
                use.kind === 'env-secret-ref'
                  ? `${label}, container ${use.container}: Secret ${use.secretName} reaches the process as env ${use.name}, readable by every plugin through process.env`
                  : `${label}, container ${use.container}: every key of Secret ${use.secretName} reaches the process as environment variables (envFrom), readable by every plugin through process.env`,
              evidence: { ...detail, secretName: use.secretName ?? '' },
            });
          }
        }
        if (!results.length) {
          const { evidence } = locate(subject, posture.workload.index, 'metadata.name');
          const mounted = posture.secrets.filter(s => s.kind === 'volume');
          results.push({
            outcome: 'pass',
            target: { type: 'deployment' },
            message: `${label}: no secret in environment variables${
              mounted.length ? `; ${mounted.length} Secret volume mount(s)` : ''
            }`,
            evidence: { ...evidence, workload: label, secretMounts: mounted.map(m => m.name) },
          });
        }
        return results;
      }),
    clusterLoader(environment, { networkPolicies: false }),
  );
}
