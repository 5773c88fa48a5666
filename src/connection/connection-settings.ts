/** libpq's sslmode values. `allow` and `prefer` cannot fall back with node-pg; see `toPgClientConfig`. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Where and how to reach a PostgreSQL database. */
export interface ConnectionSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslMode: SslMode;
  /** Path of the CA certificate file for verify-ca / verify-full. */
  sslRootCert?: string;
  /** Other libpq parameters kept as given (application_name, connect_timeout, options, …). */
  options?: Record<string, string>;
}
