import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { DeviceRegistry } from './device-registry.js';
import { errorReply } from './error-reply.js';
import { HttpError } from './http-error.js';
import { ReplicationRuns } from './replication-runs.js';
import { requestGuard } from './request-guard.js';
import { registerBackupRoutes } from './routes/backup-routes.js';
import { registerClassroomRoutes } from './routes/classroom-routes.js';
import { registerConflictRoutes } from './routes/conflict-routes.js';
import { registerConnectionRoutes } from './routes/connection-routes.js';
import { registerDeviceRoutes } from './routes/device-routes.js';
import { registerReplicationRoutes } from './routes/replication-routes.js';
import { registerSyncRoutes } from './routes/sync-routes.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './server-options.js';
import { registerStaticUi, SECURITY_HEADERS } from './static-ui.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The HTTP API and the web UI in one Fastify instance (not yet listening: call `listen`, or `inject` in
 * tests). Opens the given device stores; closing the instance waits for replication runs it started and
 * closes the stores. Every error is `{ code, message }` with its status from `HTTP_STATUS`.
 *
 * @example
 * const app = await createServer({ devices: ['class.db'], cipher: createSecretBox(key), webRoot: defaultWebRoot() });
 * await app.listen({ host: '127.0.0.1', port: 4870 });
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const o = resolveServerOptions(options);
  const registry = DeviceRegistry.open(o);
  const runs = new ReplicationRuns();
  try {
    return await build(o, registry, runs);
  } catch (e) {
    registry.close();
    throw e;
  }
}

async function build(o: ResolvedServerOptions, registry: DeviceRegistry, runs: ReplicationRuns): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger,
    bodyLimit: o.bodyLimit,
    // Long enough that the route schemas (not the router) judge a parameter's length.
    routerOptions: { maxParamLength: 1000 },
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  app.addHook('onClose', async () => {
    await runs.settle();
    registry.close();
  });
  const replyError = errorReply(o.onInternalError);
  app.setErrorHandler(replyError);
  // JSON only: a text/plain body is what a cross-site form could send without a CORS preflight.
  app.removeContentTypeParser('text/plain');
  // A POST without a body is an empty object (e.g. POST /push), still checked against the route's schema.
  app.addHook('preValidation', async (req) => {
    if (req.body === undefined && req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'DELETE') req.body = {};
  });
  app.setNotFoundHandler((req, reply) => replyError(new HttpError('E_ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`), req, reply));
  app.addHook('onRequest', requestGuard(o.token));
  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  registerDeviceRoutes(app, registry, { forbidPrivateAddresses: o.forbidPrivateAddresses, version: VERSION });
  registerConnectionRoutes(app, registry, o.cipher);
  registerSyncRoutes(app, registry);
  registerConflictRoutes(app, registry);
  registerClassroomRoutes(app, registry);
  registerBackupRoutes(app, registry, { importBodyLimit: o.importBodyLimit });
  registerReplicationRoutes(app, registry, runs, { forbidPrivateAddresses: o.forbidPrivateAddresses });
  await registerStaticUi(app, o.webRoot);
  return app;
}
