import {
  patternConstrainsPath,
  patternConstrainsToken,
  patternConstrainsUrl,
  PatternVerdict,
  profilePattern,
} from './patterns';
import { SinkKind } from './sinks';

type JsonSchema = Record<string, unknown>;

/** One declaration of a form parameter in `spec.parameters`. */
export interface ParameterDeclaration {
  /** Dotted name as templates read it: `parameters.<name>`. */
  name: string;
  schema: JsonSchema;
  /** e.g. `spec.parameters[0].properties.targetPath` */
  location: string;
}

export interface ParameterIndex {
  /** Every declaration by name; a name declared in several pages or branches has several. */
  byName: Map<string, ParameterDeclaration[]>;
  /** Schemas the analyser could not read (wrong shapes), with their location. */
  problems: Array<{ location: string; message: string }>;
}

const MAX_SCHEMA_DEPTH = 12;
const MAX_PARAMETERS = 2000;

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `spec.parameters` (one schema or a list of form pages), including conditional branches. */
export function indexParameters(parameters: unknown): ParameterIndex {
  const index: ParameterIndex = { byName: new Map(), problems: [] };
  let count = 0;

  const add = (declaration: ParameterDeclaration) => {
    if (count++ >= MAX_PARAMETERS) return;
    const list = index.byName.get(declaration.name) ?? [];
    list.push(declaration);
    index.byName.set(declaration.name, list);
  };

  const walk = (
    schema: unknown,
    prefix: string,
    location: string,
    depth: number,
  ) => {
    if (depth > MAX_SCHEMA_DEPTH) {
      index.problems.push({
        location,
        message: `schema nested deeper than ${MAX_SCHEMA_DEPTH} levels`,
      });
      return;
    }
    if (!isObject(schema)) {
      if (schema !== undefined && schema !== null) {
        index.problems.push({ location, message: 'schema is not an object' });
      }
      return;
    }
    const properties = schema.properties;
    if (properties !== undefined && !isObject(properties)) {
      index.problems.push({
        location: `${location}.properties`,
        message: 'properties is not an object',
      });
    }
    if (isObject(properties)) {
      for (const [key, property] of Object.entries(properties)) {
        const name = prefix ? `${prefix}.${key}` : key;
        const propertyLocation = `${location}.properties.${key}`;
        if (!isObject(property)) {
          index.problems.push({
            location: propertyLocation,
            message: 'parameter schema is not an object',
          });
          // Still declared: the API accepts any value for it.
          add({ name, schema: {}, location: propertyLocation });
          continue;
        }
        add({ name, schema: property, location: propertyLocation });
        if (
          isObject(property.properties) ||
          Array.isArray(property.allOf) ||
          Array.isArray(property.oneOf)
        ) {
          walk(property, name, propertyLocation, depth + 1);
        }
      }
    }
    for (const combinator of ['allOf', 'oneOf', 'anyOf'] as const) {
      const branches = schema[combinator];
      if (Array.isArray(branches)) {
        branches.forEach((branch, i) =>
          walk(branch, prefix, `${location}.${combinator}[${i}]`, depth + 1),
        );
      }
    }
    for (const branch of ['then', 'else'] as const) {
      if (isObject(schema[branch]))
        walk(schema[branch], prefix, `${location}.${branch}`, depth + 1);
    }
    if (isObject(schema.dependencies)) {
      for (const [key, dependency] of Object.entries(schema.dependencies)) {
        if (isObject(dependency))
          walk(
            dependency,
            prefix,
            `${location}.dependencies.${key}`,
            depth + 1,
          );
      }
    }
  };

  if (Array.isArray(parameters)) {
    parameters.forEach((page, i) => walk(page, '', `spec.parameters[${i}]`, 0));
  } else if (parameters !== undefined && parameters !== null) {
    walk(parameters, '', 'spec.parameters', 0);
  }
  return index;
}

function uiOptions(schema: JsonSchema): JsonSchema {
  return isObject(schema['ui:options']) ? schema['ui:options'] : {};
}

/** `ui:field: Secret`, `ui:widget: password`: the value is a credential. */
export function isSecretParameter(
  declarations: ParameterDeclaration[],
): boolean {
  return declarations.some(
    ({ schema }) =>
      schema['ui:field'] === 'Secret' ||
      schema['ui:widget'] === 'password' ||
      schema.format === 'password',
  );
}

