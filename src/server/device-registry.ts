import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import { connectHub } from '../hub/connect-hub.js';
import { createReplicationService, type ReplicationService } from '../replicate/replication-service.js';
import { LocalStore } from '../store/local-store.js';
import { loadConnection } from '../sync/saved-connection.js';
import { createSyncClient, type SyncClient } from '../sync/sync-client.js';
import { DeviceQueue } from './device-queue.js';
import { PreviewCache } from './preview-cache.js';
import type { ResolvedServerOptions } from './server-options.js';

/** One device store the server serves, with what the routes need around it. */
export interface ServedDevice {
  name: string;
  store: LocalStore;
  client: SyncClient;
  /** Opens a connection to the device's hub with its saved settings (the caller ends it). */
  connect: () => Promise<pg.Client>;
  /** Every use of `store` (sync operations and data writes) goes through here, one at a time. */
  queue: DeviceQueue;
  previews: PreviewCache;
  /** Replication configurations of the hub this device is connected to. */
  replication: ReplicationService;
}

/**
 * The device stores given at start, opened once and addressed by device name.
 *
 * @example
 * const registry = DeviceRegistry.open(options);
 * const device = registry.get('classroom-pc');
 */
export class DeviceRegistry {
  private constructor(private readonly devices: Map<string, ServedDevice>) {}

  static open(o: ResolvedServerOptions): DeviceRegistry {
    const devices = new Map<string, ServedDevice>();
    try {
      for (const path of o.devices) {
        const store = LocalStore.open(path);
        const name = store.deviceName;
        if (devices.has(name)) {
          store.close();
          throw new LockstepError('E_USAGE', `two device stores are named "${name}" (${devices.get(name)?.store.path} and ${path}); serve them from separate servers`);
        }
        devices.set(name, serve(store, o));
      }
    } catch (e) {
      for (const d of devices.values()) d.store.close();
      throw e;
    }
    return new DeviceRegistry(devices);
  }

  list(): ServedDevice[] {
    return [...this.devices.values()];
  }

  get(name: string): ServedDevice {
    const d = this.devices.get(name);
    if (!d) throw new LockstepError('E_NOT_FOUND', `no device "${name}" is served here (devices: ${[...this.devices.keys()].join(', ') || 'none'})`);
    return d;
  }

  close(): void {
    for (const d of this.devices.values()) d.store.close();
  }
}

function serve(store: LocalStore, o: ResolvedServerOptions): ServedDevice {
  const hub = (app: string) => () => connectHub(loadConnection(store, o.cipher), { deviceName: app });
  return {
    name: store.deviceName,
    store,
    client: createSyncClient({ store, lockTimeoutMs: o.lockTimeoutMs, connect: hub(store.deviceName) }),
    connect: hub(store.deviceName),
    queue: new DeviceQueue(),
    previews: new PreviewCache(),
    replication: createReplicationService({
      ...o.replication,
      hub: hub(`${store.deviceName}:replicate`),
      cipher: o.cipher,
      policy: { forbidPrivateAddresses: o.forbidPrivateAddresses },
    }),
  };
}
