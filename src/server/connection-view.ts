import type { ConnectionSettings } from '../connection/connection-settings.js';
import type { ConnectionInput, ConnectionView } from './api-types.js';
import { formatConnectionUrl } from '../connection/parse-connection-url.js';
import { LockstepError } from '../core/errors.js';
import type { LocalStore } from '../store/local-store.js';
import { loadConnection, readStoredConnection, type SecretCipher } from '../sync/saved-connection.js';

/**
 * The saved connection without its password (only whether there is one).
 *
 * @example
 * connectionView(store).settings?.host;
 */
export function connectionView(store: LocalStore): ConnectionView {
  const stored = readStoredConnection(store);
  if (!stored) return { saved: false, hasPassword: false, url: null, settings: null };
  const { options: _options, ...settings } = stored.settings;
  const hasPassword = stored.passwordEncrypted !== null;
  return {
    saved: true,
    hasPassword,
    url: formatConnectionUrl({ ...stored.settings, ...(hasPassword ? { password: '****' } : {}) }, { maskPassword: true }),
    settings,
  };
}

/**
 * Settings to test or save from a form. Without a password the saved one is reused, but only for the same
 * host, port and user: a saved password is never sent to another server.
 *
 * @example
 * const settings = settingsFromInput(store, cipher, { host: 'db', port: 5432, database: 'hub', user: 'teacher', sslMode: 'require' });
 */
export function settingsFromInput(store: LocalStore, cipher: SecretCipher, input: ConnectionInput): ConnectionSettings {
  const s: ConnectionSettings = { host: input.host.trim(), port: input.port, database: input.database, user: input.user, sslMode: input.sslMode };
  if (input.sslRootCert) s.sslRootCert = input.sslRootCert;
  if (typeof input.password === 'string' && input.password !== '') s.password = input.password;
  if (input.password !== undefined) return s;
  const stored = readStoredConnection(store);
  if (!stored?.passwordEncrypted) return s;
  const same = stored.settings.host === s.host && stored.settings.port === s.port && stored.settings.user === s.user;
  if (!same) throw new LockstepError('E_USAGE', 'the host, port or user changed: enter the password for the new server (the saved one is only used with the server it was saved for)');
  const saved = loadConnection(store, cipher).password;
  if (saved !== undefined) s.password = saved;
  return s;
}
