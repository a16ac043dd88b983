/**
 * Parsed Kubernetes objects (from manifests, Helm-rendered YAML or the API) and the pod template of
 * each workload kind. Field paths are written as the checks write them everywhere
 * (`spec.template.spec.containers[0].image`), relative to the object.
 */

export type JsonRecord = Record<string, unknown>;

/** One parsed object: a Deployment, a Pod, a NetworkPolicy, a ServiceAccount, … */
export interface KubernetesObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  spec?: unknown;
  [key: string]: unknown;
}

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): JsonRecord {
  return isRecord(value) ? value : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function nameOf(object: KubernetesObject): string {
  return stringOf(asRecord(object.metadata).name) ?? '';
}

/**
 * The namespace an object is in, or `''` when the manifest does not say (Helm-rendered and plain
 * manifests often leave it to `kubectl -n` / `helm -n`): such objects are taken to share one
 * namespace with each other, and never to share one with an object that names its namespace.
 */
export function namespaceOf(object: KubernetesObject): string {
  return stringOf(asRecord(object.metadata).namespace) ?? '';
}

export function labelsOf(value: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, v] of Object.entries(asRecord(value))) {
    if (typeof v === 'string') labels[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') labels[key] = String(v);
  }
  return labels;
}

/** Whether the object is a Kubernetes object at all: a string apiVersion and kind. */
export function isKubernetesObject(value: unknown): value is KubernetesObject {
  return isRecord(value) && typeof value.apiVersion === 'string' && typeof value.kind === 'string';
}

/** Where each workload kind keeps its pod template, relative to the object. */
const POD_SPEC_PATHS: Record<string, { spec: string; labels: string }> = {
  Pod: { spec: 'spec', labels: 'metadata.labels' },
  Deployment: { spec: 'spec.template.spec', labels: 'spec.template.metadata.labels' },
  StatefulSet: { spec: 'spec.template.spec', labels: 'spec.template.metadata.labels' },
  DaemonSet: { spec: 'spec.template.spec', labels: 'spec.template.metadata.labels' },
  ReplicaSet: { spec: 'spec.template.spec', labels: 'spec.template.metadata.labels' },
  ReplicationController: { spec: 'spec.template.spec', labels: 'spec.template.metadata.labels' },
  Job: { spec: 'spec.template.spec', labels: 'spec.template.metadata.labels' },
  CronJob: {
    spec: 'spec.jobTemplate.spec.template.spec',
    labels: 'spec.jobTemplate.spec.template.metadata.labels',
  },
};

export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS);

function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const key of path.split('.')) current = asRecord(current)[key];
  return current;
}

/** A workload's pod template: its spec, where it is, and the labels its pods carry. */
export interface PodTemplate {
  spec: JsonRecord;
  /** Path of the pod spec inside the object. */
  specPath: string;
  labels: Record<string, string>;
}

export function podTemplateOf(object: KubernetesObject): PodTemplate | undefined {
  const paths = typeof object.kind === 'string' ? POD_SPEC_PATHS[object.kind] : undefined;
  if (!paths) return undefined;
  const spec = valueAt(object, paths.spec);
  if (!isRecord(spec)) return undefined;
  return { spec, specPath: paths.spec, labels: labelsOf(valueAt(object, paths.labels)) };
}

/** A container of a pod spec with its path (`spec.template.spec.containers[0]`). */
export interface ContainerRef {
  container: JsonRecord;
  path: string;
  name: string;
  init: boolean;
}

export function containersOf(template: PodTemplate): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const [field, init] of [
    ['initContainers', true],
    ['containers', false],
  ] as const) {
    asArray(template.spec[field]).forEach((container, index) => {
      if (!isRecord(container)) return;
      refs.push({
        container,
        path: `${template.specPath}.${field}[${index}]`,
        name: stringOf(container.name) ?? `${field}[${index}]`,
        init,
      });
    });
  }
  return refs;
}

/**
 * The objects of a parsed stream: `kind: List` (what `kubectl get -o yaml` prints) is unpacked,
 * everything that is no Kubernetes object (empty documents, values files) is left out. Each keeps
 * the index of the document it came from, and its path inside it (`items[2]` for list items).
 */
export function kubernetesObjectsOf(
  documents: unknown[],
): Array<{ object: KubernetesObject; doc: number; path: string }> {
  const found: Array<{ object: KubernetesObject; doc: number; path: string }> = [];
  documents.forEach((value, doc) => {
    if (!isKubernetesObject(value)) return;
    if (value.kind === 'List' || /List$/.test(String(value.kind))) {
      asArray(value.items).forEach((item, index) => {
        if (isKubernetesObject(item)) found.push({ object: item, doc, path: `items[${index}]` });
      });
      return;
    }
    found.push({ object: value, doc, path: '' });
  });
  return found;
}
