import { isIP } from 'node:net';
import type { ConnectionSettings } from './connection-settings.js';

/**
 * The `postgres://` URL of some settings, every part percent-encoded so that `parseConnectionUrl` gives
 * the same settings back. With `maskPassword` the password shows as `****`. `sslmode` is left out when it
 * is libpq's default, `prefer`.
 *
 * @example
 * formatConnectionUrl({ host: 'db', port: 5432, database: 'app', user: 'me', password: 'p@ss', sslMode: 'require' }, { maskPassword: true });
 * // 'postgres://me:****@db:5432/app?sslmode=require'
 */
export function formatConnectionUrl(s: ConnectionSettings, opts: { maskPassword: boolean }): string {
  const enc = encodeURIComponent;
  const auth = s.password === undefined ? enc(s.user) : `${enc(s.user)}:${opts.maskPassword ? '****' : enc(s.password)}`;
  const host = isIP(s.host) === 6 ? `[${s.host.replace('%', '%25')}]` : s.host; // '%': an IPv6 zone
  const params: [string, string][] = Object.entries(s.options ?? {});
  if (s.sslMode !== 'prefer') params.push(['sslmode', s.sslMode]);
  if (s.sslRootCert !== undefined) params.push(['sslrootcert', s.sslRootCert]);
  const query = params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  return `postgres://${auth}@${host}:${s.port}/${enc(s.database)}${query ? `?${query}` : ''}`;
}
