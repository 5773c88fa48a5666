import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import type { ConnectionSettings } from './connection-settings.js';

/**
 * node-pg options for some settings, with libpq's TLS semantics:
 * - `disable`: no TLS.
 * - `allow`, `prefer`: node-pg cannot retry with or without TLS as libpq does, so these try without TLS
 *   (the server decides; libpq's `prefer` would try TLS first). Use `require` or stronger to insist on TLS.
 * - `require`: TLS, certificate not checked — unless a root certificate is given, when libpq checks the
 *   chain as for `verify-ca`.
 * - `verify-ca`: TLS, the chain must lead to the given CA; the host name is not checked.
 * - `verify-full`: TLS, the chain and the host name are checked.
 *
 * @example
 * new pg.Client(toPgClientConfig({ host: 'db', port: 5432, database: 'd', user: 'u', sslMode: 'verify-full', sslRootCert: 'ca.pem' }));
 */
export function toPgClientConfig(
  s: ConnectionSettings,
  extra: { applicationName?: string; connectionTimeoutMillis?: number } = {},
): pg.ClientConfig {
  const config: pg.ClientConfig = {
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    application_name: extra.applicationName ?? s.options?.application_name ?? 'lockstep',
    connectionTimeoutMillis: extra.connectionTimeoutMillis ?? (s.options?.connect_timeout ? Number(s.options.connect_timeout) * 1000 : 10_000),
    keepAlive: true,
  };
  if (s.password !== undefined) config.password = s.password;
  if (s.options?.options) config.options = s.options.options;
  config.ssl = tlsOptions(s);
  return config;
}

function tlsOptions(s: ConnectionSettings): false | ConnectionOptions {
  const ca = s.sslRootCert ? readCa(s.sslRootCert) : undefined;
  switch (s.sslMode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return ca ? { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
    case 'verify-ca':
      if (!ca) throw new LockstepError('E_TLS', 'sslmode verify-ca needs the CA certificate: give --ssl-root-cert FILE (or sslrootcert=FILE)');
      return { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      if (!ca) throw new LockstepError('E_TLS', 'sslmode verify-full needs the CA certificate: give --ssl-root-cert FILE (or sslrootcert=FILE)');
      // Node checks the certificate against `host` (an IP against IP SANs); SNI may only carry a name.
      return isIP(s.host) ? { ca, rejectUnauthorized: true } : { ca, rejectUnauthorized: true, servername: s.host };
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new LockstepError('E_TLS', `cannot read the CA certificate ${path}: ${(e as Error).message}`, { cause: e });
  }
}
