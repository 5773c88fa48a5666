import type { FastifyInstance } from 'fastify';
import { validateConnectionUrl } from '../../connection/parse-connection-url.js';
import type { AddReplicationInput, EditReplicationInput } from '../../replicate/config-input.js';
import type { DeviceRegistry } from '../device-registry.js';
import type { ReplicationRuns } from '../replication-runs.js';
import { deviceIdParams, deviceParams, limitQuery, type DeviceParams } from '../route-schemas.js';

const fields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  url: { type: 'string', minLength: 1, maxLength: 2000 },
  scope: { type: 'string', minLength: 1, maxLength: 500 },
  mode: { type: 'string', enum: ['manual', 'continuous'] },
  intervalSeconds: { type: ['integer', 'null'], minimum: 1, maximum: 31_536_000 },
  targetSchema: { type: 'string', minLength: 1, maxLength: 63 },
  migrate: { type: 'boolean' },
} as const;

const createBody = {
  type: 'object',
  required: ['name', 'url'],
  additionalProperties: false,
  properties: { ...fields, owner: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const editBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: fields } as const;

const runBody = { type: 'object', additionalProperties: false, properties: { full: { type: 'boolean' } } } as const;

const checkUrlBody = { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string', maxLength: 2000 } } } as const;

type CreateBody = Omit<AddReplicationInput, 'owner' | 'scope'> & { owner?: string; scope?: string };
type IdParams = DeviceParams & { id: string };

/**
 * Replication configurations of the hub a device is connected to: list, create, get (with live progress),
 * edit, delete, run (answers 202 once the run has started; poll GET for progress), history, and a URL check
 * that names every problem field by field with the server's private-address policy.
 *
 * @example
 * registerReplicationRoutes(app, registry, new ReplicationRuns(), { forbidPrivateAddresses: true });
 */
export function registerReplicationRoutes(app: FastifyInstance, registry: DeviceRegistry, runs: ReplicationRuns, policy: { forbidPrivateAddresses: boolean }): void {
  const base = '/api/devices/:device/replications';

  app.get<{ Params: DeviceParams }>(base, { schema: { params: deviceParams } }, async (req) => {
    const list = await registry.get(req.params.device).replication.list();
    return { replications: list.map((v) => runs.withLiveProgress(v)) };
  });

  app.post<{ Params: DeviceParams; Body: CreateBody }>(base, { schema: { params: deviceParams, body: createBody } }, async (req, reply) => {
    const d = registry.get(req.params.device);
    const { owner, scope, ...rest } = req.body;
    const view = await d.replication.add({ ...rest, owner: owner ?? d.name, scope: scope ?? 'all' });
    return reply.status(201).send(view);
  });

  app.post<{ Params: DeviceParams; Body: { url: string } }>(`${base}/check-url`, { schema: { params: deviceParams, body: checkUrlBody } }, async (req) => {
    registry.get(req.params.device);
    const v = validateConnectionUrl(req.body.url, policy);
    return v.ok ? { ok: true, problems: [] } : { ok: false, problems: v.problems };
  });

  app.get<{ Params: IdParams }>(`${base}/:id`, { schema: { params: deviceIdParams } }, async (req) =>
    runs.withLiveProgress(await registry.get(req.params.device).replication.get(req.params.id)),
  );

  app.patch<{ Params: IdParams; Body: EditReplicationInput }>(`${base}/:id`, { schema: { params: deviceIdParams, body: editBody } }, async (req) =>
    registry.get(req.params.device).replication.edit(req.params.id, req.body),
  );

  app.delete<{ Params: IdParams }>(`${base}/:id`, { schema: { params: deviceIdParams } }, async (req) => registry.get(req.params.device).replication.remove(req.params.id));

  app.post<{ Params: IdParams; Body: { full?: boolean } | undefined }>(`${base}/:id/run`, { schema: { params: deviceIdParams, body: runBody } }, async (req, reply) => {
    const service = registry.get(req.params.device).replication;
    const cfg = await service.get(req.params.id);
    await runs.start(service, cfg.id, { full: req.body?.full === true });
    return reply.status(202).send(runs.withLiveProgress(await service.get(cfg.id)));
  });

  app.get<{ Params: IdParams; Querystring: { limit: number } }>(`${base}/:id/history`, { schema: { params: deviceIdParams, querystring: limitQuery } }, async (req) => ({
    runs: await registry.get(req.params.device).replication.history(req.params.id, { limit: req.query.limit }),
  }));
}
