import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import { ErrorRequestHandler } from 'express';
import { TooManyRequestsError } from '../service/errors';

/** Backstage errors whose message is meant for the caller, with their status. */
const PUBLIC_ERRORS: Record<string, number> = {
  InputError: 400,
  AuthenticationError: 401,
  NotAllowedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  TooManyRequestsError: 429,
};

const MAX_MESSAGE = 300;

function statusOf(error: unknown): number | undefined {
  const value =
    (error as { statusCode?: unknown; status?: unknown } | undefined) ?? {};
  const status = value.statusCode ?? value.status;
  return typeof status === 'number' && Number.isInteger(status)
    ? status
    : undefined;
}

export interface PublicError {
  status: number;
  name: string;
  message: string;
  headers?: Record<string, string>;
  /** Set for answers that hide the error: the id under which it was logged. */
  correlationId?: string;
}

/**
 * What a caller may learn about an error: Backstage 4xx errors keep their (bounded) message; other
 * 4xx (malformed escapes, body-parser errors) get a generic one; everything else is a 500 naming
 * only a correlation id. Database, catalog and internal text never leaves through here.
 */
export function toPublicError(error: unknown): PublicError {
  const name = isError(error) ? error.name : '';
  const known = PUBLIC_ERRORS[name];
  if (known) {
    const message = String((error as Error).message ?? '');
    return {
      status: known,
      name,
      message:
        message.length > MAX_MESSAGE
          ? `${message.slice(0, MAX_MESSAGE)}…`
          : message,
      headers:
        error instanceof TooManyRequestsError
          ? { 'Retry-After': String(error.retryAfterSeconds) }
          : undefined,
    };
  }
  const status = statusOf(error);
  if (name === 'URIError' || (status && status >= 400 && status < 500)) {
    const generic: Record<number, string> = {
      413: 'Request body too large',
      415: 'Unsupported content type',
    };
    return {
      status: status && status !== 405 ? status : 400,
      name: 'InputError',
      message:
        generic[status ?? 0] ??
        (name === 'URIError'
          ? 'Malformed percent-encoding in the request'
          : 'Malformed request'),
    };
  }
  const correlationId = randomUUID();
  return {
    status: 500,
    name: 'Error',
    message: `Internal error; see the backend log (correlation id ${correlationId})`,
    correlationId,
  };
}

/** The router's one error handler (mounted last). */
export function errorMapper(logger: LoggerService): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const answer = toPublicError(error);
    if (answer.correlationId) {
      logger.error(
        `${req.method} ${req.baseUrl}${req.path} failed (correlation id ${answer.correlationId})`,
        isError(error) ? error : new Error(String(error)),
      );
    }
    if (res.headersSent) {
      // A streamed answer (CSV) failed half-way: cut it off rather than send a partial file as whole.
      res.destroy();
      return;
    }
    res.status(answer.status);
    for (const [header, value] of Object.entries(answer.headers ?? {})) {
      res.setHeader(header, value);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      error: { name: answer.name, message: answer.message },
      response: { statusCode: answer.status },
    });
  };
}
