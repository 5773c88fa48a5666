import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLockstepError } from '../../src/core/errors.js';
import { classroom } from '../../src/dataset/classroom.js';
import { learning } from '../../src/dataset/learning.js';
import { initHub } from '../../src/hub/hub-init.js';
import { startReplicationWorker, type ReplicationWorker } from '../../src/replicate/replication-worker.js';
import { createSecretBox } from '../../src/secrets/secret-box.js';
import { createSyncClient } from '../../src/sync/sync-client.js';
import { addFamily, connector, createTarget, expectedScopeRows, serviceFor, targetRows, waitFor } from '../integration/replicate/fixtures.js';
import { createDevice, tempDir, withClient, type Device } from '../helpers/sync-fixtures.js';
import { counter, recordCounts } from './helpers/fault-report.js';
import { scale, seededRandom, sleep } from './helpers/fault-mode.js';
import { startPrivatePostgres, type PrivatePostgres } from './helpers/private-postgres.js';
import { countRows, deviceTables, hubTables, lostChanges, unsynced } from './helpers/store-state.js';
import { randomEdits } from './helpers/workload.js';

let server: PrivatePostgres;
/** graphile-worker's own errors seen by the continuous-replication test. */
const workerErrors: string[] = [];
beforeAll(async () => {
  server = await startPrivatePostgres(tempDir('lockstep-restart-'));
});
afterAll(() => server?.close());

async function newHub(name: string, dataset: typeof classroom): Promise<string> {
  await withClient(server.url(), (c) => c.query(`CREATE DATABASE ${name}`));
  const url = server.url(name);
  await withClient(url, (c) => initHub(c, dataset));
  return url;
}

/** A connector whose `at`-th query (over all its connections) first waits for `hook`. */
function hookedConnector(url: string, at: number, hook: () => Promise<void>): () => Promise<pg.Client> {
  let seen = 0;
  return async () => {
    const c = new pg.Client({ connectionString: url, application_name: 'lockstep:a' });
    c.on('error', () => undefined);
    await c.connect();
    const real = c.query.bind(c) as (...args: unknown[]) => unknown;
    (c as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      if (++seen !== at || typeof (args[0] as { submit?: unknown }).submit === 'function') return real(...args);
      return hook().then(() => real(...args));
    };
    return c;
  };
}

