import type { FastifyInstance } from 'fastify';
import type { RunOperation } from '../../sync/run-state.js';
import { planFor, requireFirstMergeConfirmation } from '../apply-guard.js';
import type { DeviceRegistry } from '../device-registry.js';
import { previewFor } from '../sync-preview.js';
import { deviceParams, emptyBody, limitQuery, type DeviceParams } from '../route-schemas.js';

const fingerprint = { type: 'string', minLength: 1, maxLength: 200 } as const;

const applyBody = {
  type: 'object',
  additionalProperties: false,
  properties: { fingerprint, confirm: { type: 'boolean' } },
} as const;

const pullBody = {
  type: 'object',
  additionalProperties: false,
  properties: { fingerprint, discardLocal: { type: 'boolean' } },
} as const;

const previewQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { for: { type: 'string', enum: ['push', 'pull', 'sync'], default: 'sync' } },
} as const;

interface ApplyBody {
  fingerprint?: string;
  confirm?: boolean;
}

/**
 * POST /precheck, GET /preview?for=push|pull|sync, POST /push, /pull, /sync, GET /log. Every operation on
 * a device runs through its queue, one at a time.
 *
 * @example
 * registerSyncRoutes(app, registry);
 */
export function registerSyncRoutes(app: FastifyInstance, registry: DeviceRegistry): void {
  const base = '/api/devices/:device';

  app.post<{ Params: DeviceParams }>(`${base}/precheck`, { schema: { params: deviceParams, body: emptyBody } }, async (req) => {
    const d = registry.get(req.params.device);
    return d.queue.run(() => d.client.precheck());
  });

  app.get<{ Params: DeviceParams; Querystring: { for: RunOperation } }>(`${base}/preview`, { schema: { params: deviceParams, querystring: previewQuery } }, async (req) => {
    const d = registry.get(req.params.device);
    const report = await d.queue.run(() => previewFor(d, req.query.for));
    d.previews.remember(report);
    return report;
  });

  for (const op of ['push', 'sync'] as const) {
    app.post<{ Params: DeviceParams; Body: ApplyBody | undefined }>(`${base}/${op}`, { schema: { params: deviceParams, body: applyBody } }, async (req) => {
      const d = registry.get(req.params.device);
      const body = req.body ?? {};
      return d.queue.run(async () => {
        const plan = planFor(d, op, body.fingerprint);
        if (!plan && body.confirm !== true) await requireFirstMergeConfirmation(d, op);
        return op === 'push' ? d.client.push(plan ? { plan } : {}) : d.client.sync(plan ? { plan } : {});
      });
    });
  }

  app.post<{ Params: DeviceParams; Body: { fingerprint?: string; discardLocal?: boolean } | undefined }>(
    `${base}/pull`,
    { schema: { params: deviceParams, body: pullBody } },
    async (req) => {
      const d = registry.get(req.params.device);
      const body = req.body ?? {};
      return d.queue.run(async () => {
        const plan = planFor(d, 'pull', body.fingerprint);
        return d.client.pull({ discardLocal: body.discardLocal === true, ...(plan ? { plan } : {}) });
      });
    },
  );

  app.get<{ Params: DeviceParams; Querystring: { limit: number } }>(`${base}/log`, { schema: { params: deviceParams, querystring: limitQuery } }, async (req) => {
    const d = registry.get(req.params.device);
    return d.queue.run(() => d.client.log(req.query.limit));
  });
}
