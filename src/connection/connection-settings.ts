/**
 * libpq's `sslmode` values, weakest first. `allow` and `prefer` cannot fall back with node-pg; see
 * `toPgClientConfig` for what Lockstep does with each.
 *
 * @example
 * const mode: SslMode = 'verify-full';
 */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/**
 * Every `SslMode`, weakest first (for validation and help texts).
 *
 * @example
 * SSL_MODES.includes(input as SslMode);
 */
export const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/**
 * Where and how to reach a PostgreSQL database: what a connection URL says, parsed and checked.
 *
 * @example
 * const settings: ConnectionSettings = {
 *   host: 'db.example.com', port: 5432, database: 'app', user: 'lockstep',
 *   sslMode: 'verify-full', sslRootCert: '/etc/ssl/db-ca.pem', options: { application_name: 'front-desk' },
 * };
 */
export interface ConnectionSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslMode: SslMode;
  /** Path of the CA certificate file (PEM) for verify-ca / verify-full, or `system` for the system CA store. */
  sslRootCert?: string;
  /** Other libpq parameters kept as given (`application_name`, `connect_timeout`, `options`, …). */
  options?: Record<string, string>;
}
