import { isIP } from 'node:net';
import { LockstepError } from '../core/errors.js';
import { SSL_MODES, type ConnectionSettings, type SslMode } from './connection-settings.js';

export interface UrlProblem {
  field: 'url' | 'scheme' | 'host' | 'port' | 'database' | 'user' | 'password' | 'sslmode' | 'parameters';
  message: string;
}

export interface UrlPolicy {
  /** Refuse loopback, private, link-local and unspecified addresses (judged without DNS). */
  forbidPrivateAddresses?: boolean;
}

export type UrlValidation = { ok: true; settings: ConnectionSettings } | { ok: false; problems: UrlProblem[] };

/** Parameters libpq accepts that Lockstep passes on or honours. */
const KNOWN_PARAMS = new Set([
  'sslmode',
  'sslrootcert',
  'application_name',
  'connect_timeout',
  'options',
  'target_session_attrs',
  'keepalives',
  'keepalives_idle',
  'client_encoding',
  'statement_timeout',
]);

function decode(s: string, field: UrlProblem['field'], problems: UrlProblem[]): string {
  try {
    return decodeURIComponent(s);
  } catch {
    problems.push({ field, message: `has a broken percent-encoding` });
    return s;
  }
}

/**
 * Checks a PostgreSQL connection URL the way libpq reads it and names every problem.
 * Accepts `postgres://` and `postgresql://`, dotted (pooler-style) user names, hyphenated database names,
 * a missing port (5432), percent-encoded user names and passwords, bracketed IPv6 hosts, `sslmode`,
 * `sslrootcert` and other libpq parameters.
 *
 * @example
 * validateConnectionUrl('postgres://app.tenant:p%40ss@db.example.com/my-db?sslmode=require');
 */
export function validateConnectionUrl(url: string, policy: UrlPolicy = {}): UrlValidation {
  const problems: UrlProblem[] = [];
  if (typeof url !== 'string' || url.trim() !== url || url === '' || /\s/.test(url)) {
    return { ok: false, problems: [{ field: 'url', message: 'must be a URL without spaces, like postgres://user@host:5432/database' }] };
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1];
  if (!scheme) return { ok: false, problems: [{ field: 'url', message: 'must start with postgres:// or postgresql://' }] };
  if (scheme !== 'postgres' && scheme !== 'postgresql')
    return { ok: false, problems: [{ field: 'scheme', message: `"${scheme}" is not a PostgreSQL URL scheme; use postgres:// or postgresql://` }] };
  const rest = url.slice(scheme.length + 3);
  const pathAt = rest.search(/[/?#]/);
  const authority = pathAt < 0 ? rest : rest.slice(0, pathAt);
  const tail = pathAt < 0 ? '' : rest.slice(pathAt);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hostport = at < 0 ? authority : authority.slice(at + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport);
  const host = (hp?.[1] ?? '').replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) problems.push({ field: 'host', message: 'is missing (postgres://user@HOST/database)' });
  else if (!/^[a-z0-9._-]+$/.test(host) && isIP(host) === 0) problems.push({ field: 'host', message: `"${host}" is not a host name or IP address` });
  let port = 5432;
  const rawPort = hp?.[2];
  if (rawPort !== undefined && rawPort !== '') {
    port = /^\d+$/.test(rawPort) ? Number(rawPort) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push({ field: 'port', message: `must be a number from 1 to 65535, not "${rawPort}"` });
  }
  const colon = userinfo.indexOf(':');
  const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user', problems);
  if (!user) problems.push({ field: 'user', message: 'is missing (postgres://USER@host/database)' });
  const password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1), 'password', problems);
  let u: URL;
  try {
    u = new URL(`http://h${tail.startsWith('/') ? tail : `/${tail}`}`);
  } catch {
    return { ok: false, problems: [{ field: 'url', message: 'is not a well-formed URL' }] };
  }
  const database = decode(u.pathname.replace(/^\//, ''), 'database', problems);
  if (!database) problems.push({ field: 'database', message: 'is missing (postgres://user@host/DATABASE)' });
  else if (database.includes('/')) problems.push({ field: 'database', message: 'must be a single name' });
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) params[k] = v;
  const unknown = Object.keys(params).filter((k) => !KNOWN_PARAMS.has(k));
  if (unknown.length > 0) problems.push({ field: 'parameters', message: `unknown or unsupported: ${unknown.join(', ')}` });
  const sslMode = (params.sslmode ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(sslMode)) problems.push({ field: 'sslmode', message: `must be one of ${SSL_MODES.join(', ')}, not "${params.sslmode}"` });
  if (host && policy.forbidPrivateAddresses && isPrivateHost(host))
    problems.push({ field: 'host', message: `${host} is a loopback, private or link-local address; the target must be reachable on a public address` });
  if (problems.length > 0) return { ok: false, problems };
  const { sslmode: _m, sslrootcert, ...others } = params;
  const settings: ConnectionSettings = { host, port, database, user, sslMode };
  if (password !== undefined) settings.password = password;
  if (sslrootcert) settings.sslRootCert = sslrootcert;
  if (Object.keys(others).length > 0) settings.options = others;
  return { ok: true, settings };
}

/** Like `validateConnectionUrl`, but throws `E_URL_INVALID` / `E_URL_FORBIDDEN` listing the problems. */
export function parseConnectionUrl(url: string, policy: UrlPolicy = {}): ConnectionSettings {
  const v = validateConnectionUrl(url, policy);
  if (v.ok) return v.settings;
  const forbidden = v.problems.some((p) => p.field === 'host' && p.message.includes('private'));
  throw new LockstepError(
    forbidden ? 'E_URL_FORBIDDEN' : 'E_URL_INVALID',
    `the connection URL ${maskUrl(url)} is not valid:\n${v.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`,
    { details: { problems: v.problems } },
  );
}

/** Loopback, private, link-local, unique-local or unspecified, for literal addresses and `localhost`. */
export function isPrivateHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v = isIP(h);
  if (v === 4) {
    const [a = 0, b = 0] = h.split('.').map(Number);
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (v === 6) {
    if (h === '::1' || h === '::') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
    if (mapped) return isPrivateHost(mapped);
    return /^f[cd]/.test(h) || /^fe[89ab]/.test(h);
  }
  return false;
}

/** The URL of some settings; with `maskPassword` the password shows as `****`. */
export function formatConnectionUrl(s: ConnectionSettings, opts: { maskPassword: boolean }): string {
  const enc = encodeURIComponent;
  const auth = s.password !== undefined ? `${enc(s.user)}:${opts.maskPassword ? '****' : enc(s.password)}` : enc(s.user);
  const host = isIP(s.host) === 6 ? `[${s.host}]` : s.host;
  const params = new URLSearchParams({ ...(s.options ?? {}) });
  if (s.sslMode !== 'prefer') params.set('sslmode', s.sslMode);
  if (s.sslRootCert) params.set('sslrootcert', s.sslRootCert);
  const q = params.toString();
  return `postgres://${auth}@${host}:${s.port}/${enc(s.database)}${q ? `?${q}` : ''}`;
}

/** Text with the password of every URL in it replaced by `****` (up to the last `@` before the host). */
export function maskUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi, (_m, scheme: string, userinfo: string) => {
    const i = userinfo.indexOf(':');
    return i < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, i)}:****@`;
  });
}
