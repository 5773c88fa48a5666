import type { HttpOnlyCode } from './http-status.js';

/**
 * An error only the HTTP layer raises (authentication, the Host check). Library errors stay LockstepError.
 *
 * @example
 * throw new HttpError('E_UNAUTHORIZED', 'send Authorization: Bearer <token>');
 */
export class HttpError extends Error {
  constructor(
    readonly code: HttpOnlyCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
