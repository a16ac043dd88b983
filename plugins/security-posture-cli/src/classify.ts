import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Which YAML files and documents are Backstage entities. A document is an entity only when its
 * `apiVersion` is a Backstage one (`backstage.io/…`, `scaffolder.backstage.io/…`, or one given
 * with `--entity-api-version`); everything else in a repository (Kubernetes manifests,
 * kustomizations, Helm charts, CI workflows, compose files, OpenAPI specs, mkdocs, skeleton
 * files of templates) is skipped with a note, never reported as a malformed entity.
 */

/** Why a file or document was not analysed as an entity. */
export type NoteReason =
  | 'kubernetes'
  | 'kustomize'
  | 'helm-chart'
  | 'templated'
  | 'skeleton'
  | 'github-workflow'
  | 'docker-compose'
  | 'openapi'
  | 'mkdocs'
  | 'app-config'
  | 'other-yaml'
  | 'invalid-yaml'
  | 'empty'
  | 'included-file'
  | 'remote-include';

export const NOTE_REASONS: readonly NoteReason[] = [
  'kubernetes',
  'kustomize',
  'helm-chart',
  'templated',
  'skeleton',
  'github-workflow',
  'docker-compose',
  'openapi',
  'mkdocs',
  'app-config',
  'other-yaml',
  'invalid-yaml',
  'empty',
  'included-file',
  'remote-include',
];

export const BUILT_IN_ENTITY_API_GROUPS = ['backstage.io', 'scaffolder.backstage.io'];

/** Matches Backstage apiVersions: `<group>/<version>` of the built-in groups and the extra ones. */
export class EntityApiVersions {
  private readonly groups: Set<string>;
  private readonly exact: Set<string>;

  constructor(extra: string[] = []) {
    this.groups = new Set(BUILT_IN_ENTITY_API_GROUPS);
    this.exact = new Set();
    for (const entry of extra) {
      const trimmed = entry.trim().replace(/\/\*?$/, '');
      if (!trimmed) continue;
      if (trimmed.includes('/')) this.exact.add(trimmed);
      else this.groups.add(trimmed);
    }
  }

  matches(apiVersion: unknown): boolean {
    if (typeof apiVersion !== 'string') return false;
    if (this.exact.has(apiVersion)) return true;
    const slash = apiVersion.indexOf('/');
    return slash > 0 && this.groups.has(apiVersion.slice(0, slash));
  }

