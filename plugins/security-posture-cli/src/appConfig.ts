import { Config, ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { isScalar } from 'yaml';
import { parseFieldPath, positionOf, resolveField, Span, YamlSource } from './yamlSource';

/** One `--config` file as read. */
export interface ConfigSource {
  /** As reports show it. */
  file: string;
  source: YamlSource;
  /** The file's config object; undefined when the file could not be parsed. */
  data?: JsonObject;
}

/**
 * Merges app-config files the way Backstage does: later files take precedence, objects merge,
 * everything else (lists included) is replaced. `${ENV}` substitutions and `$include`/`$env`
 * directives are left as written: the checks see what is committed, not one environment's values.
 */
export function mergeConfigs(sources: ConfigSource[]): Config {
  return ConfigReader.fromConfigs(
    sources.filter(s => s.data).map(s => ({ data: s.data as JsonObject, context: s.file })),
  );
}

/** The config object of a parsed app-config file: its first document; an empty file is `{}`. */
export function configData(source: YamlSource): JsonObject | undefined {
  const first = source.documents[0];
  if (!first) return {};
  if (first.error) return undefined;
  if (first.value === null || first.value === undefined) return {};
  if (typeof first.value !== 'object' || Array.isArray(first.value)) return undefined;
  return first.value as JsonObject;
}

/**
 * Where a config key is set: the last file (highest precedence) that sets it, else the file
 * that sets the longest part of it (e.g. `permission:` for an unset `permission.enabled`), else
 * the start of the last file.
 */
export function locateConfigKey(
  sources: ConfigSource[],
  key: string | undefined,
): { file: string; span: Span; field?: string; depth: number } {
  const usable = sources.filter(s => s.data && s.source.documents[0]);
  const lastFile = usable[usable.length - 1] ?? sources[sources.length - 1];
  const fallback = {
    file: lastFile?.file ?? '',
    span: { start: { line: 1, column: 1 } },
    field: key,
    depth: 0,
  };
  const segments = key ? parseFieldPath(key) : [];
  if (!segments.length) return fallback;
  let best: { file: string; depth: number; span: Span } | undefined;
  // Later files take precedence: look at them first and keep them on ties.
  for (const candidate of [...usable].reverse()) {
    const document = candidate.source.documents[0].document;
    for (let depth = segments.length; depth > (best?.depth ?? 0); depth--) {
      const resolved = resolveField(document, renderPath(segments.slice(0, depth)));
      if (!resolved.complete) continue;
      const anchor = resolved.key ?? resolved.node;
      if (!anchor?.range) continue;
      best = {
        file: candidate.file,
        depth,
        span: {
          start: positionOf(candidate.source, anchor.range[0]),
          end: positionOf(
            candidate.source,
            isScalar(resolved.node) && resolved.node.range
              ? resolved.node.range[1]
              : anchor.range[1],
          ),
        },
      };
      break;
    }
    if (best?.depth === segments.length) break;
  }
  return best ? { file: best.file, span: best.span, field: key, depth: best.depth } : fallback;
}

function renderPath(segments: ReturnType<typeof parseFieldPath>): string {
  return segments
    .map(s => {
      if (s.type === 'index') return `[${s.index}]`;
      if (s.type === 'bracket') return `[${s.text}]`;
      return `[${JSON.stringify(s.key)}]`;
    })
    .join('');
}
