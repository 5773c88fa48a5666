import { isIP } from 'node:net';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { formatConnectionUrl, isPrivateHost, validateConnectionUrl, type UrlProblem } from '../connection/parse-connection-url.js';
import { LockstepError } from '../core/errors.js';
import type { StoredTarget } from './sql/config-rows.js';

/**
 * Checks a target URL before it is saved: every problem named (`E_URL_INVALID`), or `E_URL_FORBIDDEN`
 * when the policy refuses its address. The message never contains the password.
 *
 * @example
 * const settings = checkTargetUrl('postgres://me:pw@db.example.com/backup', { forbidPrivateAddresses: true });
 */
export function checkTargetUrl(url: string, policy: { forbidPrivateAddresses: boolean }): ConnectionSettings {
  const v = validateConnectionUrl(url, policy);
  if (v.ok) return v.settings;
  const forbidden = v.problems.some(isPolicyProblem);
  const only = forbidden && v.problems.every(isPolicyProblem);
  throw new LockstepError(
    only ? 'E_URL_FORBIDDEN' : 'E_URL_INVALID',
    `the target URL is not acceptable:\n${v.problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`,
    { details: { problems: v.problems } },
  );
}

function isPolicyProblem(p: UrlProblem): boolean {
  return (p.field === 'host' && /private|loopback|link-local/.test(p.message)) || p.field === 'sslrootcert';
}

/**
 * At run time, with the policy on: refuses a target whose host is, or resolves to, a loopback, private or
 * link-local address (a name saved as public may point inward later).
 */
export async function checkTargetReachable(host: string, policy: { forbidPrivateAddresses: boolean }, resolve: (host: string) => Promise<string[]>): Promise<void> {
  if (!policy.forbidPrivateAddresses) return;
  const forbidden = (what: string): LockstepError =>
    new LockstepError('E_URL_FORBIDDEN', `the target host ${what} a loopback, private or link-local address; the target must be reachable on a public address`);
  if (isPrivateHost(host)) throw forbidden(`${host} is`);
  if (isIP(host) !== 0) return;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    throw new LockstepError('E_CONNECTION', `cannot resolve the target host ${host}: ${(e as Error).message}`, { cause: e, retryable: true });
  }
  const inner = addresses.filter((a) => isPrivateHost(a));
  if (inner.length > 0) throw forbidden(`${host} resolves to ${inner.join(', ')},`);
}

/** The settings split for storage: the password apart (to be encrypted). */
export function splitPassword(s: ConnectionSettings): { stored: StoredTarget; password: string | undefined } {
  const { password, ...stored } = s;
  return { stored, password };
}

/** The URL to show: `****` where a password is stored, never the password. */
export function maskedTargetUrl(stored: StoredTarget, hasPassword: boolean): string {
  return formatConnectionUrl(hasPassword ? { ...stored, password: '****' } : { ...stored }, { maskPassword: true });
}