  /** Whether raw YAML text declares a Backstage apiVersion (for documents that do not parse). */
  declaredIn(text: string): boolean {
    for (const m of text.matchAll(/^[ \t-]*["']?apiVersion["']?[ \t]*:[ \t]*["']?([^\s"'#]+)/gm)) {
      if (this.matches(m[1])) return true;
    }
    return false;
  }
}

// `${{ values.x }}` (fetch:template skeletons), cookiecutter and Jinja/Nunjucks blocks.
const SKELETON_MARKER =
  /\$\{\{-?\s*values[.[]|\{\{-?\s*cookiecutter\.|\{%-?\s*(?:if|for|raw|set|include|macro)\b/;
// Go templates (Helm, goreleaser, …): `{{ .Values.x }}`, `{{- include … }}`, `{{ $x := … }}`.
// Not `${{ … }}` (scaffolder) nor `{{ parameters.x }}` (legacy v1beta2 handlebars).
const GO_TEMPLATE_MARKER =
  /(?:^|[^$])\{\{-?\s*(?:\.[A-Za-z]|\$[A-Za-z_]*\s*:?=|(?:include|template|define|range|with|if|else|end|toYaml|tpl|required|default)\b)/m;

export function hasSkeletonMarker(text: string): boolean {
  return SKELETON_MARKER.test(text);
}

export function hasGoTemplateMarker(text: string): boolean {
  return GO_TEMPLATE_MARKER.test(text);
}

const chartDirs = new Map<string, boolean>();
function hasChart(dir: string): boolean {
  let known = chartDirs.get(dir);
  if (known === undefined) {
    known = existsSync(path.join(dir, 'Chart.yaml')) || existsSync(path.join(dir, 'Chart.yml'));
    chartDirs.set(dir, known);
  }
  return known;
}

/** Whether a file belongs to a Helm chart: under `<chart>/templates/`, or `Chart.yaml`/values beside it. */
export function inHelmChart(absolute: string): boolean {
  const base = path.basename(absolute);
  const dir = path.dirname(absolute);
  if (/^Chart\.ya?ml$/.test(base)) return true;
  if (/^values[^/]*\.ya?ml$/i.test(base) && hasChart(dir)) return true;
  let current = dir;
  for (let i = 0; i < 32; i++) {
    if (path.basename(current) === 'templates' && hasChart(path.dirname(current))) return true;
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return false;
}

/** What a file is by its path alone, when that settles it. */
export function reasonOfPath(absolute: string): NoteReason | undefined {
  const normalized = absolute.split(path.sep).join('/');
  const base = path.basename(absolute).toLowerCase();
  if (inHelmChart(absolute)) return 'helm-chart';
  if (/\/\.github\/workflows\/[^/]+$/.test(normalized)) return 'github-workflow';
  if (base === 'kustomization.yaml' || base === 'kustomization.yml') return 'kustomize';
  if (/^(docker-)?compose([.-][^/]*)?\.ya?ml$/.test(base)) return 'docker-compose';
  if (base === 'mkdocs.yml' || base === 'mkdocs.yaml') return 'mkdocs';
  return undefined;
}

/** Whether the file sits in a template's skeleton folder (`…/skeleton/…`). */
export function inSkeletonDir(absolute: string): boolean {
  return path.dirname(absolute).split(path.sep).includes('skeleton');
}

/** File names that hold catalog entities by convention. */
export function isCatalogFileName(absolute: string): boolean {
  return /^catalog-info(\.[^.]+)?\.ya?ml$/i.test(path.basename(absolute));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a parsed, non-entity document is. */
export function reasonOfDocument(value: unknown, absolute: string): NoteReason {
  const byPath = reasonOfPath(absolute);
  if (byPath) return byPath;
  if (value === null || value === undefined) return 'empty';
  if (isObject(value)) {
    if ('openapi' in value || 'swagger' in value || 'asyncapi' in value) return 'openapi';
    if (value.kind === 'Kustomization') return 'kustomize';
    if (typeof value.apiVersion === 'string' && typeof value.kind === 'string') return 'kubernetes';
    if (/^app-config[^/]*\.ya?ml$/.test(path.basename(absolute))) return 'app-config';
  }
  return 'other-yaml';
}

export function describeReason(reason: NoteReason): string {
  switch (reason) {
    case 'kubernetes':
      return 'a manifest of another API (not a Backstage apiVersion; Kubernetes workloads and policies go to the runtime/k8s-* checks)';
    case 'kustomize':
      return 'a kustomization';
    case 'helm-chart':
      return 'part of a Helm chart';
    case 'templated':
      return 'a Go-template file (rendered by another tool before it is YAML)';
    case 'skeleton':
      return "a template's skeleton file (rendered by fetch:template)";
    case 'github-workflow':
      return 'a GitHub workflow';
    case 'docker-compose':
      return 'a compose file';
    case 'openapi':
      return 'an API specification';
    case 'mkdocs':
      return 'an mkdocs configuration';
    case 'app-config':
      return 'an app-config file (give it with --config to check it)';
    case 'invalid-yaml':
      return 'not valid YAML, and not a Backstage catalog or template file';
    case 'empty':
      return 'empty';
    case 'included-file':
      return 'included by an entity ($yaml/$json/$text), analysed as part of it';
    case 'remote-include':
      return 'a remote include, not fetched';
    default:
      return 'not a Backstage entity';
  }
}
