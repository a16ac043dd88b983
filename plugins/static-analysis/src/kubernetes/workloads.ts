import {
  containersOf,
  KubernetesObject,
  nameOf,
  namespaceOf,
  PodTemplate,
  podTemplateOf,
  stringOf,
} from './objects';

/** A workload taken for the Backstage backend, and why. */
export interface BackstageWorkload {
  /** Index of the object in the list given. */
  index: number;
  kind: string;
  name: string;
  namespace: string;
  template: PodTemplate;
  /** `named` (the caller named it), `image` or `labels` (the heuristic, see below). */
  matchedBy: 'named' | 'image' | 'labels';
  reason: string;
}

/** The repository part of an image reference, lower case: `ghcr.io/acme/backstage` of `ghcr.io/acme/backstage:1.2@sha256:…`. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  const repository = lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
  return repository.toLowerCase();
}

// Images of what a Backstage chart runs beside the backend: never the backend itself.
const COMPANION_IMAGE = /(?:^|[/-])(?:postgres(?:ql)?|mysql|mariadb|redis|memcached|nginx|envoy|oauth2-proxy|busybox|alpine|curl)(?:$|[-_])/;
const LABEL_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/component', 'app'];

function imagesOf(template: PodTemplate): string[] {
  return containersOf(template)
    .filter(c => !c.init)
    .map(c => stringOf(c.container.image) ?? '')
    .filter(Boolean);
}

function isNamed(object: KubernetesObject, names: string[]): boolean {
  const name = nameOf(object);
  const namespace = namespaceOf(object);
  const kind = String(object.kind);
  return names.some(
    n =>
      n === name ||
      n === `${namespace}/${name}` ||
      n.toLowerCase() === `${kind.toLowerCase()}/${name}` ||
      n.toLowerCase() === `${namespace}/${kind.toLowerCase()}/${name}`,
  );
}

/**
 * The workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) that run the
 * Backstage backend.
 *
 * When the caller names workloads (`name`, `namespace/name`, `kind/name`), exactly those are
 * taken. Otherwise the heuristic, in this order:
 * 1. **image**: a (non-init) container whose image repository's last path segment contains
 *    `backstage` (`ghcr.io/backstage/backstage`, `acme/backstage-backend:1.4`);
 * 2. **labels**, only when no image matched: the workload's name or its pod labels
 *    `app.kubernetes.io/name`, `app.kubernetes.io/component` or `app` contain `backstage`,
 *    unless every container's image is a known companion (PostgreSQL, Redis, nginx, …), so that a
 *    chart's `backstage-postgresql` StatefulSet is not taken for the backend.
 * Pod templates of Pods owned by another listed workload are not told apart: give names then.
 */
export function findBackstageWorkloads(
  objects: KubernetesObject[],
  options: { names?: string[] } = {},
): BackstageWorkload[] {
  const names = (options.names ?? []).map(n => n.trim()).filter(Boolean);
  const candidates = objects
    .map((object, index) => ({ object, index, template: podTemplateOf(object) }))
    .filter(
      (c): c is { object: KubernetesObject; index: number; template: PodTemplate } =>
        c.template !== undefined,
    );
  const make = (
    c: (typeof candidates)[number],
    matchedBy: BackstageWorkload['matchedBy'],
    reason: string,
  ): BackstageWorkload => ({
    index: c.index,
    kind: String(c.object.kind),
    name: nameOf(c.object),
    namespace: namespaceOf(c.object),
    template: c.template,
    matchedBy,
    reason,
  });
  if (names.length) {
    return candidates
      .filter(c => isNamed(c.object, names))
      .map(c => make(c, 'named', 'named by the caller'));
  }
  const byImage = candidates.flatMap(c => {
    const image = imagesOf(c.template).find(i => {
      const repository = imageRepository(i);
      return repository.slice(repository.lastIndexOf('/') + 1).includes('backstage');
    });
    return image ? [make(c, 'image', `image ${imageRepository(image)}`)] : [];
  });
  if (byImage.length) return byImage;
  return candidates.flatMap(c => {
    const images = imagesOf(c.template);
    if (images.length && images.every(i => COMPANION_IMAGE.test(imageRepository(i)))) return [];
    if (nameOf(c.object).toLowerCase().includes('backstage')) {
      return [make(c, 'labels', `name ${nameOf(c.object)}`)];
    }
    const key = LABEL_KEYS.find(k => c.template.labels[k]?.toLowerCase().includes('backstage'));
    return key ? [make(c, 'labels', `pod label ${key}=${c.template.labels[key]}`)] : [];
  });
}
