import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { maskUrl } from '../../connection/parse-connection-url.js';
import { defaultWebRoot, ensureWebBundle, webDir } from '../../server/web-bundle.js';
import { startServer, type StartServerOptions } from '../../server/start-server.js';
import { parseIntOption, type CliIo } from '../cli-io.js';
import { cipherFor } from '../device-context.js';

interface ServeOpts {
  db: string[];
  host: string;
  port: string;
  token?: string;
  allowPrivateTargets?: boolean;
  bodyLimit?: string;
  ui: boolean;
}

/**
 * The built web UI, building it first in a source checkout when it is missing or older than its sources.
 * Returns undefined (the server then shows how to build it) when it cannot be built here.
 *
 * @example
 * const webRoot = await webRootFor(io);
 */
export async function webRootFor(io: CliIo): Promise<string | undefined> {
  if (existsSync(join(webDir(), 'src'))) {
    try {
      return await ensureWebBundle({ log: (m) => io.stderr(m) });
    } catch (e) {
      io.stderr(`the web UI could not be built (${e instanceof Error ? e.message : String(e)}); serving the API only`);
    }
  }
  return existsSync(join(defaultWebRoot(), 'index.html')) ? defaultWebRoot() : undefined;
}

/**
 * Starts the server and keeps it running until SIGINT or SIGTERM; then closes it (waiting for replication
 * runs it started) and runs `onStop`.
 *
 * @example
 * await serveUntilStopped(io, { devices: ['class.db'], cipher: cipherFor(io) });
 */
export async function serveUntilStopped(io: CliIo, options: StartServerOptions, onStop: () => Promise<void> = async () => undefined): Promise<void> {
  const { app, url, token } = await startServer({
    onInternalError: (e) => io.stderr(`unexpected error (answered E_INTERNAL): ${maskUrl(e instanceof Error ? (e.stack ?? e.message) : String(e))}`),
    ...options,
  });
  io.stdout(`Lockstep is serving ${options.devices.length} device(s) at ${url}`);
  if (token) io.stdout(`API token (send as Authorization: Bearer …): ${token}`);
  io.stdout('press Ctrl-C to stop');
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.stderr('stopping…');
      const report = (e: unknown): void => io.stderr(`while stopping: ${e instanceof Error ? e.message : String(e)}`);
      void app
        .close()
        .catch(report)
        .then(onStop)
        .catch(report)
        .finally(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `lockstep serve --db PATH … [--host H] [--port P] [--token T]`: the HTTP API and the web UI.
 *
 * @example
 * registerServeCommand(program, io); // lockstep serve --db class.db
 */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('serve the HTTP API and the web UI for one or more device stores')
    .requiredOption('--db <path>', 'a device database (repeat for more devices)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--host <address>', 'address to listen on; anything but loopback requires a token', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '4870')
    .option('--token <token>', 'bearer token for the API (default: $LOCKSTEP_TOKEN; generated when listening beyond loopback)')
    .option('--allow-private-targets', 'let replication targets be on loopback or private addresses (refused by default)')
    .option('--body-limit <bytes>', 'largest request body', '65536')
    .option('--no-ui', 'serve the API only')
    .action(async (o: ServeOpts) => {
      await serveUntilStopped(io, {
        devices: o.db.map((p) => resolve(p)),
        cipher: cipherFor(io),
        host: o.host,
        port: parseIntOption('--port', o.port, 0),
        token: o.token ?? io.env.LOCKSTEP_TOKEN,
        forbidPrivateAddresses: o.allowPrivateTargets !== true,
        bodyLimit: parseIntOption('--body-limit', o.bodyLimit, 1024),
        webRoot: o.ui ? await webRootFor(io) : false,
      });
    });
}
