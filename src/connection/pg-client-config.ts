import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import type { ConnectionSettings } from './connection-settings.js';

/**
 * What the caller knows better than the URL. Both win over the URL's `application_name` and
 * `connect_timeout` (a device name shown to others waiting on a lock must stay the device's).
 *
 * @example
 * const extra: PgClientExtra = { applicationName: 'lockstep:front-desk', connectionTimeoutMillis: 5_000 };
 */
export interface PgClientExtra {
  applicationName?: string;
  connectionTimeoutMillis?: number;
}

/**
 * node-pg options for some settings, with libpq's TLS semantics as far as node-pg allows:
 * - `disable`: no TLS.
 * - `allow`, `prefer`: no TLS. libpq would retry with (`allow`) or without (`prefer`) TLS when the first
 *   attempt fails; node-pg makes one attempt only. Plaintext is the one attempt that succeeds on every
 *   server that accepts what these modes accept; a server that insists on TLS answers with a pg_hba error
 *   (mapped to `E_AUTH`, suggesting `sslmode=require`). Use `require` or stronger to insist on TLS.
 * - `require`: TLS, certificate not checked; but with `sslRootCert` the chain is checked as for
 *   `verify-ca` (as libpq does when a root certificate is given).
 * - `verify-ca`: TLS; the chain must lead to `sslRootCert`; the host name is not checked.
 * - `verify-full`: TLS; the chain must lead to `sslRootCert` and the certificate must name the host
 *   (DNS name, or IP address SAN for an IP host).
 * `sslRootCert: 'system'` uses the system's CA store (as libpq's `sslrootcert=system`). libpq's implicit
 * `~/.postgresql/root.crt` is not read: a verify mode without `sslRootCert` throws `E_TLS`, as does a CA
 * file that is missing, unreadable or not PEM. The CA file is read here, synchronously.
 * Also honoured: `options`, `fallback_application_name`, `keepalives`, `keepalives_idle`, `client_encoding`;
 * `connect_timeout` follows libpq (seconds, 0 = wait forever, minimum 2).
 *
 * @example
 * const client = new pg.Client(toPgClientConfig(parseConnectionUrl(url), { applicationName: 'lockstep:desk' }));
 */
export function toPgClientConfig(s: ConnectionSettings, extra: PgClientExtra = {}): pg.ClientConfig {
  const o = s.options ?? {};
  const config: pg.ClientConfig = {
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    application_name: extra.applicationName ?? o.application_name ?? 'lockstep',
    connectionTimeoutMillis: extra.connectionTimeoutMillis ?? connectTimeoutMillis(o.connect_timeout),
    keepAlive: o.keepalives !== '0',
    ssl: tlsOptions(s),
  };
  if (s.password !== undefined) config.password = s.password;
  if (o.options !== undefined) config.options = o.options;
  if (o.fallback_application_name !== undefined) config.fallback_application_name = o.fallback_application_name;
  if (o.client_encoding !== undefined) config.client_encoding = o.client_encoding;
  if (o.keepalives_idle !== undefined && /^\d+$/.test(o.keepalives_idle)) config.keepAliveInitialDelayMillis = Number(o.keepalives_idle) * 1000;
  return config;
}

function connectTimeoutMillis(seconds: string | undefined): number {
  if (seconds === undefined || !/^\d+$/.test(seconds)) return 10_000;
  const n = Number(seconds);
  return n === 0 ? 0 : Math.max(n, 2) * 1000;
}

function tlsOptions(s: ConnectionSettings): false | ConnectionOptions {
  switch (s.sslMode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return s.sslRootCert === undefined ? { rejectUnauthorized: false } : verifyChainOnly(s.sslRootCert);
    case 'verify-ca':
      return verifyChainOnly(needRootCert(s));
    case 'verify-full': {
      const host = s.host;
      return {
        ...caOption(needRootCert(s)),
        rejectUnauthorized: true,
        // node-pg checks against `host` as well, but only recent versions pass it on for IP hosts.
        checkServerIdentity: (_servername, cert) => checkServerIdentity(host, cert),
      };
    }
  }
}

function verifyChainOnly(rootCert: string): ConnectionOptions {
  return { ...caOption(rootCert), rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

function needRootCert(s: ConnectionSettings): string {
  if (s.sslRootCert !== undefined) return s.sslRootCert;
  throw new LockstepError(
    'E_TLS',
    `sslmode ${s.sslMode} needs the CA certificate that signed the server's certificate: give --ssl-root-cert FILE (or sslrootcert=FILE in the URL, or sslrootcert=system)`,
  );
}

function caOption(rootCert: string): { ca?: string } {
  return rootCert === 'system' ? {} : { ca: readRootCert(rootCert) };
}

function readRootCert(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
    throw new LockstepError('E_TLS', `the CA certificate file ${path} ${why}; check --ssl-root-cert / sslrootcert`, { cause: e });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new LockstepError('E_TLS', `the CA certificate file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}
