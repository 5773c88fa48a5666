import type pg from 'pg';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { LockstepError } from '../core/errors.js';
import { connectHub } from '../hub/connect-hub.js';
import type { SecretCipher } from '../sync/saved-connection.js';

/** Opens a new connection to the hub; whoever gets it ends it. */
export type HubConnector = () => Promise<pg.Client>;

/** Opens a connection to a replication target. */
export type TargetConnector = (settings: ConnectionSettings, applicationName: string) => Promise<pg.Client>;

/** Which targets may be saved and reached. */
export interface ReplicationPolicy {
  /**
   * Refuse targets on loopback, private, link-local or unspecified addresses, by literal address and, at
   * run time, by every address the host name resolves to — so a server cannot be used to probe its own
   * network. Default: true. The CLI turns it off (a user's own machine may replicate to localhost).
   */
  forbidPrivateAddresses?: boolean;
}

/** Options of the replication service and worker; every default is set in `resolveReplicationOptions`. */
export interface ReplicationOptions {
  hub: HubConnector;
  /** Encrypts target passwords at rest (see `createSecretBox`). */
  cipher: SecretCipher;
  policy?: ReplicationPolicy;
  /** How often a run records a heartbeat and its progress on the hub, in ms. Default 5 000. */
  heartbeatMs?: number;
  /** A run whose heartbeat is older than this is presumed dead, in ms. Default 60 000. */
  staleAfterMs?: number;
  /** How long a run waits for another run of the same configuration to finish, in ms. Default 0 (fail at once). */
  lockTimeoutMs?: number;
  /** Keys per round trip in incremental runs, feed entries per page. Default 5 000. */
  batchSize?: number;
  /** Finished runs kept per configuration. Default 500. */
  historyLimit?: number;
  /** Minimum time between two progress reports to the listener, in ms. Default 100. */
  progressEveryMs?: number;
  /** Default: `connectHub` with the settings' TLS mode. */
  connectTarget?: TargetConnector;
  /** Every address a host name resolves to (for the private-address policy). Default: DNS. */
  resolveHost?: (host: string) => Promise<string[]>;
}

export type ResolvedReplicationOptions = Required<Omit<ReplicationOptions, 'policy'>> & { policy: Required<ReplicationPolicy> };

/** Every default in one place; a heartbeat must come well within the time after which a run counts as dead. */
export function resolveReplicationOptions(o: ReplicationOptions): ResolvedReplicationOptions {
  const heartbeatMs = o.heartbeatMs ?? 5_000;
  const staleAfterMs = o.staleAfterMs ?? Math.max(60_000, 3 * heartbeatMs);
  if (!(heartbeatMs >= 10) || !(staleAfterMs >= 3 * heartbeatMs))
    throw new LockstepError('E_USAGE', `staleAfterMs (${staleAfterMs}) must be at least three heartbeats (heartbeatMs ${heartbeatMs}, at least 10)`);
  return {
    hub: o.hub,
    cipher: o.cipher,
    policy: { forbidPrivateAddresses: o.policy?.forbidPrivateAddresses ?? true },
    heartbeatMs,
    staleAfterMs,
    lockTimeoutMs: o.lockTimeoutMs ?? 0,
    batchSize: o.batchSize ?? 5_000,
    historyLimit: o.historyLimit ?? 500,
    progressEveryMs: o.progressEveryMs ?? 100,
    connectTarget: o.connectTarget ?? ((settings, app) => connectHub(settings, { deviceName: app })),
    resolveHost: o.resolveHost ?? resolveWithDns,
  };
}

async function resolveWithDns(host: string): Promise<string[]> {
  const { lookup } = await import('node:dns/promises');
  return (await lookup(host, { all: true })).map((a) => a.address);
}
