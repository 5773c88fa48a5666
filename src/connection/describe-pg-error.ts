import { LockstepError, isLockstepError, type ErrorCode } from '../core/errors.js';
import { maskUrl } from './mask-url.js';

interface Failure {
  /** node-pg's SQLSTATE, or a Node error code (ECONNREFUSED, ERR_TLS_…, …), or ''. */
  code: string;
  /** The underlying message, passwords masked. */
  text: string;
}

interface Mapped {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
}

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
// node-pg's own wording for a client whose connection already failed or was closed: "… is not queryable".
const NETWORK_TEXT = /connection terminated|connection ended|timeout expired|connection timeout|socket hang up|is not queryable/i;
const CHAIN_CODES = /SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY_LEAF)|CERT_UNTRUSTED|CERT_CHAIN_TOO_LONG|CERT_SIGNATURE_FAILURE/;
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|EPROTO$)|CERT/;
const TLS_TEXT = /\b(ssl|tls)\b|certificate|self[- ]signed/i;
const NETWORK_HINT = 'check the host, port and firewall, and that the server is running';

/**
 * A node-pg or network error as a `LockstepError` with a stable code, for a failure while doing
 * `context` (e.g. `connect to db.example.com:5432/app`). Unreachable server → `E_CONNECTION` (retryable);
 * 28P01/28000 → `E_AUTH`; 3D000 → `E_CONNECTION`; certificate and TLS failures → `E_TLS`; 55P03 →
 * `E_LOCKED`; 23xxx → `E_INTEGRITY`; 53100 → `E_DISK_FULL`; anything else → `E_INTERNAL`. The original
 * error is the `cause`, its SQLSTATE is `details.sqlstate` (a Node error code is `details.errorCode`).
 * The message never contains a password: URLs and `password=` parameters in it are masked.
 * A `LockstepError` is returned unchanged.
 *
 * @example
 * try { await client.connect(); } catch (e) { throw toLockstepError(e, `connect to ${host}:${port}/${db}`); }
 */
export function toLockstepError(e: unknown, context: string): LockstepError {
  if (isLockstepError(e)) return e;
  const f = describe(e);
  const m = tlsFailure(f) ?? networkFailure(f) ?? sqlFailure(f) ?? { code: 'E_INTERNAL', message: f.text };
  const details = /^[0-9A-Z]{5}$/.test(f.code) ? { sqlstate: f.code } : f.code !== '' ? { errorCode: f.code } : {};
  return new LockstepError(m.code, `${maskUrl(context)}: ${m.message}`, { cause: e, retryable: m.retryable ?? false, details });
}

function describe(e: unknown): Failure {
  const err = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; message?: unknown; errors?: unknown };
  let text = typeof err.message === 'string' ? err.message : typeof e === 'string' ? e : String(e);
  // Node's connect to a name with several addresses fails with an AggregateError whose own message is empty.
  if (text === '' && Array.isArray(err.errors)) text = err.errors.map((x) => String((x as { message?: unknown }).message ?? x)).join('; ');
  return { code: typeof err.code === 'string' ? err.code : '', text: maskUrl(text || 'unknown error') };
}

function tlsFailure({ code, text }: Failure): Mapped | undefined {
  if (/does not support SSL/i.test(text))
    return { code: 'E_TLS', message: `${text} — the server does not accept TLS: enable ssl on the server, or use sslmode=disable or prefer` };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return { code: 'E_TLS', message: `${text} — the server's certificate does not name this host: connect with a name the certificate lists, or use sslmode=verify-ca` };
  if (CHAIN_CODES.test(code))
    return { code: 'E_TLS', message: `${text} — the server's certificate is not signed by the CA in sslrootcert: check --ssl-root-cert` };
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return { code: 'E_TLS', message: `${text} — the server's certificate is not valid now: renew it, and check the clocks` };
  if (TLS_CODES.test(code) || (!/^[0-9A-Z]{5}$/.test(code) && TLS_TEXT.test(text)))
    return { code: 'E_TLS', message: `${text} — the TLS handshake failed: check --ssl-mode and --ssl-root-cert` };
  return undefined;
}

function networkFailure({ code, text }: Failure): Mapped | undefined {
  if (NETWORK.has(code) || (code === '' && NETWORK_TEXT.test(text))) return { code: 'E_CONNECTION', message: `${text} — ${NETWORK_HINT}`, retryable: true };
  return undefined;
}

function sqlFailure({ code, text }: Failure): Mapped | undefined {
  if (code === '28P01' || code === '28000') {
    const tls = /no encryption|SSL off/i.test(text) ? '; the server may require TLS: use sslmode=require or stronger' : '';
    return { code: 'E_AUTH', message: `${text} — check the user name and password, and the server's pg_hba.conf${tls}` };
  }
  if (code === '3D000') return { code: 'E_CONNECTION', message: `${text} — the database does not exist: create it first, or fix the database name` };
  if (code === '42501') return { code: 'E_AUTH', message: `${text} — permission denied: grant the role the privileges it needs` };
  if (code === '55P03') return { code: 'E_LOCKED', message: `${text} — another session holds the lock; try again`, retryable: true };
  if (code === '40001' || code === '40P01') return { code: 'E_LOCKED', message: `${text} — try again`, retryable: true };
  if (code === '53100') return { code: 'E_DISK_FULL', message: `${text} — the server is out of disk space` };
  if (code.startsWith('23')) return { code: 'E_INTEGRITY', message: `${text} — a constraint would be violated` };
  if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code))
    return { code: 'E_CONNECTION', message: `${text} — ${NETWORK_HINT}`, retryable: true };
  return undefined;
}
