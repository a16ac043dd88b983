import { CustomErrorBase, isError } from '@backstage/errors';

/** A request refused for now: the caller may retry after `retryAfterSeconds` (HTTP 429). */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError' as const;

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/**
 * Any thrown value as an Error. (`toError` of @backstage/errors arrived in its 1.3.0, Backstage
 * 1.50; the plugin supports releases from 1.45, whose errors package is 1.2.7.)
 */
export function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (isError(value)) return Object.assign(new Error(value.message), { name: value.name });
  return new Error(String(value));
}
