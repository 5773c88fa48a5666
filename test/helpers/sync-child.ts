// A child process that syncs a device store with a hub over and over, to be killed at random instants.
import pg from 'pg';
import { LocalStore } from '../../src/store/local-store.js';
import { createSyncClient } from '../../src/sync/sync-client.js';

const [dbPath, hubUrl, op] = process.argv.slice(2) as [string, string, 'sync' | 'push' | 'pull'];
const store = LocalStore.open(dbPath);
const client = createSyncClient({
  store,
  batchSize: 5,
  connect: async () => {
    const c = new pg.Client({ connectionString: hubUrl, application_name: 'lockstep:child' });
    await c.connect();
    return c;
  },
});
process.stdout.write('ready\n');
for (;;) {
  if (op === 'sync') await client.sync();
  else if (op === 'push') await client.push();
  else await client.pull({ discardLocal: false }).catch(() => undefined);
}
