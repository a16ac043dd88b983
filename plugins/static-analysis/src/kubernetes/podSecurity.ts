import { Severity } from '@security-posture/plugin-security-posture-common';
import { detectSecrets } from '../secrets/secretDetectors';
import {
  asArray,
  asRecord,
  containersOf,
  isRecord,
  KubernetesObject,
  nameOf,
  namespaceOf,
  PodTemplate,
  stringOf,
} from './objects';

/** One thing wrong with a workload's pod spec, at a field path relative to the object. */
export interface WorkloadIssue {
  rule: string;
  severity: Severity;
  /** The container it is about, when it is about one. */
  container?: string;
  /** Where the setting is, or where it would have to be. */
  field: string;
  message: string;
}

function effective(
  template: PodTemplate,
  containerPath: string,
  container: Record<string, unknown>,
  key: string,
): { value: unknown; field: string } {
  const own = asRecord(container.securityContext);
  if (own[key] !== undefined) return { value: own[key], field: `${containerPath}.securityContext.${key}` };
  const pod = asRecord(template.spec.securityContext);
  if (pod[key] !== undefined) {
    return { value: pod[key], field: `${template.specPath}.securityContext.${key}` };
  }
  return { value: undefined, field: `${containerPath}.securityContext.${key}` };
}

/**
 * The pod security settings of every container (init containers included): privileged, running as
 * root (`runAsUser: 0`, or `runAsNonRoot` not enforced without a non-zero `runAsUser`; the
 * container's setting wins over the pod's), a writable root filesystem (`readOnlyRootFilesystem`
 * is a container setting only) and privilege escalation (`allowPrivilegeEscalation` defaults to
 * true).
 */
export function assessPodSecurity(template: PodTemplate): WorkloadIssue[] {
  const issues: WorkloadIssue[] = [];
  for (const { container, path, name } of containersOf(template)) {
    const own = asRecord(container.securityContext);
    if (own.privileged === true) {
      issues.push({
        rule: 'privileged',
        severity: 'high',
        container: name,
        field: `${path}.securityContext.privileged`,
        message: `container ${name} runs privileged: it has every capability and the host's devices`,
      });
    }
    const user = effective(template, path, container, 'runAsUser');
    const nonRoot = effective(template, path, container, 'runAsNonRoot');
    if (user.value === 0) {
      issues.push({
        rule: 'run-as-root',
        severity: 'high',
        container: name,
        field: user.field,
        message: `container ${name} runs as root (runAsUser: 0)`,
      });
    } else if (nonRoot.value !== true && !(typeof user.value === 'number' && user.value > 0)) {
      issues.push({
        rule: 'run-as-non-root-not-enforced',
        severity: 'medium',
        container: name,
        field: nonRoot.field,
        message: `container ${name} does not enforce a non-root user (no runAsNonRoot: true and no non-zero runAsUser): it runs as whatever user the image says, root for many images`,
      });
    }
    if (own.readOnlyRootFilesystem !== true) {
      issues.push({
        rule: 'writable-root-filesystem',
        severity: 'medium',
        container: name,
        field: `${path}.securityContext.readOnlyRootFilesystem`,
        message: `container ${name} has a writable root filesystem (readOnlyRootFilesystem is not true): a compromised process can change its own code`,
      });
    }
    if (own.allowPrivilegeEscalation !== false && own.privileged !== true) {
      issues.push({
        rule: 'privilege-escalation',
        severity: 'medium',
        container: name,
        field: `${path}.securityContext.allowPrivilegeEscalation`,
        message: `container ${name} allows privilege escalation (allowPrivilegeEscalation is not false): setuid binaries can gain more rights than the process started with`,
      });
    }
  }
  return issues;
}

/** Whether the pods get a service-account token mounted, and what decides it. */
export interface ServiceAccountTokenAssessment {
  mounted: boolean;
  /** `pod` (the pod spec's field), `service-account` (the ServiceAccount's), `default` (neither: true). */
  decidedBy: 'pod' | 'service-account' | 'default';
  serviceAccount: string;
  /** The deciding field: in the workload, or in the ServiceAccount (`serviceAccountIndex`). */
  field: string;
  serviceAccountIndex?: number;
}

/**
 * `automountServiceAccountToken`: the pod spec's wins over its ServiceAccount's (found among the
 * objects by name and namespace); neither set means the token is mounted.
 */
export function assessServiceAccountToken(
  template: PodTemplate,
  namespace: string,
  objects: KubernetesObject[],
): ServiceAccountTokenAssessment {
  const serviceAccount =
    stringOf(template.spec.serviceAccountName) ?? stringOf(template.spec.serviceAccount) ?? 'default';
  if (typeof template.spec.automountServiceAccountToken === 'boolean') {
    return {
      mounted: template.spec.automountServiceAccountToken,
      decidedBy: 'pod',
      serviceAccount,
      field: `${template.specPath}.automountServiceAccountToken`,
    };
  }
  const index = objects.findIndex(
    o => o.kind === 'ServiceAccount' && nameOf(o) === serviceAccount && namespaceOf(o) === namespace,
  );
  const account = index >= 0 ? objects[index] : undefined;
  if (account && typeof account.automountServiceAccountToken === 'boolean') {
    return {
      mounted: account.automountServiceAccountToken,
      decidedBy: 'service-account',
      serviceAccount,
      field: 'automountServiceAccountToken',
      serviceAccountIndex: index,
    };
  }
  return {
    mounted: true,
    decidedBy: 'default',
    serviceAccount,
    field: `${template.specPath}.automountServiceAccountToken`,
  };
}

