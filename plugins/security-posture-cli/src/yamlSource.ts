import {
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Node as YamlNode,
  parseAllDocuments,
} from 'yaml';

/** A 1-based line and column, as editors and SARIF count them. */
export interface Position {
  line: number;
  column: number;
}

/** Where something is in a file: start and (exclusive) end. */
export interface Span {
  start: Position;
  end?: Position;
}

/** One YAML document of a file, parsed, with the offsets of its nodes. */
export interface SourceDocument {
  /** 0-based index of the document in the file (empty documents count too). */
  index: number;
  document: Document.Parsed;
  /** The first YAML error of the document, if it has any. */
  error?: { message: string; offset: number };
  /** Plain JS value; undefined for a document with errors. */
  value?: unknown;
}

/** A YAML file with its documents and a line index. */
export interface YamlSource {
  text: string;
  documents: SourceDocument[];
  lineCounter: LineCounter;
}

// Same bound as the template analyser: a billion-laughs file expands to an error, not to memory.
const MAX_ALIAS_COUNT = 100;

/**
 * Parses every document of a YAML file. Never throws: YAML errors are kept per document.
 *
 * Merge keys (`<<: *defaults`) are applied: Backstage's catalog applies them in `$yaml`
 * includes always and in entity files when its parser's `enableYamlMerge` option is on, and a
 * step or parameter reached through a merge key is then analysed like an inline one (the
 * conservative reading: what runs if the portal merges).
 */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    merge: true,
  });
  const list: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  const documents = list.map((document, index): SourceDocument => {
    const first = document.errors[0];
    if (first) {
      return {
        index,
        document,
        // Only the first line: further lines of a YAML error quote the source.
        error: { message: first.message.split('\n')[0], offset: first.pos[0] },
      };
    }
    try {
      return {
        index,
        document,
        value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }),
      };
    } catch (e) {
      return {
        index,
        document,
        error: {
          message: e instanceof Error ? e.message.split('\n')[0] : String(e),
          offset: document.range[0],
        },
      };
    }
  });
  return { text, documents, lineCounter };
}

/** 1-based line and column of a character offset. */
export function positionOf(source: Pick<YamlSource, 'lineCounter'>, offset: number): Position {
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, column: col };
}

/** One step of a field path: a key, an index, or a scaffolder step chosen by its `id`. */
export type PathSegment =
  | { type: 'key'; key: string }
  | { type: 'index'; index: number }
  | { type: 'bracket'; text: string };

const PLAIN_KEY_CHAR = /[^.[#]/;

/**
 * Splits a field path as the checks write it (`metadata.annotations["vault.io/path"]`,
 * `spec.steps[2].input`, `steps[fetch].input.files[0].from`, `backend.cors.origin[0]`) into
 * segments. Anything after `#` (the rule or kind a check appends) is not part of the path.
 */
export function parseFieldPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '#') break;
    if (c === '.') {
      i += 1;
    } else if (c === '[') {
      if (path[i + 1] === '"') {
        // A JSON string: find its closing quote, skipping escaped characters.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        const literal = path.slice(i + 1, j + 1);
        let key: string;
        try {
          key = JSON.parse(literal);
        } catch {
          key = literal.slice(1, -1);
        }
        segments.push({ type: 'key', key });
        i = path[j + 1] === ']' ? j + 2 : j + 1;
      } else {
        const close = path.indexOf(']', i);
        const end = close < 0 ? path.length : close;
        const text = path.slice(i + 1, end);
        segments.push(
          /^\d{1,9}$/.test(text)
            ? { type: 'index', index: Number(text) }
            : { type: 'bracket', text },
        );
        i = end + 1;
      }
    } else {
      let j = i;
      while (j < path.length && PLAIN_KEY_CHAR.test(path[j])) j += 1;
      segments.push({ type: 'key', key: path.slice(i, j) });
      i = j;
    }
  }
  return segments;
}

