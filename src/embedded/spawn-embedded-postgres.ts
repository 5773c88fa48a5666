import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LockstepError } from '../core/errors.js';
import type { EmbeddedPostgres } from './embedded-postgres-server.js';

/**
 * Starts an embedded PostgreSQL in a child process and returns its URL. The child stops the server when
 * `stop()` is called or when this process dies (its stdin closes). Keeping the server out of this process
 * keeps the `embedded-postgres` package's exit hook from overriding this process's exit code.
 *
 * @example
 * const pgServer = await spawnEmbeddedPostgres({ dataDir: '.lockstep/pg', port: 54329 });
 */
export async function spawnEmbeddedPostgres(o: { dataDir: string; port?: number; ephemeral?: boolean }): Promise<EmbeddedPostgres> {
  const main = fileURLToPath(new URL('./embedded-postgres-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, o.dataDir, o.port ? String(o.port) : '', o.ephemeral ? 'ephemeral' : ''], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) =>
      reject(new LockstepError('E_CONNECTION', `the embedded PostgreSQL did not start (exit ${code}): ${stderr.trim().slice(-500)}`)),
    );
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
