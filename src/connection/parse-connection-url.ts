import { LockstepError } from '../core/errors.js';
import { readConnectionParams } from './connection-params.js';
import { SSL_MODES, type ConnectionSettings, type SslMode } from './connection-settings.js';
import { readHostPort } from './host-port.js';
import { maskUrl } from './mask-url.js';
import { isPrivateHost } from './private-address.js';
import type { UrlProblem } from './url-problem.js';

// Kept here so that `import { maskUrl, … } from './parse-connection-url.js'` keeps working.
export { formatConnectionUrl } from './format-connection-url.js';
export { maskUrl } from './mask-url.js';
export { assertPublicHost, isPrivateHost } from './private-address.js';
export type { UrlProblem } from './url-problem.js';

/**
 * What a URL may point at.
 *
 * @example
 * const policy: UrlPolicy = { forbidPrivateAddresses: true };
 */
export interface UrlPolicy {
  /**
   * Refuse loopback, private, link-local and unspecified addresses. Judged from the URL text only
   * (literal addresses and `localhost`), without DNS: see `isPrivateHost` and `assertPublicHost`.
   * Also refuses an `sslrootcert` file path (only `system` is allowed): what a remote user types must
   * not make the server read its own files. On in the HTTP server, off in the CLI.
   */
  forbidPrivateAddresses?: boolean;
}

/**
 * The outcome of `validateConnectionUrl`: the settings, or every problem found.
 *
 * @example
 * const v: UrlValidation = validateConnectionUrl(url); if (!v.ok) console.log(v.problems);
 */
export type UrlValidation = { ok: true; settings: ConnectionSettings } | { ok: false; problems: UrlProblem[] };

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Checks a PostgreSQL connection URL as libpq reads it and names every problem. Accepts `postgres://` and
 * `postgresql://`, dotted (pooler-style `user.project`) user names, hyphenated database names, a missing
 * port (5432), percent-encoded user names and passwords, bracketed IPv6 hosts, and the query parameters
 * Lockstep can honour (`sslmode`, `sslrootcert`, `application_name`, `connect_timeout`, `options`, …).
 * Refuses other schemes, a missing host, user or database, a bad port, an unknown `sslmode`, unknown or
 * unsupported parameters (named), spaces and control characters. With `forbidPrivateAddresses`, refuses
 * hosts `isPrivateHost` recognises from the text alone; a name is not resolved (use `assertPublicHost`
 * before connecting). Problem messages never contain the password.
 *
 * @example
 * validateConnectionUrl('postgres://app.tenant:p%40ss@db.example.com/my-db?sslmode=require');
 * // { ok: true, settings: { host: 'db.example.com', port: 5432, user: 'app.tenant', password: 'p@ss', … } }
 */
export function validateConnectionUrl(url: string, policy: UrlPolicy = {}): UrlValidation {
  const r = checkConnectionUrl(url, policy);
  return r.ok ? r : { ok: false, problems: r.problems };
}

/**
 * Like `validateConnectionUrl`, but throws: `E_URL_FORBIDDEN` when the policy is the only objection,
 * else `E_URL_INVALID`; the problems are listed in the message and in `details.problems`. The message
 * shows the URL with its password masked.
 *
 * @example
 * const settings = parseConnectionUrl('postgresql://me@[2001:db8::1]:6543/app?sslmode=verify-full&sslrootcert=ca.pem');
 */
export function parseConnectionUrl(url: string, policy: UrlPolicy = {}): ConnectionSettings {
  const r = checkConnectionUrl(url, policy);
  if (r.ok) return r.settings;
  const list = r.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n');
  throw new LockstepError(
    r.forbidden ? 'E_URL_FORBIDDEN' : 'E_URL_INVALID',
    `the connection URL ${maskUrl(url)} is not ${r.forbidden ? 'allowed' : 'valid'}:\n${list}`,
    { details: { problems: r.problems } },
  );
}

type Checked = { ok: true; settings: ConnectionSettings } | { ok: false; problems: UrlProblem[]; forbidden: boolean };

function fail(field: UrlProblem['field'], message: string): Checked {
  return { ok: false, problems: [{ field, message }], forbidden: false };
}

