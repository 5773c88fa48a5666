// A child process that runs one operation over and over, to be SIGKILLed at a random instant:
//   sync|push|pull <store path> <hub url>            a device's run
//   replicate <hub url> <config id> <key hex>       a replication run of one configuration
// It prints `ready` once set up and `done <n>` after each finished run.
import pg from 'pg';
import { isLockstepError } from '../../../src/core/errors.js';
import { createReplicationService } from '../../../src/replicate/replication-service.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { LocalStore } from '../../../src/store/local-store.js';
import { createSyncClient } from '../../../src/sync/sync-client.js';

const [op, a, b, c] = process.argv.slice(2) as [string, string, string, string | undefined];

function connector(url: string, app: string): () => Promise<pg.Client> {
  return async () => {
    const client = new pg.Client({ connectionString: url, application_name: app });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
}

let runs = 0;
if (op === 'replicate') {
  const service = createReplicationService({
    hub: connector(a, 'lockstep:kill-child'),
    cipher: createSecretBox(Buffer.from(c ?? '', 'hex')),
    policy: { forbidPrivateAddresses: false },
    heartbeatMs: 100,
    batchSize: 3,
    lockTimeoutMs: 2_000,
  });
  process.stdout.write('ready\n');
  for (;;) {
    await service.run(b).catch((e: unknown) => {
      if (!isLockstepError(e) || e.code === 'E_INTERNAL') throw e;
    });
    process.stdout.write(`done ${++runs}\n`);
  }
} else {
  const store = LocalStore.open(a);
  const client = createSyncClient({ store, batchSize: 5, lockTimeoutMs: 5_000, connect: connector(b, 'lockstep:kill-child') });
  process.stdout.write('ready\n');
  for (;;) {
    const run = op === 'sync' ? client.sync() : op === 'push' ? client.push() : client.pull({ discardLocal: false });
    await run.catch((e: unknown) => {
      if (!isLockstepError(e) || e.code === 'E_INTERNAL') throw e;
    });
    process.stdout.write(`done ${++runs}\n`);
  }
}
