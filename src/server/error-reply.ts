import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toLockstepError } from '../connection/describe-pg-error.js';
import { isLockstepError } from '../core/errors.js';
import { HttpError } from './http-error.js';
import type { ErrorBody } from './api-types.js';
import { statusFor, type HttpErrorCode } from './http-status.js';

/** Fastify's own request errors, by their code, to ours. */
const FASTIFY_CODES: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'E_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'E_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'E_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'E_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'E_MALFORMED_BODY',
};

const MESSAGES: Partial<Record<HttpErrorCode, string>> = {
  E_BODY_TOO_LARGE: 'the request body is too large',
  E_UNSUPPORTED_MEDIA_TYPE: 'send the request body as application/json',
  E_MALFORMED_BODY: 'the request body is not valid JSON',
};

/**
 * Turns any error into `{ code, message, details? }` (its status is `HTTP_STATUS[code]`). Library errors
 * keep their code and message (written to be shown, never holding a password); anything unexpected becomes
 * `E_INTERNAL` without its raw text.
 *
 * @example
 * toErrorBody(new LockstepError('E_LOCKED', 'device "front-desk" is syncing')); // { code: 'E_LOCKED', message: … }
 */
export function toErrorBody(err: unknown): ErrorBody {
  if (isLockstepError(err)) return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details };
  if (err instanceof HttpError) return { code: err.code, message: err.message };
  // A PostgreSQL error that escaped the library unconverted still gets a stable code (and a masked message).
  if (isDatabaseError(err)) return toErrorBody(toLockstepError(err, 'PostgreSQL'));
  const f = err as Partial<FastifyError>;
  if (Array.isArray(f.validation)) {
    const problems = f.validation.map((v) => ({ field: fieldOf(f.validationContext, v.instancePath, v.params), message: v.message ?? 'is not valid' }));
    return { code: 'E_VALIDATION', message: `the request is not valid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, details: { problems } };
  }
  const mapped = f.code ? FASTIFY_CODES[f.code] : undefined;
  if (mapped) return { code: mapped, message: MESSAGES[mapped] ?? 'the request is not valid' };
  if (err instanceof SyntaxError) return { code: 'E_MALFORMED_BODY', message: MESSAGES.E_MALFORMED_BODY ?? '' };
  if (f.statusCode === 404) return { code: 'E_ROUTE_NOT_FOUND', message: 'no such resource' };
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) return { code: 'E_VALIDATION', message: 'the request is not valid' };
  return { code: 'E_INTERNAL', message: 'unexpected server error; see the server log' };
}

/**
 * The server's error handler: answers `toErrorBody(err)` with its status; unexpected errors are also logged
 * and given to `onInternal`.
 *
 * @example
 * app.setErrorHandler(errorReply((e) => console.error(e)));
 */
export function errorReply(onInternal: (error: unknown) => void = () => undefined): (err: unknown, request: FastifyRequest, reply: FastifyReply) => void {
  return (err, request, reply) => {
    const body = toErrorBody(err);
    if (body.code === 'E_INTERNAL') {
      request.log.error({ err }, 'unexpected error');
      onInternal(err);
    }
    void reply.status(statusFor(body.code)).send(body);
  };
}

function isDatabaseError(e: unknown): boolean {
  const d = e as { severity?: unknown; code?: unknown } | null;
  return typeof d === 'object' && d !== null && typeof d.severity === 'string' && typeof d.code === 'string';
}

/** `body.name`, `params.device`, `querystring.limit`: where a schema problem is. */
function fieldOf(context: string | undefined, path: string | undefined, params: unknown): string {
  const missing = (params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
  const parts = (path ?? '').split('/').filter(Boolean);
  if (missing.missingProperty) parts.push(missing.missingProperty);
  if (missing.additionalProperty) parts.push(missing.additionalProperty);
  return [context ?? 'body', ...parts].join('.');
}