/** A secret handed to a container, never with its value (except `literal`, see below). */
export interface SecretUse {
  kind: 'env-secret-ref' | 'env-from-secret' | 'env-literal' | 'volume';
  container?: string;
  /** The env variable (env-secret-ref, env-literal) or the volume name. */
  name: string;
  /** The Secret object's name (not for env-literal). */
  secretName?: string;
  field: string;
  /**
   * For `env-literal` only: the detector's kind and the value, so that the caller can hand it to
   * the finding factory, which masks and fingerprints it. Never put it in a message or evidence.
   */
  literal?: { kind: string; value: string };
}

/**
 * How secrets reach the containers: env variables from `secretKeyRef`, `envFrom` with a
 * `secretRef`, env values written as literals that the secret detectors take for credentials, and
 * Secret volumes (`secret`, or a `projected` volume with a `secret` source) mounted into a
 * container.
 */
export function assessSecretUse(template: PodTemplate): SecretUse[] {
  const uses: SecretUse[] = [];
  const secretVolumes = new Map<string, string>();
  asArray(template.spec.volumes).forEach(volume => {
    const v = asRecord(volume);
    const name = stringOf(v.name);
    if (!name) return;
    const direct = stringOf(asRecord(v.secret).secretName);
    const projected = asArray(asRecord(v.projected).sources)
      .map(s => stringOf(asRecord(asRecord(s).secret).name))
      .filter((s): s is string => !!s);
    if (direct || projected.length) secretVolumes.set(name, direct ?? projected.join(', '));
  });
  for (const { container, path, name } of containersOf(template)) {
    asArray(container.env).forEach((entry, index) => {
      if (!isRecord(entry)) return;
      const envName = stringOf(entry.name) ?? `env[${index}]`;
      const ref = asRecord(asRecord(entry.valueFrom).secretKeyRef);
      if (isRecord(asRecord(entry.valueFrom).secretKeyRef)) {
        uses.push({
          kind: 'env-secret-ref',
          container: name,
          name: envName,
          secretName: stringOf(ref.name) ?? '',
          field: `${path}.env[${index}].valueFrom.secretKeyRef`,
        });
        return;
      }
      const value = entry.value;
      if (typeof value !== 'string' || !value) return;
      const match = detectSecrets(value, { key: envName, path: `env.${envName}` })[0];
      if (match) {
        uses.push({
          kind: 'env-literal',
          container: name,
          name: envName,
          field: `${path}.env[${index}].value`,
          literal: { kind: match.kind, value: match.value },
        });
      }
    });
    asArray(container.envFrom).forEach((entry, index) => {
      const ref = asRecord(entry).secretRef;
      if (!isRecord(ref)) return;
      uses.push({
        kind: 'env-from-secret',
        container: name,
        name: stringOf(ref.name) ?? '',
        secretName: stringOf(ref.name) ?? '',
        field: `${path}.envFrom[${index}].secretRef`,
      });
    });
    asArray(container.volumeMounts).forEach((mount, index) => {
      const volume = stringOf(asRecord(mount).name);
      if (!volume || !secretVolumes.has(volume)) return;
      uses.push({
        kind: 'volume',
        container: name,
        name: volume,
        secretName: secretVolumes.get(volume),
        field: `${path}.volumeMounts[${index}]`,
      });
    });
  }
  return uses;
}

/** How a container's image is pinned. */
export interface ImagePinning {
  container: string;
  /** The image reference without its tag's value judged: shown as written (it is no secret). */
  image: string;
  pinning: 'digest' | 'tag' | 'latest' | 'no-tag' | 'missing';
  field: string;
}

/** `@sha256:…` pins by digest; a tag other than `latest` pins by tag; `latest` or no tag does not pin. */
export function assessImagePinning(template: PodTemplate): ImagePinning[] {
  return containersOf(template).map(({ container, path, name }) => {
    const image = stringOf(container.image) ?? '';
    const field = `${path}.image`;
    if (!image) return { container: name, image, pinning: 'missing', field };
    if (/@sha256:[0-9a-f]{64}$/i.test(image)) return { container: name, image, pinning: 'digest', field };
    const lastSlash = image.lastIndexOf('/');
    const colon = image.indexOf(':', lastSlash + 1);
    if (colon < 0) return { container: name, image, pinning: 'no-tag', field };
    const tag = image.slice(colon + 1).split('@')[0];
    return { container: name, image, pinning: tag === 'latest' || !tag ? 'latest' : 'tag', field };
  });
}
