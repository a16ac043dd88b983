import fs from 'node:fs';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import YAML from 'yaml';

/** The parts of the OpenAPI document this package reads. */
export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  explode?: boolean;
  schema?: OpenApiSchema;
}

export interface OpenApiSchema {
  type?: string;
  enum?: unknown[];
  items?: OpenApiSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  $ref?: string;
}

export interface OpenApiDocument {
  openapi: string;
  servers?: Array<{ url: string }>;
  components: {
    parameters: Record<string, OpenApiParameter>;
    schemas: Record<string, OpenApiSchema>;
    [key: string]: unknown;
  };
  paths: Record<
    string,
    Record<string, { parameters?: Array<OpenApiParameter | { $ref: string }> }>
  >;
}

let cached: OpenApiDocument | undefined;

/** The plugin's OpenAPI document (src/schema/openapi.yaml, shipped with the package). */
export function openApiSpec(): OpenApiDocument {
  if (!cached) {
    const file = resolvePackagePath(
      '@security-posture/plugin-security-posture-backend',
      'src/schema/openapi.yaml',
    );
    cached = YAML.parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
  }
  return cached;
}

/** A parameter with its `$ref`s (parameter and schema) resolved. */
export function resolveParameter(
  spec: OpenApiDocument,
  parameter: OpenApiParameter | { $ref: string },
): OpenApiParameter {
  const resolved =
    '$ref' in parameter
      ? spec.components.parameters[parameter.$ref.split('/').pop()!]
      : parameter;
  return { ...resolved, schema: resolveSchema(spec, resolved.schema) };
}

export function resolveSchema(
  spec: OpenApiDocument,
  schema: OpenApiSchema | undefined,
): OpenApiSchema | undefined {
  if (!schema) return undefined;
  const base = schema.$ref
    ? spec.components.schemas[schema.$ref.split('/').pop()!]
    : schema;
  return base.items
    ? { ...base, items: resolveSchema(spec, base.items) }
    : base;
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every operation: method, path template and resolved parameters. */
export function specOperations(spec: OpenApiDocument) {
  return Object.entries(spec.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) =>
        (HTTP_METHODS as readonly string[]).includes(method),
      )
      .map(([method, operation]) => ({
        method,
        path,
        parameters: (operation.parameters ?? []).map(p =>
          resolveParameter(spec, p),
        ),
      })),
  );
}