function segmentText(segment: PathSegment): string {
  if (segment.type === 'key') return segment.key;
  return segment.type === 'bracket' ? segment.text : String(segment.index);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyText(node: unknown): string | undefined {
  // With merge keys on, the `<<` key's value is a symbol; its source is `<<`.
  if (isScalar(node) && typeof node.value === 'symbol') return node.source ?? '<<';
  if (isScalar(node)) return node.value === null ? '' : String(node.value);
  return undefined;
}

function deref(node: unknown, document: Document.Parsed): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

/** The item of a sequence of objects whose `id` is `id` (scaffolder steps are named that way). */
function itemWithId(seq: unknown, id: string, document: Document.Parsed): number {
  if (!isSeq(seq)) return -1;
  return seq.items.findIndex(item => {
    const value = deref(item, document);
    const pair = pairIn(value, 'id', document);
    return isPair(pair) && keyText(pair.value) === id;
  });
}

/** The placeholders the catalog resolves (others, such as JSON Schema's `$ref`, are left alone). */
export const PLACEHOLDER_KEYS: ReadonlySet<string> = new Set([
  '$yaml',
  '$json',
  '$text',
  '$openapi',
  '$asyncapi',
]);

/**
 * A catalog placeholder: a mapping with exactly one key, a known `$` resolver
 * (`$yaml: ./steps.yaml`). Returns its pair, else undefined.
 */
export function placeholderPair(node: unknown) {
  if (!isMap(node) || node.items.length !== 1) return undefined;
  const pair = node.items[0];
  const key = keyText(pair.key);
  return key && PLACEHOLDER_KEYS.has(key) ? pair : undefined;
}

/** The pair of `key` in a mapping, looking through merge keys (`<<: *x`, `<<: [*x, *y]`). */
function pairIn(map: unknown, wanted: string, document: Document.Parsed, depth = 0): unknown {
  if (!isMap(map) || depth > 8) return undefined;
  const own = map.items.find(p => isPair(p) && keyText(p.key) === wanted);
  if (own) return own;
  for (const pair of map.items) {
    if (!isPair(pair) || keyText(pair.key) !== '<<') continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = pairIn(deref(source, document), wanted, document, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** What a field path resolves to in a document. */
export interface ResolvedField {
  /** The deepest node the path reached (the value, or an ancestor when the path ends early). */
  node?: YamlNode;
  /** The key of the pair holding `node`, where there is one. */
  key?: YamlNode;
  /** Whether the whole path was found. */
  complete: boolean;
  /** How many segments of the path were found. */
  depth: number;
  /** The path continues inside a `$yaml`/`$json`/`$text` placeholder: its reference. */
  placeholder?: { key: string; ref: string };
}

/**
 * Follows a field path through a YAML document. Template locations start at the template's
 * `steps[<id>]` (without `spec.`); those are looked up in `spec.steps` by step id.
 */
export function resolveField(
  document: Document.Parsed,
  path: string,
  resolved?: unknown,
): ResolvedField {
  let segments = parseFieldPath(path);
  let node: unknown = document.contents;
  let key: YamlNode | undefined;
  if (segments[0]?.type === 'key' && segments[0].key === 'steps' && isMap(node)) {
    const spec = deref(node.get('spec', true), document);
    if (isMap(spec) && !node.has('steps')) {
      segments = [{ type: 'key', key: 'spec' }, ...segments];
    }
  }
  let reached = 0;
  let placeholder: ResolvedField['placeholder'];
  // The document's value with its includes resolved, followed alongside the nodes: it finds a
  // step that an include supplies (its placeholder item is at the same index).
  let value: unknown = resolved;
  for (const [i, segment] of segments.entries()) {
    const current = deref(node, document);
    let next: unknown;
    let nextKey: YamlNode | undefined;
    const included = placeholderPair(current);
    if (included) {
      // The rest of the path is inside an included file: point at the placeholder.
      node = isScalar(included.value) ? included.value : current;
      key = included.key as YamlNode;
      placeholder = {
        key: keyText(included.key)!,
        ref: isScalar(included.value) ? String(included.value.value) : '',
      };
      break;
    }
    if (isMap(current) && segment.type !== 'index') {
      const wanted = segmentText(segment);
      const pair = pairIn(current, wanted, document);
      if (isPair(pair)) {
        next = pair.value;
        nextKey = pair.key as YamlNode;
      }
      value = isPlainObject(value) ? value[wanted] : undefined;
    } else if (isSeq(current)) {
      let index = segment.type === 'index' ? segment.index : -1;
      // `steps[<id>]`: a step named by its id (an all-digit id still wins over the index).
      const previous = segments[i - 1];
      if (previous?.type === 'key' && previous.key === 'steps') {
        const id = segmentText(segment);
        let byId = itemWithId(current, id, document);
        if (byId < 0 && Array.isArray(value)) {
          byId = value.findIndex(item => isPlainObject(item) && item.id === id);
        }
        // The analyser names a step without an id `step-<n>` (1-based).
        const generated = /^step-(\d{1,6})$/.exec(id);
        if (byId < 0 && generated) {
          const n = Number(generated[1]) - 1;
          const item = Array.isArray(value) ? value[n] : deref(current.items[n], document);
          const hasId = isPlainObject(item)
            ? typeof item.id === 'string' && item.id !== ''
            : isPair(pairIn(item, 'id', document));
          if (n < current.items.length && !hasId) byId = n;
        }
        if (byId >= 0) index = byId;
      }
      if (index >= 0 && index < current.items.length) next = current.items[index];
      value = Array.isArray(value) && index >= 0 ? value[index] : undefined;
    }
    if (next === undefined) break;
    node = next;
    key = nextKey;
    reached += 1;
  }
  // A path that ends at a placeholder names the included content as a whole.
  const last = placeholder ? undefined : placeholderPair(deref(node, document));
  if (last) {
    placeholder = {
      key: keyText(last.key)!,
      ref: isScalar(last.value) ? String(last.value.value) : '',
    };
  }
  return {
    node: (node ?? undefined) as YamlNode | undefined,
    key,
    complete: reached === segments.length,
    depth: reached,
    ...(placeholder ? { placeholder } : {}),
  };
}

/**
 * The span to report for a field: a scalar value itself; for a mapping or list, or when the path
 * ends early, the key that introduces it (where the reader looks); else the document start.
 */
export function spanOfField(
  source: YamlSource,
  document: Document.Parsed,
  path: string,
  resolved?: unknown,
): Span & {
  complete: boolean;
  depth: number;
  placeholder?: ResolvedField['placeholder'];
} {
  const { node, key, complete, depth, placeholder } = resolveField(document, path, resolved);
  const anchor = complete && isScalar(node) ? node : key ?? node;
  const range =
    (anchor as YamlNode | undefined)?.range ?? document.contents?.range ?? document.range;
  return {
    start: positionOf(source, range[0]),
    end: positionOf(source, range[1]),
    complete,
    depth,
    ...(placeholder ? { placeholder } : {}),
  };
}

/**
 * Where a value (e.g. a detected secret) sits inside a field: the exact characters when the
 * field's source holds them verbatim (plain and quoted one-line scalars, block scalars for the
 * first line), else the field itself.
 */
export function spanOfValueInField(
  source: YamlSource,
  document: Document.Parsed,
  path: string,
  value: string,
  resolved?: unknown,
): Span & { complete: boolean; depth: number } {
  const field = resolveField(document, path, resolved);
  const node = field.node;
  if (field.complete && node?.range && value) {
    const [start, end] = node.range;
    const firstLine = value.split('\n')[0].slice(0, 200);
    for (const needle of [value, firstLine]) {
      if (!needle) continue;
      const at = source.text.indexOf(needle, start);
      if (at >= 0 && at + needle.length <= end) {
        return {
          start: positionOf(source, at),
          end: positionOf(source, at + needle.length),
          complete: true,
          depth: field.depth,
        };
      }
    }
  }
  return spanOfField(source, document, path, resolved);
}

/**
 * Character ranges of the string values that the entity checks inspect in an entity document
 * (`metadata` except the identifiers, and `spec`): secrets found there by the raw-text search
 * are the entity checks' to report (they know the field's key and context).
 */
export function inspectedValueRanges(document: Document.Parsed): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const visit = (node: unknown, depth: number) => {
    const current = deref(node, document);
    if (depth > 64 || !current) return;
    if (isScalar(current)) {
      if (current.range) ranges.push([current.range[0], current.range[1]]);
    } else if (isMap(current)) {
      for (const pair of current.items) visit(pair.value, depth + 1);
    } else if (isSeq(current)) {
      for (const item of current.items) visit(item, depth + 1);
    }
  };
  const root = document.contents;
  if (!isMap(root)) return ranges;
  const metadata = deref(root.get('metadata', true), document);
  if (isMap(metadata)) {
    for (const pair of metadata.items) {
      const name = keyText(pair.key);
      if (name && ['name', 'namespace', 'uid', 'etag'].includes(name)) continue;
      visit(pair.value, 1);
    }
  }
  visit(root.get('spec', true), 0);
  return ranges;
}

/** Character ranges of every scalar of a document (an included file is inspected whole). */
export function allScalarRanges(document: Document.Parsed): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const visit = (node: unknown, depth: number) => {
    if (depth > 128 || !node) return;
    if (isScalar(node)) {
      if (node.range) ranges.push([node.range[0], node.range[1]]);
    } else if (isMap(node)) {
      for (const pair of node.items) visit(pair.value, depth + 1);
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item, depth + 1);
    }
  };
  visit(document.contents, 0);
  return ranges;
}
