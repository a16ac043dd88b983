import path from 'node:path';
import {
  EntityApiVersions,
  hasGoTemplateMarker,
  hasSkeletonMarker,
  inSkeletonDir,
  isCatalogFileName,
  NoteReason,
  reasonOfDocument,
  reasonOfPath,
} from './classify';
import { InputFile } from './files';
import { SourceDocument, YamlSource } from './yamlSource';

/** How a file is known, for the routing of its documents. */
export interface FileContext {
  input: InputFile;
  file: string;
  /** Directory that includes are confined to. */
  includeRoot: string;
  /** What the path alone says the file is (workflow, kustomization, Helm chart, …). */
  pathReason?: NoteReason;
  skeletonDir: boolean;
  catalogFileName: boolean;
  /** Given with --config: its problems are diagnostics, and it is never noted as skipped. */
  isConfig: boolean;
}

/** What became of one document. */
export type DocumentOutcome =
  | { type: 'entity' }
  | { type: 'diagnostic' }
  | { type: 'note'; reason: NoteReason; message?: string; offset?: number };

/** Where a document goes: noted as skipped, diagnosed as broken, or checked as an entity. */
export type DocumentRoute =
  | Extract<DocumentOutcome, { type: 'note' }>
  | { type: 'problem'; code: string; message: string; offset: number }
  | { type: 'entity'; value: Record<string, unknown>; isTemplate: boolean; named: boolean };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Includes stay inside the report root (the repository in CI), else the scanned folder. */
function includeRoot(root: string, input: InputFile): string {
  const resolvedRoot = path.resolve(root);
  const relative = path.relative(resolvedRoot, input.absolute);
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) return resolvedRoot;
  return input.base ?? path.dirname(input.absolute);
}

/** What a file's path says of it, before its documents are read. */
export function fileContext(
  input: InputFile,
  file: string,
  isConfig: boolean,
  root: string,
): FileContext {
  return {
    input,
    file,
    includeRoot: includeRoot(root, input),
    pathReason: isConfig ? undefined : reasonOfPath(input.absolute),
    skeletonDir: inSkeletonDir(input.absolute),
    catalogFileName: isCatalogFileName(input.absolute),
    isConfig,
  };
}

/** Routes one document by what its path, text and value say it is. */
export function routeDocument(
  context: FileContext,
  source: YamlSource,
  doc: SourceDocument,
  apiVersions: EntityApiVersions,
): DocumentRoute {
  const start = doc.document.contents?.range?.[0] ?? doc.document.range[0];
  const docText = source.text.slice(doc.document.range[0], doc.document.range[2]);
  if (doc.error) {
    if (context.pathReason) return { type: 'note', reason: context.pathReason };
    if (hasGoTemplateMarker(docText)) return { type: 'note', reason: 'templated' };
    if (context.skeletonDir || hasSkeletonMarker(docText)) {
      return { type: 'note', reason: 'skeleton' };
    }
    if (apiVersions.declaredIn(docText) || context.catalogFileName || context.isConfig) {
      return {
        type: 'problem',
        code: 'yaml-syntax',
        message: `not valid YAML: ${doc.error.message}`,
        offset: doc.error.offset,
      };
    }
    return {
      type: 'note',
      reason: 'invalid-yaml',
      message: doc.error.message,
      offset: doc.error.offset,
    };
  }
  const value = doc.value;
  if (value === null || value === undefined) return { type: 'note', reason: 'empty' };
  if (Array.isArray(value)) {
    if (value.some(item => isObject(item) && apiVersions.matches(item.apiVersion))) {
      return {
        type: 'problem',
        code: 'entity-list',
        message:
          'the document is a list; the catalog reads one entity per YAML document (separate them with ---)',
        offset: start,
      };
    }
    return {
      type: 'note',
      reason: reasonOfDocument(value, context.input.absolute),
    };
  }
  if (context.pathReason) return { type: 'note', reason: context.pathReason };
  if (!isObject(value) || !apiVersions.matches(value.apiVersion)) {
    // Not an entity: a manifest of another API, a config file, a workflow, … (its text is
    // still searched for secrets).
    const reason = reasonOfDocument(value, context.input.absolute);
    const what =
      isObject(value) && typeof value.apiVersion === 'string'
        ? `apiVersion ${String(value.apiVersion).slice(0, 80)}${
            typeof value.kind === 'string' ? `, kind ${value.kind.slice(0, 80)}` : ''
          }`
        : undefined;
    return { type: 'note', reason, ...(what ? { message: what } : {}) };
  }
  const isTemplate = value.kind === 'Template';
  // `${{ values.x }}` is a skeleton's (fetch:template) syntax, never a template's own.
  if ((!isTemplate && context.skeletonDir) || hasSkeletonMarker(docText)) {
    return { type: 'note', reason: 'skeleton' };
  }
  if (hasGoTemplateMarker(docText)) return { type: 'note', reason: 'templated' };
  if (typeof value.kind !== 'string' || !value.kind) {
    return {
      type: 'problem',
      code: 'entity-without-kind',
      message: `a ${String(value.apiVersion)} document without kind`,
      offset: start,
    };
  }
  const metadata = value.metadata;
  const named = isObject(metadata) && typeof metadata.name === 'string' && metadata.name !== '';
  if (!named && !isTemplate) {
    return {
      type: 'problem',
      code: 'entity-without-name',
      message: `a ${value.kind} entity without metadata.name`,
      offset: start,
    };
  }
  return { type: 'entity', value, isTemplate, named };
}
