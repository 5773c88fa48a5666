import type { UrlProblem } from './url-problem.js';

const WHOLE_SECONDS = /^\d{1,9}$/;

/**
 * URL query parameters Lockstep honours, each with a check of its value (a problem message, or
 * undefined when the value is fine). `sslmode` is checked by the URL parser itself.
 */
const SUPPORTED: Record<string, (value: string) => string | undefined> = {
  sslmode: () => undefined,
  sslrootcert: (v) => (v === '' ? 'sslrootcert must name a CA certificate file (or "system")' : undefined),
  application_name: () => undefined,
  fallback_application_name: () => undefined,
  connect_timeout: (v) => (WHOLE_SECONDS.test(v) ? undefined : 'connect_timeout must be a whole number of seconds'),
  options: () => undefined,
  keepalives: (v) => (v === '0' || v === '1' ? undefined : 'keepalives must be 0 or 1'),
  keepalives_idle: (v) => (WHOLE_SECONDS.test(v) ? undefined : 'keepalives_idle must be a whole number of seconds'),
  client_encoding: (v) => (/^[A-Za-z0-9_-]+$/.test(v) ? undefined : 'client_encoding must be an encoding name such as UTF8'),
  user: (v) => (v === '' ? 'user must not be empty' : undefined),
  password: () => undefined,
  dbname: (v) => (v === '' ? 'dbname must not be empty' : undefined),
};

/** libpq parameters that node-pg (hence Lockstep) cannot honour: refused rather than silently ignored. */
const UNSUPPORTED_LIBPQ = new Set([
  'host', 'hostaddr', 'port', 'service', 'passfile', 'require_auth', 'channel_binding', 'keepalives_interval',
  'keepalives_count', 'tcp_user_timeout', 'replication', 'gssencmode', 'gsslib', 'gssdelegation', 'krbsrvname',
  'sslnegotiation', 'sslcompression', 'sslcert', 'sslkey', 'sslpassword', 'sslcertmode', 'sslcrl', 'sslcrldir',
  'sslsni', 'sslkeylogfile', 'requirepeer', 'ssl_min_protocol_version', 'ssl_max_protocol_version',
  'min_protocol_version', 'max_protocol_version', 'target_session_attrs', 'load_balance_hosts',
  'oauth_issuer', 'oauth_client_id', 'oauth_client_secret', 'oauth_scope',
]);

/**
 * Reads a URL query the way libpq does (`name=value` pairs joined by `&`, only `%XX` decoded; `+` stays
 * `+`) and names every problem: broken pairs, repeated names, parameters that libpq does not know,
 * libpq parameters Lockstep cannot honour, and bad values.
 *
 * @example
 * readConnectionParams('sslmode=require&application_name=desk', []); // Map { 'sslmode' => 'require', … }
 */
export function readConnectionParams(query: string, problems: UrlProblem[]): Map<string, string> {
  const params = new Map<string, string>();
  const unknown: string[] = [];
  const unsupported: string[] = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? undefined : safeDecode(pair.slice(eq + 1));
    if (name === undefined || name === '') problems.push({ field: 'parameters', message: 'a parameter name is empty or badly percent-encoded' });
    else if (!Object.hasOwn(SUPPORTED, name)) (UNSUPPORTED_LIBPQ.has(name) ? unsupported : unknown).push(name);
    else if (eq < 0) problems.push({ field: 'parameters', message: `${name} has no value (write ${name}=VALUE)` });
    else if (value === undefined) problems.push({ field: 'parameters', message: `${name} has a broken percent-encoding` });
    else if (params.has(name)) problems.push({ field: 'parameters', message: `${name} is given more than once` });
    else {
      const bad = SUPPORTED[name]?.(value);
      if (bad !== undefined) problems.push({ field: 'parameters', message: bad });
      params.set(name, value);
    }
  }
  if (unsupported.length > 0)
    problems.push({ field: 'parameters', message: `libpq parameters Lockstep does not support: ${unsupported.join(', ')}` });
  if (unknown.length > 0)
    problems.push({
      field: 'parameters',
      message: `unknown parameters: ${unknown.join(', ')} (a server setting goes in options, e.g. options=-c%20statement_timeout%3D5s)`,
    });
  return params;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
