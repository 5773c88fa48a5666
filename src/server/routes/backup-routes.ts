import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { exportStore } from '../../backup/export-store.js';
import { importExport, type ImportMode } from '../../backup/import-store.js';
import { resolveSyncOptions } from '../../sync/sync-options.js';
import type { DeviceRegistry } from '../device-registry.js';
import { deviceParams, type DeviceParams } from '../route-schemas.js';

const importQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { mode: { type: 'string', enum: ['replace', 'merge'], default: 'replace' } },
} as const;

/** The body is checked whole by `validateExport` (E_IMPORT_INVALID names the problem); here only its kind. */
const importBody = { type: 'object' } as const;

/**
 * GET /export: the device's tables as a versioned, checksummed JSON export (a download).
 * POST /import?mode=replace|merge with an export as the body: validated whole first, the device file
 * backed up, then imported in one transaction (the rows become local changes for the next sync).
 *
 * @example
 * registerBackupRoutes(app, registry, { importBodyLimit: 256 * 1024 * 1024 });
 */
export function registerBackupRoutes(app: FastifyInstance, registry: DeviceRegistry, o: { importBodyLimit: number }): void {
  const base = '/api/devices/:device';

  app.get<{ Params: DeviceParams }>(`${base}/export`, { schema: { params: deviceParams } }, async (req, reply) => {
    const d = registry.get(req.params.device);
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-export-'));
    const file = join(dir, 'export.json');
    try {
      await d.queue.run(() => exportStore(d.store, file));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const stream = createReadStream(file);
    stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
    const name = `${d.name}-${new Date().toISOString().slice(0, 10)}.lockstep.json`.replace(/[^\w.-]/g, '_');
    return reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(stream);
  });

  app.post<{ Params: DeviceParams; Querystring: { mode: ImportMode }; Body: object }>(
    `${base}/import`,
    { bodyLimit: o.importBodyLimit, schema: { params: deviceParams, querystring: importQuery, body: importBody } },
    async (req) => {
      const d = registry.get(req.params.device);
      const opts = resolveSyncOptions(d.store.path);
      return d.queue.run(() => importExport(d.store, req.body, { mode: req.query.mode, backupDir: opts.backupDir, backupRetention: opts.backupRetention }));
    },
  );
}
