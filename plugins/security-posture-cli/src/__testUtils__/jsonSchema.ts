/**
 * A small JSON Schema draft-04 validator for the tests: exactly the keywords the vendored SARIF
 * schema uses. An unknown keyword throws rather than being ignored, so a schema this validator
 * does not understand cannot pass by default. (A schema validator library is not among the
 * package's dependencies.)
 */
type Schema = Record<string, any>;

const ANNOTATIONS = new Set(['$schema', 'id', 'title', 'description', 'default', 'definitions']);
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'properties',
  'additionalProperties',
  'required',
  'enum',
  'items',
  'minItems',
  'uniqueItems',
  'minimum',
  'maximum',
  'pattern',
  'format',
  'oneOf',
  'anyOf',
]);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
const URI_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Errors of `value` against `schema`; `$ref`s resolve in `root` (the whole schema document). */
export function validate(target: Schema, value: unknown, root: Schema = target): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node: any = root;
    for (const part of ref.slice(2).split('/')) node = node?.[part];
    if (!node) throw new Error(`unresolved $ref ${ref}`);
    return node;
  };

  const check = (schema: Schema, v: unknown, at: string): boolean => {
    const before = errors.length;
    for (const keyword of Object.keys(schema)) {
      if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) {
        throw new Error(`unsupported schema keyword '${keyword}' at ${at}`);
      }
    }
    if (schema.$ref) return check(resolve(schema.$ref), v, at);
    if (schema.type !== undefined) {
      const types: string[] = [schema.type].flat();
      if (!types.some(t => hasType(v, t)))
        errors.push(`${at}: expected ${types.join('|')}, got ${typeOf(v)}`);
    }
    if (schema.enum && !schema.enum.some((e: unknown) => deepEqual(e, v))) {
      errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(schema.enum)}`);
    }
    if (typeof v === 'string') {
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(v)) {
        errors.push(`${at}: '${v}' does not match ${schema.pattern}`);
      }
      if (schema.format === 'date-time' && !(DATE_TIME.test(v) && !isNaN(Date.parse(v)))) {
        errors.push(`${at}: '${v}' is not a date-time`);
      }
      if (schema.format === 'uri' && !URI_SCHEME.test(v)) {
        errors.push(`${at}: '${v}' is not an absolute URI`);
      }
      if (schema.format === 'uri-reference' && /[\s<>"{}|\\^`]/.test(v)) {
        errors.push(`${at}: '${v}' is not a URI reference`);
      }
    }
    if (typeof v === 'number') {
      if (schema.minimum !== undefined && v < schema.minimum)
        errors.push(`${at}: ${v} < ${schema.minimum}`);
      if (schema.maximum !== undefined && v > schema.maximum)
        errors.push(`${at}: ${v} > ${schema.maximum}`);
    }
    if (Array.isArray(v)) {
      if (schema.minItems !== undefined && v.length < schema.minItems) {
        errors.push(`${at}: fewer than ${schema.minItems} items`);
      }
      if (schema.uniqueItems) {
        const seen = new Set(v.map(item => JSON.stringify(item)));
        if (seen.size !== v.length) errors.push(`${at}: items are not unique`);
      }
      if (schema.items) v.forEach((item, i) => check(schema.items, item, `${at}[${i}]`));
    }
    if (typeOf(v) === 'object') {
      const object = v as Record<string, unknown>;
      for (const key of schema.required ?? []) {
        if (!(key in object)) errors.push(`${at}: missing required '${key}'`);
      }
      const properties: Schema = schema.properties ?? {};
      for (const [key, item] of Object.entries(object)) {
        if (properties[key]) check(properties[key], item, `${at}.${key}`);
        else if (schema.additionalProperties === false) {
          errors.push(`${at}: unexpected property '${key}'`);
        } else if (typeof schema.additionalProperties === 'object') {
          check(schema.additionalProperties, item, `${at}.${key}`);
        }
      }
    }
    const branches = (list: Schema[]) =>
      list.map(branch => {
        const saved = errors.length;
        const ok = check(branch, v, at);
        errors.length = saved;
        return ok;
      });
    if (schema.anyOf && !branches(schema.anyOf).some(Boolean)) {
      errors.push(`${at}: matches none of anyOf`);
    }
    if (schema.oneOf && branches(schema.oneOf).filter(Boolean).length !== 1) {
      errors.push(`${at}: does not match exactly one of oneOf`);
    }
    return errors.length === before;
  };

  check(target, value, '$');
  return errors;
}
