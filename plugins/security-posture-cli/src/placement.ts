import path from 'node:path';
import { CheckResult } from '@security-posture/plugin-security-posture-node';
import { ConfigSource, locateConfigKey } from './appConfig';
import { displayPath } from './files';
import { SourceDocument, Span, spanOfField, spanOfValueInField, YamlSource } from './yamlSource';

/** Where a finding sits in the scanned files. */
export interface Place {
  file: string;
  doc?: number;
  span: Span;
  field?: string;
  /** The place is inside content included from this file (`$yaml` and the like). */
  includedFile?: string;
  /** The place is inside a placeholder that could not be resolved. */
  unresolved?: boolean;
}

/** The includes of the document being analysed. */
export interface IncludeScope {
  absolute: string;
  /** The document's value with its includes resolved. */
  value?: unknown;
  /** References left unresolved (remote, missing, escaping): problems inside them are not repeated. */
  unresolved: Set<string>;
}

/**
 * The field a result is about: its evidence's `field`, else the first of its `fields` (a finding
 * that lists several, like catalog/sensitive-reference's one per class, points at the first),
 * else the part of its location before the `#rule` suffix.
 */
function fieldOf(result: CheckResult): string | undefined {
  const field = result.evidence?.field;
  if (typeof field === 'string') return field;
  const fields = result.evidence?.fields;
  if (Array.isArray(fields) && typeof fields[0] === 'string') return fields[0];
  return result.location?.split('#')[0] || undefined;
}

/**
 * Place of a result inside a document; paths that name no field point at the entity's name.
 * An included file is named relative to `root`, as every reported path is.
 */
export function placeInDocument(
  root: string,
  file: string,
  source: YamlSource,
  doc: SourceDocument,
  result: Pick<CheckResult, 'evidence' | 'location' | 'secret'>,
  scope?: IncludeScope,
): Place {
  const field = fieldOf(result as CheckResult);
  let span: ReturnType<typeof spanOfField> | undefined;
  if (field && result.secret?.value) {
    span = spanOfValueInField(source, doc.document, field, result.secret.value, scope?.value);
  } else if (field) {
    span = spanOfField(source, doc.document, field, scope?.value);
  }
  if (!span || span.depth === 0) span = spanOfField(source, doc.document, 'metadata.name');
  // Inside an included file: the placeholder's line, and the included file named.
  const placeholder = span.placeholder;
  const includedFile =
    placeholder && scope && !scope.unresolved.has(placeholder.ref)
      ? displayPath(root, path.resolve(path.dirname(scope.absolute), placeholder.ref.split('#')[0]))
      : undefined;
  return {
    file,
    doc: doc.index,
    span,
    ...(field ? { field } : {}),
    ...(includedFile ? { includedFile } : {}),
    ...(placeholder && scope?.unresolved.has(placeholder.ref) ? { unresolved: true } : {}),
  };
}

/** Where a config check's result points: its location, else its target key, in the configs. */
export function placeInConfig(
  configSources: ConfigSource[],
  result: CheckResult | undefined,
): Place {
  const keys = [
    result?.location,
    result?.target.type === 'config' ? result.target.path : undefined,
  ].filter((k): k is string => !!k);
  let best = locateConfigKey(configSources, undefined);
  for (const key of keys) {
    const found = locateConfigKey(configSources, key);
    if (found.depth > best.depth) best = found;
  }
  return {
    file: best.file,
    doc: 0,
    span: best.span,
    ...(best.field ? { field: best.field } : {}),
  };
}
