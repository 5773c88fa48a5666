import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const HINT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lockstep</title></head>
<body><main><h1>Lockstep</h1><p>The API is running, but the web UI has not been built.
Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it) and reload.</p></main></body></html>`;

/** Headers every response carries: the UI loads only its own scripts and styles and cannot be framed. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the built web UI from `webRoot` at `/` (hash-routed, so no fallback is needed). Without a
 * built UI, `/` explains how to build it; with `false`, only the API is served.
 *
 * @example
 * await registerStaticUi(app, defaultWebRoot());
 */
export async function registerStaticUi(app: FastifyInstance, webRoot: string | false | undefined): Promise<void> {
  if (webRoot === false) return;
  if (webRoot === undefined || !existsSync(join(webRoot, 'index.html'))) {
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(HINT_PAGE));
    return;
  }
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: 'index.html' });
}