function checkConnectionUrl(url: string, policy: UrlPolicy): Checked {
  if (typeof url !== 'string' || url === '') return fail('url', 'is empty; write it like postgres://user@host:5432/database');
  if (/[\s\x00-\x1f\x7f]/.test(url)) return fail('url', 'must not contain spaces or control characters (percent-encode them, e.g. %20)');
  const scheme = SCHEME.exec(url)?.[1];
  if (scheme === undefined) return fail('url', 'must start with postgres:// or postgresql://');
  if (!/^postgres(ql)?$/i.test(scheme)) return fail('scheme', `"${scheme}" is not a PostgreSQL URL scheme; use postgres:// or postgresql://`);
  if (url.includes('#')) return fail('url', 'must not contain "#" (percent-encode it as %23)');
  const rest = url.slice(scheme.length + 3);
  const authEnd = rest.search(/[/?]/);
  const authority = authEnd < 0 ? rest : rest.slice(0, authEnd);
  const tail = authEnd < 0 ? '' : rest.slice(authEnd);
  if (!authority.includes('@') && tail.includes('@'))
    return fail('url', 'has an "@" after the host: write postgres://user:password@host/database, and percent-encode a "/", "?" or "@" in the user name or password (%2F, %3F, %40)');
  return checkParts(authority, tail, policy);
}

function checkParts(authority: string, tail: string, policy: UrlPolicy): Checked {
  const problems: UrlProblem[] = [];
  const at = authority.lastIndexOf('@');
  const creds = readUserinfo(at < 0 ? '' : authority.slice(0, at), problems);
  const { host, port } = readHostPort(authority.slice(at + 1), problems);
  const q = tail.indexOf('?');
  const database = readDatabase(q < 0 ? tail : tail.slice(0, q), problems);
  const params = readConnectionParams(q < 0 ? '' : tail.slice(q + 1), problems);
  const user = params.get('user') ?? creds.user;
  const password = params.get('password') ?? creds.password;
  const dbname = params.get('dbname') ?? database;
  if (user === '') problems.push({ field: 'user', message: 'is missing (postgres://USER@host/database)' });
  if (dbname === '') problems.push({ field: 'database', message: 'is missing (postgres://user@host/DATABASE)' });
  const sslMode = readSslMode(params.get('sslmode'), problems);
  const sslRootCert = params.get('sslrootcert');
  let forbidden = false;
  if (policy.forbidPrivateAddresses === true) {
    const valid = problems.length === 0;
    const before = problems.length;
    if (host !== '' && isPrivateHost(host))
      problems.push({ field: 'host', message: `${host} is a loopback, private or link-local address; the target must be reachable on a public address` });
    // A path here would make the server read its own files on a user's say-so.
    if (sslRootCert !== undefined && sslRootCert !== 'system')
      problems.push({ field: 'sslrootcert', message: 'cannot name a file on this server; use sslrootcert=system (the system CAs) or leave it out' });
    forbidden = valid && problems.length > before;
  }
  if (problems.length > 0 || user === undefined || dbname === undefined) return { ok: false, problems, forbidden };
  const settings: ConnectionSettings = { host, port, database: dbname, user, sslMode };
  if (password !== undefined) settings.password = password;
  if (sslRootCert !== undefined) settings.sslRootCert = sslRootCert;
  for (const key of ['sslmode', 'sslrootcert', 'user', 'password', 'dbname']) params.delete(key);
  if (params.size > 0) settings.options = Object.fromEntries(params);
  return { ok: true, settings };
}

function decodePart(raw: string, field: 'user' | 'password' | 'database', problems: UrlProblem[]): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    problems.push({ field, message: 'has a broken percent-encoding (write % as %25)' });
    return undefined;
  }
}

function readUserinfo(userinfo: string, problems: UrlProblem[]): { user: string | undefined; password: string | undefined } {
  const colon = userinfo.indexOf(':');
  const user = decodePart(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user', problems);
  const password = colon < 0 ? undefined : decodePart(userinfo.slice(colon + 1), 'password', problems);
  return { user, password };
}

function readDatabase(path: string, problems: UrlProblem[]): string | undefined {
  const raw = path.replace(/^\//, '');
  if (raw.includes('/')) {
    problems.push({ field: 'database', message: 'must be a single name (percent-encode a "/" in it as %2F)' });
    return undefined;
  }
  return decodePart(raw, 'database', problems);
}

function readSslMode(value: string | undefined, problems: UrlProblem[]): SslMode {
  if (value === undefined) return 'prefer';
  if ((SSL_MODES as readonly string[]).includes(value)) return value as SslMode;
  problems.push({ field: 'sslmode', message: `must be one of ${SSL_MODES.join(', ')}, not "${value}"` });
  return 'prefer';
}
