import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { InputError } from '@backstage/errors';
import express, { RequestHandler } from 'express';
import { OpenApiDocument, specOperations } from '../schema/spec';

const FLAT_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

function shown(text: string) {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** The request's query parameters (none without a query string). */
function queryParamsOf(url: string): URLSearchParams {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return new URLSearchParams();
  try {
    return new URLSearchParams(url.slice(queryStart + 1));
  } catch {
    throw new InputError('Malformed query string');
  }
}

/**
 * What the OpenAPI validator (AJV with type coercion) lets through but this API does not accept:
 * bracketed or nested parameter names, which Express's `qs` parser would turn into objects or
 * arrays (`status[x]=`, `status[]=`), and integers written other than as plain decimal digits
 * (AJV coerces `0x10`, `1e2` and ` 5` to numbers). Which parameters are integers comes from the spec.
 */
export function strictQuery(spec: OpenApiDocument): RequestHandler {
  const integerNames = new Set(
    specOperations(spec).flatMap(op =>
      op.parameters
        .filter(p => p.in === 'query' && p.schema?.type === 'integer')
        .map(p => p.name),
    ),
  );
  return (req, _res, next) => {
    for (const [name, value] of queryParamsOf(req.url)) {
      if (!FLAT_NAME.test(name)) {
        throw new InputError(
          `Query parameter ${shown(
            name,
          )} is not accepted: names are plain words, without brackets or dots`,
        );
      }
      if (integerNames.has(name) && !DECIMAL.test(value)) {
        throw new InputError(
          `Query parameter ${name} must be written as plain decimal digits`,
        );
      }
    }
    next();
  };
}

const NUL = '\u0000';

/** Whether a parsed JSON value holds a NUL character in a string or key (iteratively: bodies may nest deeply). */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes(NUL)) return true;
    } else if (next && typeof next === 'object') {
      for (const [key, item] of Object.entries(next)) {
        if (key.includes(NUL)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/**
 * Refuses a request whose path, query or body holds a NUL character: PostgreSQL text cannot hold
 * one (a filter with it failed in the database, a streamed export mid-answer), and no stored value
 * has one, so on SQLite it could only match nothing.
 */
export function refuseNulCharacters(): RequestHandler {
  return (req, _res, next) => {
    const queryStart = req.url.indexOf('?');
    const path = queryStart < 0 ? req.url : req.url.slice(0, queryStart);
    if (/%00/i.test(path) || path.includes(NUL)) {
      throw new InputError('The path must not hold a NUL character');
    }
    for (const [name, value] of queryParamsOf(req.url)) {
      if (name.includes(NUL) || value.includes(NUL)) {
        throw new InputError(`Query parameter ${shown(name)} must not hold a NUL character`);
      }
    }
    if (holdsNul(req.body)) {
      throw new InputError('The request body must not hold a NUL character');
    }
    next();
  };
}

/**
 * A router that validates every request against the plugin's OpenAPI document before a handler
 * runs: path and query parameters (types, bounds, enums, patterns), no undeclared query
 * parameters. Failures reach the error handler as `InputError`s.
 */
export function createValidatedRouter(spec: OpenApiDocument): express.Router {
  // The document names the public base path; the router sees paths relative to its mount point.
  const relative = { ...spec, servers: [{ url: '/' }] };
  return createValidatedOpenApiRouter(relative as any, {
    middleware: [express.json({ limit: '16kb' }), strictQuery(spec), refuseNulCharacters()],
    validatorOptions: {
      validateRequests: {
        coerceTypes: false,
        allowUnknownQueryParameters: false,
        removeAdditional: false,
      },
    },
  }) as unknown as express.Router;
}
