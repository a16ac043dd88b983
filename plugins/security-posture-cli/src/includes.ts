import fs from 'node:fs/promises';
import path from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, Scalar } from 'yaml';
import { parseYamlSource, placeholderPair, PLACEHOLDER_KEYS, YamlSource } from './yamlSource';

/**
 * Resolution of the catalog's placeholders (`$yaml`, `$json`, `$text`, and `$openapi` /
 * `$asyncapi`, which the catalog reads as text) before analysis, as Backstage's
 * PlaceholderProcessor does when it ingests an entity: an object with exactly one such key is
 * replaced by the content of the file it names, relative to the file that holds it.
 *
 * Only files inside the scan's root are read: an absolute path, a path that leaves the root
 * (also through a symbolic link), a missing or oversized file, invalid content, a cycle or
 * nesting deeper than {@link MAX_INCLUDE_DEPTH} is a diagnostic and the placeholder is left as
 * written. A remote reference (`https://…`) is never fetched: it is a note. Includes inside
 * included files are resolved too (the catalog resolves one level; reading further only shows
 * the analysers more of what the template may run).
 */

export const MAX_INCLUDE_DEPTH = 5;
/** One included file at most. */
export const MAX_INCLUDE_BYTES = 4 * 1024 * 1024;
/** All includes of one document together. */
export const MAX_INCLUDED_BYTES_PER_DOCUMENT = 16 * 1024 * 1024;
export const MAX_INCLUDES_PER_DOCUMENT = 200;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

export type IncludeProblemCode =
  | 'include-absolute'
  | 'include-outside-root'
  | 'include-missing'
  | 'include-too-large'
  | 'include-invalid'
  | 'include-cycle'
  | 'include-too-deep'
  | 'include-limit';

export interface IncludeProblem {
  /** `note` for remote references (never fetched); else a diagnostic. */
  kind: 'diagnostic' | 'note';
  code: IncludeProblemCode | 'remote-include';
  message: string;
  /** The reference as written (`./steps.yaml`). */
  ref: string;
  /** Absolute path of the file that holds the placeholder. */
  file: string;
  /** Character offset of the placeholder in that file, when known (YAML files). */
  offset?: number;
  /** The YAML source of that file, for line and column. */
  source?: YamlSource;
}

export interface IncludedFile {
  absolute: string;
  /** Who included it (absolute). */
  by: string;
  /** The YAML source of an included YAML file (its scalars are inspected by the checks). */
  source?: YamlSource;
  text: string;
}

export interface IncludeResult {
  value: unknown;
  problems: IncludeProblem[];
  included: IncludedFile[];
}

