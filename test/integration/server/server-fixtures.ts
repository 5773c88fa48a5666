import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { parseConnectionUrl } from '../../../src/connection/parse-connection-url.js';
import { classroom } from '../../../src/dataset/classroom.js';
import type { Dataset } from '../../../src/dataset/dataset.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { createServer } from '../../../src/server/create-server.js';
import type { ServerOptions } from '../../../src/server/server-options.js';
import { LocalStore } from '../../../src/store/local-store.js';
import { saveConnection, type SecretCipher } from '../../../src/sync/saved-connection.js';
import { createHub, tempDir, withClient } from '../../helpers/sync-fixtures.js';

export interface TestServer {
  app: FastifyInstance;
  hubUrl: string;
  cipher: SecretCipher;
  /** Device name → store path. */
  paths: Record<string, string>;
  call: (method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;
  close: () => Promise<void>;
}

export interface Reply {
  status: number;
  /** The parsed JSON answer (any shape: each test checks what it expects). */
  body: any;
  text: string;
  headers: Record<string, unknown>;
}

export interface TestServerOptions {
  /** Devices to create (classroom). Default: pc, laptop. */
  devices?: string[];
  /** Devices whose hub connection is saved before the server starts. Default: all. */
  connected?: string[];
  dataset?: Dataset;
  /** A hub to reuse (else a fresh one). */
  hubUrl?: string;
  server?: Partial<ServerOptions>;
}

/** Calls a Fastify instance with `inject` and parses the JSON answer. */
export function caller(app: FastifyInstance): TestServer['call'] {
  return async (method, url, body, headers = {}) => {
    const r = await app.inject({ method, url, headers, ...(body !== undefined ? { payload: body as string | object } : {}) });
    let parsed: unknown;
    try {
      parsed = r.body === '' ? undefined : JSON.parse(r.body);
    } catch {
      parsed = undefined;
    }
    return { status: r.statusCode, body: parsed, text: r.body, headers: r.headers };
  };
}

/**
 * A fresh classroom hub (real PostgreSQL), device stores in real SQLite files (connections saved with a
 * throwaway key), and a server over them, driven with `inject`.
 */
export async function createTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const dataset = o.dataset ?? classroom;
  const hubUrl = o.hubUrl ?? (await createHub(dataset));
  const cipher = createSecretBox(randomBytes(32));
  const dir = tempDir('lockstep-server-');
  const names = o.devices ?? ['pc', 'laptop'];
  const paths: Record<string, string> = {};
  for (const name of names) {
    const path = join(dir, `${name}.db`);
    const store = LocalStore.init({ path, dataset, deviceName: name });
    if ((o.connected ?? names).includes(name)) saveConnection(store, parseConnectionUrl(hubUrl), cipher);
    store.close();
    paths[name] = path;
  }
  const app = await createServer({ devices: Object.values(paths), cipher, webRoot: false, lockTimeoutMs: 1_000, replication: { heartbeatMs: 200 }, ...o.server });
  return { app, hubUrl, cipher, paths, call: caller(app), close: () => app.close() };
}

/**
 * A login role with `password` that may use `databaseUrl`'s database, and the URL that logs in as it (the
 * suite's server may trust local connections or check passwords: this works with both).
 */
export async function roleWithPassword(databaseUrl: string, password: string): Promise<string> {
  const role = `lockstep_srv_${randomBytes(4).toString('hex')}`;
  await withClient(databaseUrl, async (c) => {
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
    await c.query(`GRANT ALL ON DATABASE "${new URL(databaseUrl).pathname.slice(1)}" TO ${role}`);
    await c.query(`GRANT ALL ON SCHEMA public TO ${role}`);
    await c.query(`GRANT pg_read_all_data TO ${role}`); // enough to test a hub connection (it reads lockstep.hub_meta)
  });
  const u = new URL(databaseUrl);
  u.username = role;
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Settings of the hub as the connection form sends them. */
export function connectionForm(hubUrl: string): Record<string, unknown> {
  const s = parseConnectionUrl(hubUrl);
  return { host: s.host, port: s.port, database: s.database, user: s.user, password: s.password ?? null, sslMode: 'disable' };
}
