import type { FastifyInstance } from 'fastify';
import type { ResolveInput } from '../api-types.js';
import type { DeviceRegistry } from '../device-registry.js';
import { deviceParams, type DeviceParams } from '../route-schemas.js';

const resolveBody = {
  type: 'object',
  required: ['table', 'id', 'keep'],
  additionalProperties: false,
  properties: {
    table: { type: 'string', minLength: 1, maxLength: 63 },
    id: { type: 'string', minLength: 1, maxLength: 500 },
    keep: { type: 'string', enum: ['local', 'server', 'merge'] },
    /** Field values for `merge` (and for `local`, to change fields while keeping it). */
    set: { type: 'object', maxProperties: 200 },
  },
} as const;

const resolveAllBody = {
  type: 'object',
  required: ['keep'],
  additionalProperties: false,
  properties: { keep: { type: 'string', enum: ['local', 'server'] } },
} as const;

/**
 * GET /conflicts (those the last push or sync held back), POST /conflicts/resolve, POST /conflicts/resolve-all.
 * A resolution is written locally; the next push or sync sends it.
 *
 * @example
 * registerConflictRoutes(app, registry);
 */
export function registerConflictRoutes(app: FastifyInstance, registry: DeviceRegistry): void {
  const base = '/api/devices/:device/conflicts';

  app.get<{ Params: DeviceParams }>(base, { schema: { params: deviceParams } }, async (req) => {
    const d = registry.get(req.params.device);
    return d.queue.run(() => ({ conflicts: d.client.conflicts() }));
  });

  app.post<{ Params: DeviceParams; Body: ResolveInput }>(`${base}/resolve`, { schema: { params: deviceParams, body: resolveBody } }, async (req) => {
    const d = registry.get(req.params.device);
    const { table, id, keep, set } = req.body;
    return d.queue.run(() => ({ table, id, keep, row: d.client.resolve(table, id, keep, set) }));
  });

  app.post<{ Params: DeviceParams; Body: { keep: 'local' | 'server' } }>(`${base}/resolve-all`, { schema: { params: deviceParams, body: resolveAllBody } }, async (req) => {
    const d = registry.get(req.params.device);
    return d.queue.run(() => ({ resolved: d.client.resolveAll(req.body.keep) }));
  });
}
