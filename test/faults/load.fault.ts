import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isLockstepError } from '../../src/core/errors.js';
import { classroom } from '../../src/dataset/classroom.js';
import { startReplicationWorker } from '../../src/replicate/replication-worker.js';
import { createSecretBox } from '../../src/secrets/secret-box.js';
import { createSyncClient } from '../../src/sync/sync-client.js';
import { connector, createTarget, serviceFor, withClient } from '../integration/replicate/fixtures.js';
import { createDevice, createHub, tempDir, type Device } from '../helpers/sync-fixtures.js';
import { pgAdminUrl } from '../helpers/test-database.js';
import { BackendKiller, cutPlan, cuttingConnector } from './helpers/cut-connection.js';
import { counter, recordCounts } from './helpers/fault-report.js';
import { scale, seededRandom, sleep } from './helpers/fault-mode.js';
import { countRows, deviceTables, hubTables } from './helpers/store-state.js';
import { randomEdits } from './helpers/workload.js';

const DEVICES = 20;
const CONFIGS = scale(10, 3);
const SECONDS = Number(process.env.LOCKSTEP_FAULTS_LOAD_SECONDS ?? scale(180, 15));
/** Codes a run may end with under load and faults; anything else fails the test. */
const EXPECTED = new Set(['E_CONNECTION', 'E_LOCKED', 'E_UNSYNCED_CHANGES']);
/**
 * Replication runs that failed E_INTERNAL under load: a hub connection cut before the run proper escapes
 * runReplication as a raw pg error (reported; shown deterministically in connection-cut.fault.ts).
 */
const replicationInternal: string[] = [];

describe('load: many devices and continuous replications against one hub, with random faults', () => {
  it(`${DEVICES} devices edit and sync at random for ${SECONDS} s while ${CONFIGS} configurations replicate; at the end all agree`, async () => {
    const n = counter();
    const rnd = seededRandom();
    process.stdout.write(`[faults] load seed ${rnd.seed}\n`);
    const killer = await BackendKiller.open(pgAdminUrl());
    const hub = await createHub(classroom);
    const hubDb = new URL(hub).pathname.slice(1);
    const target = await createTarget();
    const dir = tempDir();
    const devices: Device[] = Array.from({ length: DEVICES }, (_, i) => createDevice(hub, classroom, `load${i}`, dir));
    const made = new Set<string>();
    for (const e of randomEdits(devices[0]!.store, 20, rnd.next, { deletes: false })) made.add(e);
    for (const d of devices) await d.client.sync();

    const key = randomBytes(32);
    const cipher = createSecretBox(key);
    const service = serviceFor(hub, { cipher });
    const configs = [];
    for (let i = 0; i < CONFIGS; i++)
      configs.push(await service.add({ name: `load${i}`, owner: 'load', url: target, scope: 'all', targetSchema: `t${i}`, mode: 'continuous', intervalSeconds: 1 }));
    const pool = new pg.Pool({ connectionString: hub, max: 8, application_name: 'lockstep:load-pool' });
    pool.on('error', () => undefined);
    const unexpected: string[] = [];
    const worker = await startReplicationWorker({
      pgPool: pool,
      hub: connector(hub, 'lockstep:load-worker'),
      cipher,
      policy: { forbidPrivateAddresses: false },
      concurrency: 3,
      pollIntervalMs: 200,
      maintenanceIntervalMs: 500,
      heartbeatMs: 200,
      staleAfterMs: 2000,
      onEvent: (e) => {
        if (e.type === 'run-completed') n.operations++;
        if (e.type === 'run-failed') {
          n.operations++;
          if (e.error.code === 'E_INTERNAL') replicationInternal.push(e.error.message);
        }
      },
    });

    const until = Date.now() + SECONDS * 1000;
    const deviceLoop = async (d: Device): Promise<void> => {
      while (Date.now() < until) {
        for (const e of randomEdits(d.store, 1 + rnd.int(4), rnd.next, { deletes: false })) made.add(e);
        if (rnd.next() < 0.6) {
          // One run in four has its hub connection cut at a random query.
          const plan = cutPlan(rnd.next() < 0.25 ? 1 + rnd.int(60) : 0);
          const client = createSyncClient({ store: d.store, batchSize: 20, lockTimeoutMs: 3_000, connect: cuttingConnector(hub, `lockstep:${d.name}`, killer, plan) });
          const r = rnd.next();
          const run = r < 0.6 ? client.sync() : r < 0.85 ? client.push() : client.pull();
          await run.then(
            () => undefined,
            (e: unknown) => {
              const code = isLockstepError(e) ? e.code : `raw ${String(e)}`;
              if (!EXPECTED.has(code)) unexpected.push(`${d.name}: ${code} ${(e as Error).message}`);
            },
          );
          n.operations++;
          if (plan.injected) n.faults++;
          if (rnd.next() < 0.3) d.client.resolveAll(rnd.next() < 0.5 ? 'local' : 'server');
        }
        await sleep(rnd.int(150));
      }
    };
    const chaos = async (): Promise<void> => {
      while (Date.now() < until) {
        await sleep(500 + rnd.int(1500));
        // Cut one of the worker's connections (graphile-worker's pool, a run's hub or target connection).
        const { rows } = await withClient(pgAdminUrl(), (c) =>
          c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'lockstep:load-%' OR (datname = $1 AND application_name = '')`, [hubDb]),
        );
        const victim = rows[rnd.int(rows.length)];
        if (victim && (await killer.terminate(victim.pid))) n.faults++;
      }
    };
    await Promise.all([...devices.map(deviceLoop), chaos()]);
    expect(unexpected).toEqual([]);

    // Settle: no more faults; every device syncs until quiet, conflicts resolved for the hub's side.
    for (let round = 0; round < 3; round++)
      for (const d of devices) {
        await d.client.sync();
        d.client.resolveAll('server');
      }
    for (let round = 0; round < 2; round++) for (const d of devices) await d.client.sync();
    const onHub = await withClient(hub, (c) => hubTables(c, classroom));
    for (const d of devices) {
      expect(deviceTables(d.store), d.name).toEqual(onHub);
      expect(d.store.pendingCount(), d.name).toBe(0);
      n.rows += countRows(onHub);
    }
    const hubEvents = (onHub.score_events as { id: string }[]).map((e) => e.id);
    expect(new Set(hubEvents).size).toBe(hubEvents.length);
    for (const e of made) expect(hubEvents).toContain(e);
    for (const e of hubEvents) expect(made.has(e)).toBe(true);

    // Every target catches up with the hub: a manual run waits for the worker's, then brings the rest.
    for (const cfg of configs) {
      const run = await service.run(cfg.id, { lockTimeoutMs: 60_000 });
      expect(run.status).toBe('COMPLETED');
      n.operations++;
    }
    await worker.stop();
    await pool.end().catch(() => undefined);
    await killer.end();
    for (const [i] of configs.entries()) {
      const copy = await withClient(target, (c) => hubTables(c, classroom, `t${i}`));
      expect(copy, `target schema t${i}`).toEqual(onHub);
      n.rows += countRows(copy);
    }
    for (const d of devices) d.store.close();
    process.stdout.write(`[faults] load: replication runs failed E_INTERNAL by the known bug: ${replicationInternal.length}\n`);
    recordCounts('load', `${DEVICES} devices, ${CONFIGS} continuous replications, ${SECONDS} s`, n);
  }, 1_800_000);
});
