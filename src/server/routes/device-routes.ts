import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readStoredConnection } from '../../sync/saved-connection.js';
import type { DeviceSummary } from '../api-types.js';
import type { DeviceRegistry, ServedDevice } from '../device-registry.js';
import { deviceParams, type DeviceParams } from '../route-schemas.js';

function summary(d: ServedDevice): DeviceSummary {
  return {
    name: d.name,
    deviceId: d.store.deviceId,
    dataset: d.store.dataset.name,
    file: basename(d.store.path),
    connected: readStoredConnection(d.store) !== undefined,
    pendingChanges: d.store.pendingCount(),
    conflicts: d.client.conflicts().length,
  };
}

/**
 * GET /api/info, GET /api/devices, GET /api/devices/:device.
 *
 * @example
 * registerDeviceRoutes(app, registry, { forbidPrivateAddresses: true, version: '0.1.0' });
 */
export function registerDeviceRoutes(app: FastifyInstance, registry: DeviceRegistry, info: { forbidPrivateAddresses: boolean; version: string }): void {
  app.get('/api/info', async () => ({ name: 'lockstep', version: info.version, forbidPrivateAddresses: info.forbidPrivateAddresses, devices: registry.list().length }));

  // Counts only: read at once, without waiting for a sync in progress on the device (the header stays live).
  app.get('/api/devices', async () => ({ devices: registry.list().map(summary) }));

  app.get<{ Params: DeviceParams }>('/api/devices/:device', { schema: { params: deviceParams } }, async (req) => summary(registry.get(req.params.device)));
}
