/**
 * One thing wrong with a connection URL: the part it concerns and what to do. Messages never contain
 * the password.
 *
 * @example
 * const p: UrlProblem = { field: 'port', message: 'must be a number from 1 to 65535, not 99999' };
 */
export interface UrlProblem {
  field: 'url' | 'scheme' | 'host' | 'port' | 'database' | 'user' | 'password' | 'sslmode' | 'sslrootcert' | 'parameters';
  message: string;
}
