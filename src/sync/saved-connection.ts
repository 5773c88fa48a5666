import type { ConnectionSettings } from '../connection/connection-settings.js';
import { LockstepError } from '../core/errors.js';
import type { LocalStore } from '../store/local-store.js';

/** What a device keeps of its hub connection: the settings, and the password only encrypted. */
export interface StoredConnection {
  settings: Omit<ConnectionSettings, 'password'>;
  passwordEncrypted: string | null;
}

/** Anything that encrypts and decrypts short secrets (see `createSecretBox`). */
export interface SecretCipher {
  encrypt(plain: string): string;
  decrypt(text: string): string;
}

const KEY = 'connection';

/** Saves the hub settings on the device; the password is encrypted with `cipher`, never stored in clear. */
export function saveConnection(store: LocalStore, settings: ConnectionSettings, cipher: SecretCipher): void {
  const { password, ...rest } = settings;
  const stored: StoredConnection = { settings: rest, passwordEncrypted: password ? cipher.encrypt(password) : null };
  store.setMeta(KEY, JSON.stringify(stored));
}

export function readStoredConnection(store: LocalStore): StoredConnection | undefined {
  return store.getMetaJson(KEY, 'hub connection', isStoredConnection);
}

function isStoredConnection(v: unknown): v is StoredConnection {
  const c = v as { settings?: Record<string, unknown>; passwordEncrypted?: unknown } | null;
  const s = c?.settings;
  return (
    typeof s === 'object' && s !== null &&
    ['host', 'database', 'user', 'sslMode'].every((k) => typeof s[k] === 'string') && typeof s.port === 'number' &&
    (c?.passwordEncrypted === null || typeof c?.passwordEncrypted === 'string')
  );
}

/** The saved settings with the password decrypted, for connecting. */
export function loadConnection(store: LocalStore, cipher: SecretCipher): ConnectionSettings {
  const stored = readStoredConnection(store);
  if (!stored) throw new LockstepError('E_NOT_CONNECTED', `no hub connection is saved in ${store.path}; run: lockstep connect --db ${store.path} --url postgres://…`);
  const settings: ConnectionSettings = { ...stored.settings };
  if (stored.passwordEncrypted) settings.password = cipher.decrypt(stored.passwordEncrypted);
  return settings;
}
