import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { ConnectionSettings } from '../../connection/connection-settings.js';
import { toLockstepError } from '../../connection/describe-pg-error.js';
import { connectHub } from '../../hub/connect-hub.js';
import { initHub, type HubInitResult } from '../../hub/hub-init.js';
import { readHubDataset } from '../../hub/sql/hub-meta.js';
import { loadConnection, saveConnection, type SecretCipher } from '../../sync/saved-connection.js';
import type { ConnectionInput, ConnectionTest } from '../api-types.js';
import { connectionView, settingsFromInput } from '../connection-view.js';
import type { DeviceRegistry, ServedDevice } from '../device-registry.js';
import { connectionBody, connectionView as connectionViewSchema, deviceParams, emptyBody, type DeviceParams } from '../route-schemas.js';

/** The form's settings, or nothing to test the saved connection. */
const connectionTestBody = { ...connectionBody, required: [], dependencies: { host: ['database', 'user'] } } as const;

const testResult = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean' },
    serverVersion: { type: 'string' },
    hub: {
      type: 'object',
      additionalProperties: false,
      properties: { initialised: { type: 'boolean' }, dataset: { type: ['string', 'null'] }, schema: { type: ['string', 'null'] }, matchesDevice: { type: 'boolean' } },
    },
  },
} as const;

async function testWith(device: ServedDevice, settings: ConnectionSettings): Promise<ConnectionTest> {
  const client = await connectHub(settings, { deviceName: device.name });
  try {
    const version = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    const hub = await readHubDataset(client).catch((e: unknown) => {
      throw toLockstepError(e, `read the hub's metadata as ${settings.user}`);
    });
    return {
      ok: true,
      serverVersion: version.rows[0]?.v ?? '?',
      hub: { initialised: hub !== undefined, dataset: hub?.dataset.name ?? null, schema: hub?.schema ?? null, matchesDevice: hub?.dataset.name === device.store.dataset.name },
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withHub<T>(device: ServedDevice, cipher: SecretCipher, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectHub(loadConnection(device.store, cipher), { deviceName: device.name });
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * GET/PUT /connection (PUT tests, then saves with the password encrypted), POST /connection/test,
 * POST /hub/init. The password is write-only: no response carries it.
 *
 * @example
 * registerConnectionRoutes(app, registry, cipher);
 */
export function registerConnectionRoutes(app: FastifyInstance, registry: DeviceRegistry, cipher: SecretCipher): void {
  const base = '/api/devices/:device';

  app.get<{ Params: DeviceParams }>(`${base}/connection`, { schema: { params: deviceParams, response: { 200: connectionViewSchema } } }, async (req) =>
    connectionView(registry.get(req.params.device).store),
  );

  app.put<{ Params: DeviceParams; Body: ConnectionInput }>(
    `${base}/connection`,
    { schema: { params: deviceParams, body: connectionBody, response: { 200: { type: 'object', properties: { test: testResult, connection: connectionViewSchema } } } } },
    async (req) => {
      const device = registry.get(req.params.device);
      const settings = settingsFromInput(device.store, cipher, req.body);
      const test = await testWith(device, settings);
      await device.queue.run(() => saveConnection(device.store, settings, cipher));
      return { test, connection: connectionView(device.store) };
    },
  );

  app.post<{ Params: DeviceParams; Body: Partial<ConnectionInput> | undefined }>(
    `${base}/connection/test`,
    { schema: { params: deviceParams, body: connectionTestBody, response: { 200: testResult } } },
    async (req) => {
      const device = registry.get(req.params.device);
      const body = req.body;
      const settings = body?.host !== undefined ? settingsFromInput(device.store, cipher, body as ConnectionInput) : loadConnection(device.store, cipher);
      return testWith(device, settings);
    },
  );

  app.post<{ Params: DeviceParams }>(`${base}/hub/init`, { schema: { params: deviceParams, body: emptyBody } }, async (req): Promise<HubInitResult> => {
    const device = registry.get(req.params.device);
    return withHub(device, cipher, (c) => initHub(c, device.store.dataset));
  });
}
