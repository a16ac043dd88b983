import * as nunjucks from 'nunjucks';

/**
 * Parses the `${{ … }}` expressions of scaffolder template strings with Nunjucks' own parser and
 * reports which context values flow into the rendered string. The scaffolder renders v1beta3
 * templates with Nunjucks syntax (`${{` / `}}` variable tags, `{% %}` blocks); v1beta2 templates
 * used handlebars-like `{{ }}`, parsed here best-effort with the default Nunjucks tags.
 */

/** A context value read by an expression, e.g. `parameters.targetPath` or `steps['x'].output.y`. */
export interface SourceRef {
  /** First symbol: `parameters`, `steps`, `each`, `secrets`, `user`, `environment`, … */
  root: string;
  /** Literal members after the root; `*` for a computed member such as `parameters[key]`. */
  path: string[];
  /** Filters applied to the value, innermost first; `#numeric` marks arithmetic. */
  filters: string[];
}

export interface ParsedValue {
  hasExpression: boolean;
  /** Values whose content flows into the rendered result. */
  refs: SourceRef[];
  /** Values that only decide what renders (`if` conditions, comparisons, computed keys). */
  conditionRefs: SourceRef[];
  /** Literal text before the first expression. */
  literalPrefix: string;
  /** The prefix fixes scheme and host (`https://host/…`): expressions cannot change the host. */
  hostPinned: boolean;
  /** The string is exactly one expression, so the scaffolder passes its value through as is. */
  onlyExpression: boolean;
  /** `{{ … }}` without `$` in a v1beta3 template: rendered literally, a leftover of v1beta2. */
  legacyHandlebars: boolean;
  /** Comparisons of a value with a string literal (`parameters.x == 'y'`), for hidden triggers. */
  comparisons: Array<{ ref: SourceRef; literal: string }>;
  /** Why the string could not be parsed; refs then come from a conservative fallback scan. */
  error?: string;
}

/** Strings longer than this are not parsed (a template value is short; a hostile one is not). */
export const MAX_EXPRESSION_SOURCE = 64 * 1024;
// Nunjucks' recursive-descent parser overflows the stack on very deep nesting.
const MAX_NESTING = 100;

/** Filters whose result is a number: no path, URL or shell syntax survives them. */
export const NUMERIC_FILTERS = new Set([
  'int',
  'float',
  'length',
  'abs',
  'round',
  'wordcount',
  'sum',
]);

const BOOLEAN_NODES = new Set(['Compare', 'Is', 'In', 'Not']);
const NUMERIC_NODES = new Set([
  'Sub',
  'Mul',
  'Div',
  'FloorDiv',
  'Mod',
  'Pow',
  'Neg',
  'Pos',
]);

const V1BETA3_TAGS = { tags: { variableStart: '${{', variableEnd: '}}' } };
const HANDLEBARS_TAGS = {};

// `{{ parameters.x }}`-style references not preceded by `$`; bounded, no nested quantifiers.
const HANDLEBARS_REF =
  /(?:^|[^$]){{\s{0,20}(?:parameters|steps|secrets|user|each)\b/;
// Fallback for unparsable strings: dotted references to the well-known roots.
const FALLBACK_REF =
  /\b(parameters|steps|secrets|user|each|environment)((?:\.[A-Za-z_$][\w$-]{0,100}|\[\s{0,5}['"][^'"\]]{1,100}['"]\s{0,5}\]){0,8})/g;
const MEMBER =
  /\.([A-Za-z_$][\w$-]{0,100})|\[\s{0,5}['"]([^'"\]]{1,100})['"]\s{0,5}\]/g;
const HOST_PINNED = /^[a-z][a-z0-9+.-]{0,20}:\/\/[^/\s?#@\\]{1,253}\//i;

interface NunjucksNode {
  typename: string;
  fields: string[];
  value?: unknown;
  [field: string]: unknown;
}

interface NunjucksParser {
  parse(src: string, extensions: unknown[], opts: object): NunjucksNode;
}

const parser = (nunjucks as unknown as { parser: NunjucksParser }).parser;

function emptyResult(): ParsedValue {
  return {
    hasExpression: false,
    refs: [],
    conditionRefs: [],
    literalPrefix: '',
    hostPinned: false,
    onlyExpression: false,
    legacyHandlebars: false,
    comparisons: [],
  };
}

function nestingDepth(source: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 41 || c === 93 || c === 125) {
      depth = Math.max(0, depth - 1);
    }
  }
  return max;
}

/** Dotted references found by a linear scan; used only when the parser fails. */
export function fallbackRefs(source: string): SourceRef[] {
  const refs: SourceRef[] = [];
  const text =
    source.length > MAX_EXPRESSION_SOURCE
      ? source.slice(0, MAX_EXPRESSION_SOURCE)
      : source;
  for (const match of text.matchAll(FALLBACK_REF)) {
    const path: string[] = [];
    for (const member of (match[2] ?? '').matchAll(MEMBER)) {
      path.push(member[1] ?? member[2]);
    }
    refs.push({ root: match[1], path, filters: [] });
  }
  return refs;
}

function isNode(value: unknown): value is NunjucksNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NunjucksNode).typename === 'string'
  );
}