describe('the PostgreSQL server restarts', () => {
  it('during a sync: fails E_CONNECTION with both sides as they were, and converges once the server is back', async () => {
    const n = counter();
    const rnd = seededRandom();
    process.stdout.write(`[faults] server-restart sync seed ${rnd.seed}\n`);
    const hub = await newHub('restart_sync', classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    randomEdits(b.store, 20, rnd.next, { deletes: false });
    await b.client.sync();
    await a.client.sync();
    const points = scale([2, 5, 9, 14, 20, 27, 35, 44], [5, 14, 27]);
    for (const [i, at] of points.entries()) {
      randomEdits(b.store, 10, rnd.next);
      await b.client.sync();
      randomEdits(a.store, 10, rnd.next);
      const hubBefore = await withClient(hub, (c) => hubTables(c, classroom));
      const before = unsynced(a.store);
      const mode = i % 2 === 0 ? 'fast' : 'immediate';
      let stopped = false;
      const stop = async (): Promise<void> => {
        stopped = true;
        await server.stop(mode);
      };
      const client = createSyncClient({ store: a.store, batchSize: 7, lockTimeoutMs: 5_000, connect: hookedConnector(hub, at, stop) });
      const outcome = await client.sync().then(
        () => 'ok',
        (e: unknown) => (isLockstepError(e) ? e.code : `raw ${String(e)}`),
      );
      n.operations++;
      if (!stopped) {
        expect(outcome).toBe('ok'); // the run made fewer queries than `at`
        continue;
      }
      n.faults++;
      await server.start();
      {
        expect(outcome, `server stopped (${mode}) before query ${at}`).toBe('E_CONNECTION');
        const hubNow = await withClient(hub, (c) => hubTables(c, classroom));
        expect(hubNow, `hub after a stop before query ${at}`).toEqual(hubBefore);
        expect(lostChanges(before, unsynced(a.store), deviceTables(a.store), hubNow, classroom)).toEqual([]);
      }
      for (const d of [a, b, a]) {
        await d.client.sync();
        d.client.resolveAll('server');
        n.operations++;
      }
    }
    expect(n.faults).toBeGreaterThanOrEqual(2);
    // A run the stop did not reach may have left a merge conflict (both devices edited a field): resolved
    // like the others, by keeping the hub's version.
    for (const d of [a, b, a, b]) {
      await d.client.sync();
      d.client.resolveAll('server');
    }
    const onHub = await withClient(hub, (c) => hubTables(c, classroom));
    for (const d of [a, b] as Device[]) {
      expect(deviceTables(d.store)).toEqual(onHub);
      expect(d.store.pendingCount()).toBe(0);
      n.rows += countRows(onHub);
    }
    recordCounts('server-restart', 'during a sync', n);
  });

  it('between continuous runs: the worker survives the restart, runs again and the target equals the scope', async () => {
    const n = counter();
    const r = await replicationScene('restart_idle');
    try {
      for (let round = 0; round < scale(4, 2); round++) {
        await r.change(`round ${round}`);
        await r.service.queueRun(r.cfgId);
        n.rows += await r.caughtUp(60_000);
        // Down while the worker is idle (long interval, runs only when asked; no job locked), then back.
        await r.idle(30_000);
        await server.stop(round % 2 === 0 ? 'fast' : 'immediate');
        n.faults++;
        await sleep(1500);
        await server.start();
        await r.change(`after restart ${round}`);
        await r.service.queueRun(r.cfgId);
        n.rows += await r.caughtUp(60_000);
        expect((await r.service.get(r.cfgId)).lastError).toBeNull();
        expect(r.stopped(), 'the worker stopped when the server went away').toBe(false);
        n.operations += 2;
      }
      expect(r.runFailures().filter((e) => e.endsWith('E_INTERNAL'))).toEqual([]);
    } finally {
      await r.close();
    }
    recordCounts('server-restart', 'between continuous replication runs', n);
  });

  it('in the middle of a continuous run: the dead worker is replaced, its job freed, and the worker replicates again', async () => {
    const n = counter();
    let armed = false;
    let restarted: Promise<void> | undefined;
    const r = await replicationScene('restart_midrun', {
      intervalSeconds: 1,
      onProgress: async () => {
        if (!armed) return;
        armed = false;
        restarted = (async () => {
          await server.stop('immediate');
          await sleep(2000);
          await server.start();
        })();
      },
    });
    try {
      await r.change('before');
      n.rows += await r.caughtUp(60_000);
      armed = true;
      await r.change('during');
      await waitFor(async () => (restarted === undefined ? undefined : true), 30_000, 'a run to reach the stop').catch((e: Error) => {
        throw new Error(`${e.message}; worker events: ${r.events().join('; ')}`);
      });
      await restarted;
      n.faults++;
      await r.change('after');
      n.rows += await r.caughtUp(60_000);
      expect(r.replacedWorkers(), 'a worker died with the server and was replaced').toBeGreaterThan(0);
      expect(r.stopped()).toBe(false);
      n.operations += 3;
    } finally {
      await r.close();
    }
    recordCounts('server-restart', 'in the middle of a continuous replication run', n);
  });
});


/** A learning hub on the private server, a target on the suite's server, and a worker replicating it. */
async function replicationScene(name: string, o: { intervalSeconds?: number; onProgress?: () => Promise<void> } = {}) {
  const hub = await newHub(name, learning);
  const target = await createTarget(); // on the suite's server: only the hub restarts
  const fam = await withClient(hub, (c) => addFamily(c, 'Restart', { learners: 2, lessons: 3 }));
  const cipher = createSecretBox(randomBytes(32));
  const service = serviceFor(hub, { cipher });
  const cfg = await service.add({ name, owner: fam.parent, url: target, scope: `users:${fam.parent}`, mode: 'continuous', intervalSeconds: o.intervalSeconds ?? 3600 });
  const failures: string[] = [];
  const log: string[] = [];
  let replaced = 0;
  const pool = new pg.Pool({ connectionString: hub, max: 6 });
  pool.on('error', () => undefined);
  const worker: ReplicationWorker = await startReplicationWorker({
    pgPool: pool,
    hub: connector(hub),
    cipher,
    policy: { forbidPrivateAddresses: false },
    pollIntervalMs: 100,
    maintenanceIntervalMs: o.intervalSeconds === undefined ? 600_000 : 300,
    heartbeatMs: 200,
    staleAfterMs: 1500,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    onEvent: (e) => {
      log.push(`${new Date().toISOString().slice(11, 23)} ${e.type}${'error' in e ? ` ${e.error.code} ${e.error.message.slice(0, 60)}` : ''}`);
      if (e.type === 'worker-replaced') replaced++;
      if (e.type === 'run-failed') failures.push(`${e.error.message.slice(0, 90)} ${e.error.code}`);
      if (e.type === 'error') workerErrors.push(`${e.during}: ${e.error.message.slice(0, 90)} → ${e.error.code}`);
    },
  });
  let stopped = false;
  void worker.promise.then(
    () => (stopped = true),
    () => (stopped = true),
  );
  return {
    service,
    cfgId: cfg.id,
    stopped: () => stopped,
    /** The worker's last events, for failure messages. */
    events: () => log.slice(-12),
    replacedWorkers: () => replaced,
    runFailures: () => failures,
    /** A change in the scope: a lesson renamed. */
    change: (title: string) => withClient(hub, (c) => c.query(`UPDATE learning.lessons SET title = $2 WHERE id = $1`, [fam.lessons[0], title])).then(() => undefined),
    /** Waits until the target equals the scope; returns the rows compared. */
    caughtUp: async (ms: number): Promise<number> => {
      const expected = await expectedScopeRows(hub, fam.parent);
      await waitFor(async () => (JSON.stringify(await targetRows(target)) === JSON.stringify(expected) ? true : undefined), ms, 'the target to catch up').catch((e: Error) => {
        throw new Error(`${e.message}; worker events: ${log.slice(-12).join('; ')}`);
      });
      return Object.values(expected).reduce((k, rows) => k + rows.length, 0);
    },
    /** Waits until no run is in progress and graphile-worker holds no job. */
    idle: async (ms: number): Promise<void> => {
      await waitFor(
        async () =>
          withClient(hub, async (c) => {
            const busy = await c.query(
              `SELECT 1 FROM lockstep.replication_configs WHERE status = 'IN_PROGRESS'
               UNION ALL SELECT 1 FROM lockstep_worker._private_jobs WHERE locked_at IS NOT NULL`,
            );
            return busy.rowCount === 0 ? true : undefined;
          }),
        ms,
        'the worker to be idle',
      );
    },
    close: async () => {
      await worker.stop().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

describe('the worker\'s own errors', () => {
  it('the worker reports the lost hub connection as E_CONNECTION, not E_INTERNAL', () => {
    const lost = workerErrors.filter((e) => /ECONNREFUSED|ECONNRESET|Connection terminated|terminating connection/i.test(e));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.filter((e) => !e.endsWith('E_CONNECTION'))).toEqual([]);
  });
});
