import type { ReplicationOptions } from '../replicate/replication-options.js';
import type { SecretCipher } from '../sync/saved-connection.js';

/**
 * What `createServer` needs. Everything optional has its default in `resolveServerOptions`.
 *
 * @example
 * const options: ServerOptions = { devices: ['class.db'], cipher: createSecretBox(key) };
 */
export interface ServerOptions {
  /** Paths of device stores (SQLite files made by `lockstep init`); each is served as /api/devices/<device name>. */
  devices: readonly string[];
  /** Encrypts saved hub passwords and replication target passwords. */
  cipher: SecretCipher;
  /** When set, every /api request needs `Authorization: Bearer <token>`. Required when listening beyond loopback. */
  token?: string | undefined;
  /**
   * Refuse replication targets on loopback, private or link-local addresses (so the server cannot be used
   * to probe its own network). Default true.
   */
  forbidPrivateAddresses?: boolean;
  /** Largest request body in bytes. Default 65 536. */
  bodyLimit?: number;
  /** Largest body of POST …/import (a JSON export), in bytes. Default 256 MiB. */
  importBodyLimit?: number;
  /** The built web UI (index.html and assets); `false` serves the API only. Default: none (a hint page at /). */
  webRoot?: string | false;
  /** How long push, pull and sync wait for another device's sync lock, in ms. Default 10 000. */
  lockTimeoutMs?: number;
  /** Passed to the replication service (heartbeat, timeouts, target connector…). */
  replication?: Omit<ReplicationOptions, 'hub' | 'cipher' | 'policy'>;
  /** Fastify's logger. Default false. */
  logger?: boolean;
  /** Told of every unexpected error (answered as `E_INTERNAL` without its text). Default: nothing. */
  onInternalError?: (error: unknown) => void;
}

export interface ResolvedServerOptions {
  devices: readonly string[];
  cipher: SecretCipher;
  token: string | undefined;
  forbidPrivateAddresses: boolean;
  bodyLimit: number;
  importBodyLimit: number;
  webRoot: string | false | undefined;
  lockTimeoutMs: number;
  replication: Omit<ReplicationOptions, 'hub' | 'cipher' | 'policy'>;
  logger: boolean;
  onInternalError: (error: unknown) => void;
}

/**
 * Every default of `ServerOptions`, set once.
 *
 * @example
 * resolveServerOptions({ devices: ['class.db'], cipher }).bodyLimit; // 65536
 */
export function resolveServerOptions(o: ServerOptions): ResolvedServerOptions {
  return {
    devices: o.devices,
    cipher: o.cipher,
    token: o.token === '' ? undefined : o.token,
    forbidPrivateAddresses: o.forbidPrivateAddresses ?? true,
    bodyLimit: o.bodyLimit ?? 65_536,
    importBodyLimit: o.importBodyLimit ?? 256 * 1024 * 1024,
    webRoot: o.webRoot,
    lockTimeoutMs: o.lockTimeoutMs ?? 10_000,
    replication: { heartbeatMs: 1_000, ...o.replication },
    logger: o.logger ?? false,
    onInternalError: o.onInternalError ?? (() => undefined),
  };
}