function children(node: NunjucksNode): NunjucksNode[] {
  const list = node.children;
  return Array.isArray(list) ? list.filter(isNode) : [];
}

class RefCollector {
  readonly refs: SourceRef[] = [];
  readonly conditionRefs: SourceRef[] = [];
  readonly comparisons: Array<{ ref: SourceRef; literal: string }> = [];
  // Variables bound by `{% set %}` and `{% for %}` inside the string.
  private readonly locals = new Map<
    string,
    { refs: SourceRef[]; element: boolean }
  >();

  /** Collects what flows from `node` into the output, with `filters` applied on top. */
  flow(
    node: NunjucksNode | undefined,
    filters: string[],
    into: SourceRef[],
  ): void {
    if (!node) return;
    const type = node.typename;
    switch (type) {
      case 'TemplateData':
      case 'Literal':
        return;
      case 'Symbol':
        this.symbol(String(node.value), [], filters, into);
        return;
      case 'LookupVal':
        this.lookup(node, filters, into);
        return;
      case 'Filter':
      case 'FilterAsync': {
        const name = isNode(node.name) ? String(node.name.value) : '?';
        const args = isNode(node.args) ? children(node.args) : [];
        for (const arg of args) this.flow(arg, [name, ...filters], into);
        return;
      }
      case 'FunCall': {
        // `parameters.x.split('/')` is a method call on the value: the base flows through.
        const name = node.name as NunjucksNode | undefined;
        // The last member is the method name; its target is the value.
        if (name && name.typename === 'LookupVal')
          this.flow(name.target as NunjucksNode, ['#call', ...filters], into);
        const args = isNode(node.args) ? children(node.args) : [];
        for (const arg of args) this.flow(arg, filters, into);
        return;
      }
      case 'InlineIf':
      case 'If':
      case 'IfAsync':
        this.flow(node.cond as NunjucksNode, [], this.conditionRefs);
        this.flow(node.body as NunjucksNode, filters, into);
        this.flow(node.else_ as NunjucksNode, filters, into);
        return;
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll': {
        const bound: SourceRef[] = [];
        this.flow(node.arr as NunjucksNode, filters, bound);
        const names = node.name as NunjucksNode;
        const symbols =
          names && (names.typename === 'Array' || names.typename === 'NodeList')
            ? children(names)
            : [names];
        for (const symbol of symbols) {
          if (symbol?.typename === 'Symbol')
            this.locals.set(String(symbol.value), {
              refs: bound,
              element: true,
            });
        }
        this.flow(node.body as NunjucksNode, filters, into);
        this.flow(node.else_ as NunjucksNode, filters, into);
        return;
      }
      case 'Set': {
        const bound: SourceRef[] = [];
        this.flow((node.value ?? node.body) as NunjucksNode, [], bound);
        const targets = Array.isArray(node.targets)
          ? node.targets.filter(isNode)
          : [];
        for (const target of targets) {
          if (target.typename === 'Symbol')
            this.locals.set(String(target.value), {
              refs: bound,
              element: false,
            });
        }
        return;
      }
      default:
        break;
    }
    if (type === 'Compare') this.compare(node);
    if (BOOLEAN_NODES.has(type)) {
      // The result is a boolean: the operands decide, they do not flow.
      this.generic(node, [], this.conditionRefs);
      return;
    }
    if (NUMERIC_NODES.has(type)) {
      this.generic(node, ['#numeric', ...filters], into);
      return;
    }
    this.generic(node, filters, into);
  }

  private compare(node: NunjucksNode) {
    const operands = [node.expr as NunjucksNode | undefined];
    const ops = Array.isArray(node.ops) ? node.ops.filter(isNode) : [];
    for (const op of ops) operands.push(op.expr as NunjucksNode | undefined);
    const literals = operands.filter(
      (o): o is NunjucksNode =>
        o?.typename === 'Literal' && typeof o.value === 'string',
    );
    if (literals.length === 0) return;
    for (const operand of operands) {
      if (!operand || operand.typename === 'Literal') continue;
      const refs: SourceRef[] = [];
      this.flow(operand, [], refs);
      for (const ref of refs) {
        for (const literal of literals)
          this.comparisons.push({ ref, literal: String(literal.value) });
      }
    }
  }

  private generic(node: NunjucksNode, filters: string[], into: SourceRef[]) {
    for (const field of node.fields ?? []) {
      const value = node[field];
      if (isNode(value)) this.flow(value, filters, into);
      else if (Array.isArray(value))
        for (const v of value) if (isNode(v)) this.flow(v, filters, into);
    }
  }

  private symbol(
    name: string,
    path: string[],
    filters: string[],
    into: SourceRef[],
  ) {
    const local = this.locals.get(name);
    if (local) {
      for (const ref of local.refs) {
        const element = local.element ? ['*'] : [];
        into.push({
          root: ref.root,
          path: [...ref.path, ...element, ...path],
          filters: [...ref.filters, ...filters],
        });
      }
      return;
    }
    into.push({ root: name, path, filters });
  }

  private lookup(node: NunjucksNode, filters: string[], into: SourceRef[]) {
    const path: string[] = [];
    let current: NunjucksNode | undefined = node;
    while (current && current.typename === 'LookupVal') {
      const val = current.val as NunjucksNode | undefined;
      if (
        val &&
        val.typename === 'Literal' &&
        (typeof val.value === 'string' || typeof val.value === 'number')
      ) {
        path.unshift(String(val.value));
      } else {
        path.unshift('*');
        // A computed key selects which value flows; its own value does not.
        this.flow(val, [], this.conditionRefs);
      }
      current = current.target as NunjucksNode | undefined;
    }
    if (current && current.typename === 'Symbol') {
      this.symbol(String(current.value), path, filters, into);
    } else if (current) {
      // A member of a computed value (`(x | parseRepoUrl).host`) carries the value's sources.
      this.flow(current, ['#member', ...filters], into);
    }
  }
}

