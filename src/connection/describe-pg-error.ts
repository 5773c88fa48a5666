import { LockstepError, isLockstepError, type ErrorCode } from '../core/errors.js';
import { maskUrl } from './parse-connection-url.js';

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN']);

/**
 * A node-pg or network error as a LockstepError with a stable code; the SQLSTATE goes to
 * `details.sqlstate`, the original error to `cause`. Never contains a password.
 */
export function toLockstepError(e: unknown, context: string): LockstepError {
  if (isLockstepError(e)) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const raw = maskUrl(typeof err.message === 'string' ? err.message : String(e));
  const make = (c: ErrorCode, message: string, retryable = false): LockstepError =>
    new LockstepError(c, `${context}: ${message}`, { cause: e, retryable, details: code ? { sqlstate: code } : {} });
  if (NETWORK.has(code) || /Connection terminated|timeout expired|Connection ended/i.test(raw))
    return make('E_CONNECTION', `${raw} — check the host, port and firewall, and that the server is running`, true);
  if (code === '28P01' || code === '28000') return make('E_AUTH', 'authentication failed — check the user name and password, and pg_hba.conf');
  if (code === '3D000') return make('E_CONNECTION', `${raw} — create the database first or fix its name`);
  if (code === '55P03') return make('E_LOCKED', raw, true);
  if (code === '53100') return make('E_DISK_FULL', `the server is out of disk space: ${raw}`);
  if (code === '42501') return make('E_AUTH', `permission denied: ${raw} — grant the role the privileges it needs`);
  if (code.startsWith('23')) return make('E_INTEGRITY', `a constraint would be violated: ${raw}`);
  if (code.startsWith('08') || code === '57P01' || code === '57P03') return make('E_CONNECTION', raw, true);
  if (code === '40001' || code === '40P01') return make('E_LOCKED', `${raw} (retry)`, true);
  if (/ssl|tls|certificate|self[- ]signed|ERR_TLS|altname/i.test(raw) || code.startsWith('ERR_TLS') || code.includes('CERT'))
    return make('E_TLS', `${raw} — check --ssl-mode and --ssl-root-cert`);
  return make('E_INTERNAL', raw);
}