interface Holder {
  absolute: string;
  source?: YamlSource;
  document?: Document.Parsed;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inside(root: string, target: string) {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Offsets of the placeholders of a YAML document, by `key\0ref`, in document order. */
function placeholderOffsets(document: Document.Parsed | undefined): Map<string, number[]> {
  const offsets = new Map<string, number[]>();
  if (!document) return offsets;
  const visit = (node: unknown, depth: number) => {
    if (depth > 128 || !node) return;
    const pair = placeholderPair(node);
    if (pair && isScalar(pair.key)) {
      const id = `${String((pair.key as Scalar).value)}\0${
        isScalar(pair.value) ? String(pair.value.value) : ''
      }`;
      const list = offsets.get(id) ?? [];
      list.push((pair.key as Scalar).range?.[0] ?? 0);
      offsets.set(id, list);
      return;
    }
    if (isMap(node)) {
      for (const item of node.items) if (isPair(item)) visit(item.value, depth + 1);
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item, depth + 1);
    }
  };
  visit(document.contents, 0);
  return offsets;
}

/** Resolves the placeholders of one entity document. Never throws. */
export async function resolveIncludes(
  value: unknown,
  holder: Holder,
  options: { root: string },
): Promise<IncludeResult> {
  const problems: IncludeProblem[] = [];
  const included: IncludedFile[] = [];
  let count = 0;
  let bytes = 0;
  let limitReported = false;
  let realRoot: string;
  try {
    realRoot = await fs.realpath(options.root);
  } catch {
    realRoot = path.resolve(options.root);
  }

  const resolveIn = async (data: unknown, at: Holder, chain: string[]): Promise<unknown> => {
    const offsets = placeholderOffsets(at.document);
    const offsetOf = (key: string, ref: string) => offsets.get(`${key}\0${ref}`)?.[0];
    const problem = (
      kind: IncludeProblem['kind'],
      code: IncludeProblem['code'],
      message: string,
      key: string,
      ref: string,
    ) => {
      problems.push({
        kind,
        code,
        message,
        ref,
        file: at.absolute,
        offset: offsetOf(key, ref),
        ...(at.source ? { source: at.source } : {}),
      });
    };

    const include = async (key: string, ref: string, original: unknown): Promise<unknown> => {
      const quoted = `${key}: ${ref}`;
      if (URL_SCHEME.test(ref)) {
        problem(
          'note',
          'remote-include',
          `${quoted} is remote: not fetched, not analysed`,
          key,
          ref,
        );
        return original;
      }
      if (path.isAbsolute(ref) || ref.startsWith('/') || ref.startsWith('\\')) {
        problem(
          'diagnostic',
          'include-absolute',
          `${quoted} is an absolute path: not read (only files inside the scanned root are)`,
          key,
          ref,
        );
        return original;
      }
      if (chain.length > MAX_INCLUDE_DEPTH) {
        problem(
          'diagnostic',
          'include-too-deep',
          `${quoted} is nested more than ${MAX_INCLUDE_DEPTH} includes deep: not read`,
          key,
          ref,
        );
        return original;
      }
      if (count >= MAX_INCLUDES_PER_DOCUMENT) {
        if (!limitReported) {
          limitReported = true;
          problem(
            'diagnostic',
            'include-limit',
            `more than ${MAX_INCLUDES_PER_DOCUMENT} includes in one document: the rest were not read`,
            key,
            ref,
          );
        }
        return original;
      }
      const target = path.resolve(path.dirname(at.absolute), ref.split('#')[0]);
      if (!inside(path.resolve(options.root), target)) {
        problem(
          'diagnostic',
          'include-outside-root',
          `${quoted} leaves the scanned root: not read`,
          key,
          ref,
        );
        return original;
      }
      let real: string;
      let size: number;
      try {
        real = await fs.realpath(target);
        const stat = await fs.stat(real);
        if (!stat.isFile()) throw new Error('not a file');
        size = stat.size;
      } catch {
        problem('diagnostic', 'include-missing', `${quoted}: no such file`, key, ref);
        return original;
      }
      if (!inside(realRoot, real)) {
        problem(
          'diagnostic',
          'include-outside-root',
          `${quoted} leaves the scanned root (through a symbolic link): not read`,
          key,
          ref,
        );
        return original;
      }
      if (chain.includes(real)) {
        problem('diagnostic', 'include-cycle', `${quoted} includes itself: not read`, key, ref);
        return original;
      }
      if (size > MAX_INCLUDE_BYTES || bytes + size > MAX_INCLUDED_BYTES_PER_DOCUMENT) {
        problem(
          'diagnostic',
          'include-too-large',
          `${quoted} is ${size} bytes: over the include limit (${MAX_INCLUDE_BYTES} per file, ${MAX_INCLUDED_BYTES_PER_DOCUMENT} per document), not read`,
          key,
          ref,
        );
        return original;
      }
      let text: string;
      try {
        text = await fs.readFile(real, 'utf8');
      } catch (e) {
        problem('diagnostic', 'include-missing', `${quoted}: ${String(e)}`, key, ref);
        return original;
      }
      count += 1;
      bytes += size;
      const next: Holder = { absolute: real };
      if (key === '$yaml') {
        const source = parseYamlSource(text);
        // As the catalog: exactly one document, without errors.
        if (source.documents.length !== 1) {
          problem(
            'diagnostic',
            'include-invalid',
            `${quoted}: expected exactly one YAML document, found ${source.documents.length}`,
            key,
            ref,
          );
          return original;
        }
        const [doc] = source.documents;
        if (doc.error) {
          problem(
            'diagnostic',
            'include-invalid',
            `${quoted}: not valid YAML: ${doc.error.message}`,
            key,
            ref,
          );
          return original;
        }
        included.push({ absolute: real, by: at.absolute, source, text });
        return resolveIn(doc.value, { absolute: real, source, document: doc.document }, [
          ...chain,
          real,
        ]);
      }
      included.push({ absolute: real, by: at.absolute, text });
      if (key === '$json') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          problem(
            'diagnostic',
            'include-invalid',
            `${quoted}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
            key,
            ref,
          );
          return original;
        }
        return resolveIn(parsed, next, [...chain, real]);
      }
      return text; // $text, $openapi, $asyncapi: the catalog reads these as text
    };

    const walk = async (node: unknown, depth: number): Promise<unknown> => {
      if (depth > 128) return node;
      if (Array.isArray(node)) {
        const out: unknown[] = [];
        for (const item of node) out.push(await walk(item, depth + 1));
        return out;
      }
      if (!isObject(node)) return node;
      const keys = Object.keys(node);
      if (keys.length === 1 && PLACEHOLDER_KEYS.has(keys[0]) && typeof node[keys[0]] === 'string') {
        return include(keys[0], node[keys[0]] as string, node);
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) out[key] = await walk(node[key], depth + 1);
      return out;
    };

    return walk(data, 0);
  };

  const start = path.resolve(holder.absolute);
  let realStart = start;
  try {
    realStart = await fs.realpath(start);
  } catch {
    // keep the given path
  }
  const resolved = await resolveIn(value, holder, [realStart]);
  return { value: resolved, problems, included };
}

/** Whether a value holds a placeholder anywhere (cheap check before resolving). */
export function hasPlaceholder(value: unknown, depth = 0): boolean {
  if (depth > 128) return false;
  if (Array.isArray(value)) return value.some(v => hasPlaceholder(v, depth + 1));
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && PLACEHOLDER_KEYS.has(keys[0])) return true;
  return keys.some(k => hasPlaceholder(value[k], depth + 1));
}
