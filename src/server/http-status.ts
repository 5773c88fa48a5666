import type { ErrorCode } from '../core/errors.js';

/** Codes only the HTTP layer produces: problems with the request itself, before any library call. */
export type HttpOnlyCode =
  | 'E_VALIDATION'
  | 'E_MALFORMED_BODY'
  | 'E_BODY_TOO_LARGE'
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_UNAUTHORIZED'
  | 'E_FORBIDDEN_HOST'
  | 'E_ROUTE_NOT_FOUND';

/** Every code an error response may carry. */
export type HttpErrorCode = ErrorCode | HttpOnlyCode;

/**
 * The one table from error codes to HTTP statuses (documented in the README). Every error response is
 * `{ code, message }` (plus `details` where the library gives them, e.g. URL problems field by field).
 *
 * @example
 * reply.status(HTTP_STATUS[err.code]).send({ code: err.code, message: err.message });
 */
export const HTTP_STATUS: Record<HttpErrorCode, number> = {
  // the request
  E_VALIDATION: 400,
  E_MALFORMED_BODY: 400,
  E_USAGE: 400,
  E_PLAN_INVALID: 400,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN_HOST: 403,
  E_NOT_FOUND: 404,
  E_ROUTE_NOT_FOUND: 404,
  E_STORE_NOT_FOUND: 404,
  E_BODY_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_URL_INVALID: 422,
  E_URL_FORBIDDEN: 422,
  E_DATASET_INVALID: 422,
  E_IMPORT_INVALID: 422,
  // the state of the device or the hub
  E_CONFLICT: 409,
  E_NOT_CONNECTED: 409,
  E_HUB_NOT_INITIALISED: 409,
  E_HUB_SCHEMA: 409,
  E_SCHEMA_MISMATCH: 409,
  E_DATASET_MISMATCH: 409,
  E_INTEGRITY: 409,
  E_APPEND_ONLY: 409,
  E_PLAN_STALE: 409,
  E_STORE_EXISTS: 409,
  E_CONFIRMATION_REQUIRED: 428,
  E_UNSYNCED_CHANGES: 428,
  E_LOCKED: 423,
  // PostgreSQL servers this one talks to
  E_CONNECTION: 502,
  E_AUTH: 502,
  E_TLS: 502,
  E_REPLICATION: 502,
  // this server
  E_STORE_BUSY: 503,
  E_STORE_READONLY: 503,
  E_DISK_FULL: 507,
  E_STORE_CORRUPT: 500,
  E_SECRET: 500,
  E_INTERNAL: 500,
};

/**
 * The status for a code; an unknown code (a newer library) is a 500.
 *
 * @example
 * reply.status(statusFor(body.code));
 */
export function statusFor(code: string): number {
  return (HTTP_STATUS as Record<string, number | undefined>)[code] ?? 500;
}
