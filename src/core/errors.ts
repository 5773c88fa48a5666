/**
 * The one error type of Lockstep. Callers match on `code`, never on `instanceof` of a subclass.
 *
 * @example
 * try { await client.sync(); } catch (e) { if (isLockstepError(e) && e.code === 'E_LOCKED') retryLater(); }
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_DATASET_INVALID'
  | 'E_DATASET_MISMATCH'
  | 'E_STORE_NOT_FOUND'
  | 'E_STORE_EXISTS'
  | 'E_STORE_CORRUPT'
  | 'E_STORE_READONLY'
  | 'E_STORE_BUSY'
  | 'E_DISK_FULL'
  | 'E_NOT_CONNECTED'
  | 'E_CONNECTION'
  | 'E_AUTH'
  | 'E_TLS'
  | 'E_URL_INVALID'
  | 'E_URL_FORBIDDEN'
  | 'E_HUB_NOT_INITIALISED'
  | 'E_HUB_SCHEMA'
  | 'E_SCHEMA_MISMATCH'
  | 'E_INTEGRITY'
  | 'E_LOCKED'
  | 'E_CONFLICT'
  | 'E_NOT_FOUND'
  | 'E_APPEND_ONLY'
  | 'E_PLAN_STALE'
  | 'E_PLAN_INVALID'
  | 'E_UNSYNCED_CHANGES'
  | 'E_CONFIRMATION_REQUIRED'
  | 'E_SECRET'
  | 'E_IMPORT_INVALID'
  | 'E_REPLICATION'
  | 'E_INTERNAL';

export interface LockstepErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class LockstepError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: LockstepErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LockstepError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  /** A plain object safe to print or send: code, message, details. Never the cause's raw text. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True for any Lockstep error, also across duplicated module copies (matches by shape). */
export function isLockstepError(e: unknown): e is LockstepError {
  return (
    e instanceof LockstepError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'LockstepError' && 'code' in e)
  );
}
