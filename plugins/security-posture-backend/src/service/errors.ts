import { CustomErrorBase } from '@backstage/errors';

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
