import pg from 'pg';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { toLockstepError } from '../connection/describe-pg-error.js';
import { toPgClientConfig } from '../connection/pg-client-config.js';

export interface ConnectHubOptions {
  /** Shown to other devices waiting on the sync lock (`lockstep:<name>`). */
  deviceName?: string;
  connectionTimeoutMillis?: number;
}

/**
 * Opens one connection to a hub (or any PostgreSQL) with the settings' TLS mode. Errors come back as
 * LockstepError (`E_CONNECTION`, `E_AUTH`, `E_TLS`) and never contain the password.
 *
 * @example
 * const client = await connectHub(settings, { deviceName: 'front-desk' });
 */
export async function connectHub(settings: ConnectionSettings, opts: ConnectHubOptions = {}): Promise<pg.Client> {
  const config = toPgClientConfig(settings, {
    applicationName: opts.deviceName ? `lockstep:${opts.deviceName}`.slice(0, 63) : 'lockstep',
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
  });
  const client = new pg.Client(config);
  // A dropped connection must surface as a failed query, not as an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw toLockstepError(e, `connect to ${settings.host}:${settings.port}/${settings.database} as ${settings.user}`);
  }
  return client;
}
