import { Config } from '@backstage/config';
import { FindingEvidence } from '@security-posture/plugin-security-posture-common';
import { CheckResult } from '@security-posture/plugin-security-posture-node';
import {
  assessBackstageWorkloads,
  isKubernetesObject,
  KubernetesObject,
  nameOf,
  namespaceOf,
  WorkloadPosture,
} from '@security-posture/static-analysis';

/**
 * The option the CLI sets on the `runtime/k8s-*` checks with the Kubernetes objects of the files
 * it scans (`{ objects: [{ file, doc, path, object }], workloads: [names] }`). Not meant for
 * app-config: in the portal these checks read the backend's own pod from the API instead.
 */
export const MANIFESTS_OPTION = 'kubernetesManifests';

/** An object with where it was read: a file and document (CLI), or the API. */
export interface LocatedObject {
  object: KubernetesObject;
  /** The file, for manifests; absent for objects read from the API. */
  file?: string;
  doc?: number;
  /** The object's path inside its document (`items[2]` in a `kind: List`), else ''. */
  path: string;
}

export interface KubernetesSubject {
  source: 'manifests' | 'cluster';
  objects: LocatedObject[];
  postures: WorkloadPosture[];
  /** Workload names the caller gave (`--k8s-workload`); empty for the heuristic. */
  workloadNames: string[];
}

/** What the checks say when they have nothing to look at. */
export type NoSubject = { notApplicable: string } | { error: string };

export const NOT_IN_KUBERNETES =
  'Not running in Kubernetes (KUBERNETES_SERVICE_HOST is not set) and no manifests given: check the deployment manifests with `security-posture scan`';

function isLocated(value: unknown): value is LocatedObject {
  const v = value as LocatedObject;
  return typeof v === 'object' && v !== null && isKubernetesObject(v.object);
}

/** The subject from Kubernetes objects, with the workloads the caller named, if any. */
export function subjectOf(
  source: KubernetesSubject['source'],
  objects: LocatedObject[],
  workloadNames: string[],
): KubernetesSubject {
  const postures = assessBackstageWorkloads(
    objects.map(o => o.object),
    { names: workloadNames },
  );
  return { source, objects, postures, workloadNames };
}

/** The manifests the CLI handed over, or undefined outside the CLI. */
export function manifestSubject(options: Config): KubernetesSubject | undefined {
  const given = options.getOptional(MANIFESTS_OPTION) as
    | { objects?: unknown; workloads?: unknown }
    | undefined;
  if (!given || typeof given !== 'object') return undefined;
  const objects = Array.isArray(given.objects) ? given.objects.filter(isLocated) : [];
  const names = Array.isArray(given.workloads)
    ? given.workloads.filter((n): n is string => typeof n === 'string')
    : [];
  return subjectOf('manifests', objects, names);
}

/** Why a subject holds no workload to check, as a result. */
export function noWorkload(subject: KubernetesSubject): CheckResult | undefined {
  if (subject.postures.length) return undefined;
  const count = subject.objects.length;
  if (subject.workloadNames.length) {
    return {
      outcome: 'error',
      target: { type: 'deployment' },
      message: `None of the named workloads (${subject.workloadNames.join(', ')}) is among the ${count} Kubernetes object(s)`,
    };
  }
  return {
    outcome: 'notApplicable',
    target: { type: 'deployment' },
    message: `No Backstage workload among the ${count} Kubernetes object(s): no container image named like backstage, and no workload named or labelled so (name it with --k8s-workload)`,
  };
}

export function describeObject(object: KubernetesObject): string {
  const namespace = namespaceOf(object);
  return `${String(object.kind)} ${namespace ? `${namespace}/` : ''}${nameOf(object)}`;
}

/**
 * Where a field of one of the subject's objects is: a location for the finding (stable across
 * runs: object and field, no line numbers) and evidence that lets the CLI point at the line.
 */
export function locate(
  subject: KubernetesSubject,
  index: number,
  field: string,
): { location: string; evidence: FindingEvidence } {
  const located = subject.objects[index];
  const full = [located.path, field].filter(Boolean).join('.');
  const what = describeObject(located.object);
  return {
    location: `${what}: ${full}`,
    evidence: {
      object: what,
      field: full,
      ...(located.file !== undefined ? { file: located.file, doc: located.doc ?? 0 } : {}),
    },
  };
}

/** The workload a posture is about, for messages. */
export function workloadLabel(posture: WorkloadPosture): string {
  const { kind, namespace, name } = posture.workload;
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}