function parseWith(source: string, options: object): ParsedValue {
  const result = emptyResult();
  const root = parser.parse(source, [], options);
  const collector = new RefCollector();
  let prefixOpen = true;
  let outputs = 0;
  let literalText = false;
  for (const output of children(root)) {
    if (output.typename !== 'Output') {
      prefixOpen = false;
      result.hasExpression = true;
      outputs += 1;
      collector.flow(output, [], collector.refs);
      continue;
    }
    for (const child of children(output)) {
      if (child.typename === 'TemplateData') {
        if (String(child.value).length > 0) literalText = true;
        if (prefixOpen) result.literalPrefix += String(child.value);
        continue;
      }
      prefixOpen = false;
      result.hasExpression = true;
      outputs += 1;
      collector.flow(child, [], collector.refs);
    }
  }
  result.refs = collector.refs;
  result.conditionRefs = collector.conditionRefs;
  result.comparisons = collector.comparisons;
  result.onlyExpression =
    outputs === 1 && !literalText && children(root).length === 1;
  result.hostPinned =
    result.hasExpression && HOST_PINNED.test(result.literalPrefix);
  return result;
}

/**
 * Parses one template string. `syntax: 'v1beta3'` uses the scaffolder's `${{ }}` tags;
 * `'handlebars'` parses v1beta2-style `{{ }}` best-effort. Never throws.
 */
export function parseTemplateValue(
  source: string,
  syntax: 'v1beta3' | 'handlebars' = 'v1beta3',
): ParsedValue {
  const marker = syntax === 'v1beta3' ? '${{' : '{{';
  const hasBlocks = source.includes('{%');
  if (!source.includes(marker) && !hasBlocks) {
    const result = emptyResult();
    if (syntax === 'v1beta3' && source.length <= MAX_EXPRESSION_SOURCE) {
      result.legacyHandlebars = HANDLEBARS_REF.test(source);
    }
    return result;
  }
  if (source.length > MAX_EXPRESSION_SOURCE) {
    return {
      ...emptyResult(),
      hasExpression: true,
      refs: fallbackRefs(source),
      error: `value is ${source.length} characters long; only values up to ${MAX_EXPRESSION_SOURCE} are parsed`,
    };
  }
  if (nestingDepth(source) > MAX_NESTING) {
    return {
      ...emptyResult(),
      hasExpression: true,
      refs: fallbackRefs(source),
      error: `expression nesting deeper than ${MAX_NESTING} levels`,
    };
  }
  try {
    const result = parseWith(
      source,
      syntax === 'v1beta3' ? V1BETA3_TAGS : HANDLEBARS_TAGS,
    );
    if (syntax === 'v1beta3')
      result.legacyHandlebars = HANDLEBARS_REF.test(source);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...emptyResult(),
      hasExpression: true,
      refs: fallbackRefs(source),
      // Nunjucks prefixes messages with a location line; keep only the reason.
      error: message
        .replace(/^\(unknown path\)\s*(?:\[[^\]]{0,40}\])?\s*/, '')
        .slice(0, 200),
    };
  }
}