/** Finds the declarations of the parameter a reference reads, e.g. `service.name` → `service.name` or `service`. */
export function resolveParameter(
  index: ParameterIndex,
  path: string[],
):
  | { name: string; declarations: ParameterDeclaration[]; exact: boolean }
  | undefined {
  for (let length = path.length; length > 0; length--) {
    if (path.slice(0, length).includes('*')) continue;
    const name = path.slice(0, length).join('.');
    const declarations = index.byName.get(name);
    if (declarations)
      return { name, declarations, exact: length === path.length };
  }
  return undefined;
}

export interface ConstraintVerdict {
  sanitised: boolean;
  /** Why, in words: "enum [a, b]", "pattern '…' is not anchored", "not declared: …". */
  reason: string;
  /** The constraint holds only in the form (ui:options), not on the server. */
  uiOnly?: boolean;
}

const SAFE_TYPES = new Set(['number', 'integer', 'boolean', 'null']);

function enumValues(schema: JsonSchema): unknown[] | undefined {
  if ('const' in schema) return [schema.const];
  if (Array.isArray(schema.enum)) return schema.enum;
  return undefined;
}

function typeList(schema: JsonSchema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type))
    return schema.type.filter((t): t is string => typeof t === 'string');
  return [];
}

function enumValueUnsafe(value: unknown, kind: SinkKind): boolean {
  if (typeof value !== 'string') return false;
  if (kind === 'path')
    return /(?:^|[\\/])\.\.(?:[\\/]|$)/.test(value) || /^[\\/~]/.test(value);
  if (kind === 'command' || kind === 'workflow-input')
    return /[^\w.\-/:=,@+]/.test(value);
  if (kind === 'settings') return value === 'public' || value === 'admin';
  return false;
}

function patternVerdict(pattern: string, kind: SinkKind): PatternVerdict {
  const profile = profilePattern(pattern);
  switch (kind) {
    case 'path':
      return patternConstrainsPath(profile);
    case 'url':
    case 'repo':
      return patternConstrainsUrl(profile);
    case 'command':
    case 'workflow-input':
      return patternConstrainsToken(profile);
    case 'entity-ref':
    case 'settings':
      return {
        constrains: false,
        reason: `a pattern does not limit which ${
          kind === 'settings' ? 'setting' : 'entity'
        } is chosen`,
      };
    default: {
      const token = patternConstrainsToken(profile);
      return token.constrains ? token : patternConstrainsPath(profile);
    }
  }
}

/** The schema of an array element, or of a member of it (`each.value.name`). */
function elementSchema(schema: JsonSchema, member: string[]): JsonSchema {
  let current: JsonSchema = isObject(schema.items) ? schema.items : {};
  for (const key of member) {
    const properties = current.properties;
    if (!isObject(properties) || !isObject(properties[key])) return current;
    current = properties[key] as JsonSchema;
  }
  return current;
}

/**
 * How one declaration constrains a value for a sink kind. `element` is set for array element
 * reads (`each.value`), with the member path inside the element.
 */
function declarationVerdict(
  schema: JsonSchema,
  kind: SinkKind,
  element?: string[],
): ConstraintVerdict {
  const effective = element ? elementSchema(schema, element) : schema;
  const values = enumValues(effective);
  if (values) {
    const unsafe = values.filter(v => enumValueUnsafe(v, kind));
    if (unsafe.length > 0) {
      return {
        sanitised: false,
        reason: `enum allows ${unsafe.map(v => JSON.stringify(v)).join(', ')}`,
      };
    }
    const shown = values
      .slice(0, 6)
      .map(v => JSON.stringify(v))
      .join(', ');
    return {
      sanitised: true,
      reason: `enum [${shown}${values.length > 6 ? ', …' : ''}]`,
    };
  }
  const types = typeList(effective);
  // An array whose every item is constrained (items.enum, items.pattern) is constrained.
  if (!element && types.includes('array') && isObject(effective.items)) {
    const items = declarationVerdict(effective.items as JsonSchema, kind);
    if (items.sanitised)
      return { sanitised: true, reason: `items ${items.reason}` };
  }
  if (types.length > 0 && types.every(t => SAFE_TYPES.has(t))) {
    return { sanitised: true, reason: `type ${types.join('|')}` };
  }
  if (typeof effective.pattern === 'string') {
    const verdict = patternVerdict(effective.pattern, kind);
    return { sanitised: verdict.constrains, reason: verdict.reason };
  }
  if (kind === 'repo' && schema['ui:field'] === 'RepoUrlPicker') {
    const options = uiOptions(schema);
    const hosts = Array.isArray(options.allowedHosts)
      ? options.allowedHosts
      : [];
    const owners = Array.isArray(options.allowedOwners)
      ? options.allowedOwners
      : [];
    const repos = Array.isArray(options.allowedRepos)
      ? options.allowedRepos
      : [];
    if (hosts.length > 0 && (owners.length > 0 || repos.length > 0)) {
      return {
        sanitised: true,
        uiOnly: true,
        reason: `RepoUrlPicker allowedHosts [${hosts.join(', ')}] and allowed${
          owners.length
            ? `Owners [${owners.join(', ')}]`
            : `Repos [${repos.join(', ')}]`
        } (enforced by the form only, not by the server)`,
      };
    }
    return {
      sanitised: false,
      reason:
        hosts.length > 0
          ? `RepoUrlPicker limits hosts to [${hosts.join(
              ', ',
            )}] but not owners: any organisation the integration can write to`
          : 'RepoUrlPicker without allowedHosts/allowedOwners',
    };
  }
  const field =
    typeof schema['ui:field'] === 'string'
      ? ` (ui:field ${schema['ui:field']} filters only the form)`
      : '';
  return {
    sanitised: false,
    reason: `free-form ${
      types[0] ?? 'value'
    } without enum, const or pattern${field}`,
  };
}

