import { homedir } from 'node:os';
import { keySourceFor } from '../secrets/key-source.js';
import { createSecretBox } from '../secrets/secret-box.js';
import { connectHub } from '../hub/connect-hub.js';
import { LocalStore } from '../store/local-store.js';
import { loadConnection, type SecretCipher } from '../sync/saved-connection.js';
import { createSyncClient, type SyncClient } from '../sync/sync-client.js';
import type { CliIo } from './cli-io.js';

/** The key that encrypts saved passwords: $LOCKSTEP_KEY_FILE, else the OS keyring, else ~/.config/lockstep/key (0600). */
export function cipherFor(io: CliIo): SecretCipher {
  return createSecretBox(keySourceFor(io.env, io.env.HOME ?? homedir()).load());
}

export interface DeviceContext {
  store: LocalStore;
  client: SyncClient;
  close(): void;
}

/** Opens a device store and a sync client that connects with the store's saved, encrypted settings. */
export function openDevice(io: CliIo, dbPath: string, opts: { lockTimeoutMs?: number | undefined } = {}): DeviceContext {
  const store = LocalStore.open(dbPath);
  let cipher: SecretCipher | undefined;
  const client = createSyncClient({
    store,
    ...(opts.lockTimeoutMs !== undefined ? { lockTimeoutMs: opts.lockTimeoutMs } : {}),
    connect: () => {
      cipher ??= cipherFor(io);
      return connectHub(loadConnection(store, cipher), { deviceName: store.deviceName });
    },
  });
  return { store, client, close: () => store.close() };
}
