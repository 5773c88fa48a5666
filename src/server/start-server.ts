import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { LockstepError } from '../core/errors.js';
import { createServer } from './create-server.js';
import { isLoopbackHost } from './request-guard.js';
import type { ServerOptions } from './server-options.js';

export interface StartServerOptions extends ServerOptions {
  /** Default 127.0.0.1. Any other address requires a token (one is generated when none is given). */
  host?: string;
  /** Default 4870; 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  /** Where to open the UI; with a token, the URL carries it in the fragment (never sent to the server). */
  url: string;
  /** The bearer token, when one is required. */
  token: string | undefined;
}

/**
 * Creates the server and listens. Bound to loopback it needs no token (and answers only to loopback Host
 * names); bound to any other address it always requires one.
 *
 * @example
 * const { url, token } = await startServer({ devices: ['class.db'], cipher, host: '0.0.0.0', port: 4870 });
 */
export async function startServer(o: StartServerOptions): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const token = o.token ?? (isLoopbackHost(host) ? undefined : randomBytes(24).toString('base64url'));
  const app = await createServer({ ...o, token });
  try {
    await app.listen({ host, port: o.port ?? 4870 });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new LockstepError('E_USAGE', `cannot listen on ${host}:${o.port ?? 4870} (${code}); pick another --port or --host`, { cause: e });
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? 4870);
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${isIP(shown) === 6 ? `[${shown}]` : shown}:${port}/${token ? `#token=${token}` : ''}`;
  return { app, url, token };
}
