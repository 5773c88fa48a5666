// A replication worker in its own process, to be killed with SIGKILL in the middle of a run.
// It announces `MIDRUN <phase>` when a run reaches the phase named in argv[3], then stops there forever,
// with its target transaction open and rows written but not committed.
import pg from 'pg';
import { startReplicationWorker } from '../../../src/replicate/replication-worker.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';

const [hubUrl, keyHex, stopAt] = process.argv.slice(2) as [string, string, string];
const pool = new pg.Pool({ connectionString: hubUrl, max: 4 });
await startReplicationWorker({
  pgPool: pool,
  hub: async () => {
    const c = new pg.Client({ connectionString: hubUrl, application_name: 'lockstep:child-worker' });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  },
  cipher: createSecretBox(Buffer.from(keyHex, 'hex')),
  policy: { forbidPrivateAddresses: false },
  concurrency: 1,
  pollIntervalMs: 100,
  maintenanceIntervalMs: 60_000,
  heartbeatMs: 200,
  onProgress: async (p) => {
    if (p.phase !== stopAt) return;
    process.stdout.write(`MIDRUN ${p.phase} ${p.runId}\n`);
    await new Promise(() => undefined);
  },
});
process.stdout.write('READY\n');