/**
 * Whether a parameter is constrained enough for a sink kind. With several declarations (pages,
 * oneOf branches) the weakest counts. Server-side validation (`jsonschema` in `POST /v2/tasks`)
 * enforces enum, const, type and pattern; `ui:*` options bind only the form.
 */
export function assessConstraint(
  resolved:
    | { name: string; declarations: ParameterDeclaration[]; exact: boolean }
    | undefined,
  kind: SinkKind,
  element?: string[],
): ConstraintVerdict {
  if (!resolved) {
    return {
      sanitised: false,
      reason:
        'not declared in spec.parameters: the API accepts any value for it',
    };
  }
  let weakest: ConstraintVerdict | undefined;
  for (const declaration of resolved.declarations) {
    const schema = declaration.schema;
    // A member of an object parameter whose properties are not declared is free-form.
    if (
      !resolved.exact &&
      !isObject(schema.properties) &&
      typeList(schema).includes('object')
    ) {
      return {
        sanitised: false,
        reason: `object parameter '${resolved.name}' declares no properties`,
      };
    }
    const verdict = declarationVerdict(schema, kind, element);
    if (!verdict.sanitised) return verdict;
    weakest ??= verdict;
  }
  return weakest ?? { sanitised: false, reason: 'no schema' };
}

/** A boolean or enumerated parameter: a documented choice the form offers. */
export function isChoiceParameter(
  resolved: { declarations: ParameterDeclaration[] } | undefined,
): boolean {
  if (!resolved || resolved.declarations.length === 0) return false;
  return resolved.declarations.every(({ schema }) => {
    if (enumValues(schema)) return true;
    const types = typeList(schema);
    return types.length > 0 && types.every(t => t === 'boolean');
  });
}

/** Literal strings an `if` may compare a parameter with, to spot hidden triggers. */
export function allowedLiterals(
  resolved: { declarations: ParameterDeclaration[] } | undefined,
): Set<string> | undefined {
  if (!resolved) return undefined;
  const literals = new Set<string>();
  for (const { schema } of resolved.declarations) {
    const values = enumValues(schema);
    if (!values) return undefined;
    for (const v of values) literals.add(String(v));
    if (schema.default !== undefined) literals.add(String(schema.default));
  }
  return literals;
}

/** `maxItems` of an array parameter (server-validated), if any. */
export function maxItemsOf(
  resolved: { declarations: ParameterDeclaration[] } | undefined,
): number | undefined {
  if (!resolved) return undefined;
  let max: number | undefined;
  for (const { schema } of resolved.declarations) {
    const types = typeList(schema);
    if (
      types.length > 0 &&
      types.every(t => SAFE_TYPES.has(t) || t === 'string')
    )
      return 0;
    // Unique items drawn from an enum: at most one run per allowed value.
    const items = isObject(schema.items) ? (schema.items as JsonSchema) : {};
    const choices = enumValues(items);
    let bound: number | undefined;
    if (typeof schema.maxItems === 'number') bound = schema.maxItems;
    else if (schema.uniqueItems === true && choices) bound = choices.length;
    if (bound === undefined) return undefined;
    max = Math.max(max ?? 0, bound);
  }
  return max;
}
