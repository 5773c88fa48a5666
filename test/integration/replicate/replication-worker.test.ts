import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startReplicationWorker, type ReplicationWorker, type ReplicationWorkerEvent } from '../../../src/replicate/replication-worker.js';
import { pgAdminUrl, urlFor } from '../../helpers/test-database.js';
import { addFamily, connector, createLearningHub, createTarget, expectedScopeRows, serviceFor, targetRows, testCipher, waitFor, withClient } from './fixtures.js';

const pools: pg.Pool[] = [];
const workers: ReplicationWorker[] = [];
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(pools.map((p) => p.end()));
});

async function startWorker(hub: string, cipher: ReturnType<typeof testCipher>, events: ReplicationWorkerEvent[]): Promise<ReplicationWorker> {
  const pool = new pg.Pool({ connectionString: hub, max: 6 });
  pools.push(pool);
  const w = await startReplicationWorker({
    pgPool: pool,
    hub: connector(hub, 'lockstep:worker-test'),
    cipher,
    policy: { forbidPrivateAddresses: false },
    concurrency: 2,
    pollIntervalMs: 100,
    maintenanceIntervalMs: 300,
    heartbeatMs: 200,
    onEvent: (e) => void events.push(e),
  });
  workers.push(w);
  return w;
}

describe('the replication worker (graphile-worker on the hub)', () => {
  it('runs a continuous configuration every interval, picking up new rows', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Cont', { learners: 1, lessons: 2 }));
    const cipher = testCipher();
    const service = serviceFor(hub, { cipher });
    const cfg = await service.add({ name: 'cont', owner: fam.parent, url: target, scope: `users:${fam.parent}`, mode: 'continuous', intervalSeconds: 1 });
    const events: ReplicationWorkerEvent[] = [];
    const worker = await startWorker(hub, cipher, events);
    await waitFor(async () => ((await service.get(cfg.id)).status === 'COMPLETED' ? true : undefined), 15_000, 'the first scheduled run');
    const lesson = randomUUID();
    await withClient(hub, (c) => c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES ($1, $2, 'x', 'Later', 'open')`, [lesson, fam.learners[0]]));
    await waitFor(async () => ((await targetRows(target)).lessons?.some((r) => r.includes(lesson)) ? true : undefined), 15_000, 'the new lesson in the target');
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));
    const history = await service.history(cfg.id);
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.every((r) => r.trigger === 'schedule' && r.status === 'COMPLETED')).toBe(true);
    expect(worker.workerIds()).toContain(history[0]?.workerId);
    expect(events.some((e) => e.type === 'scheduled')).toBe(true);
    // Back to manual: the worker stops running it.
    await service.edit(cfg.id, { mode: 'manual' });
    await new Promise((r) => setTimeout(r, 1500));
    const n = (await service.history(cfg.id)).length;
    await new Promise((r) => setTimeout(r, 2000));
    expect((await service.history(cfg.id)).length).toBe(n);
  });

  it('retries a failed run with backoff until it succeeds, then clears the error', async () => {
    const hub = await createLearningHub();
    const fam = await withClient(hub, (c) => addFamily(c, 'Retry', { learners: 1, lessons: 1 }));
    const missing = `lockstep_target_${randomBytes(6).toString('hex')}`;
    const cipher = testCipher();
    const service = serviceFor(hub, { cipher });
    const cfg = await service.add({ name: 'retry', owner: fam.parent, url: urlFor(missing), scope: `users:${fam.parent}`, mode: 'continuous', intervalSeconds: 3600 });
    const events: ReplicationWorkerEvent[] = [];
    await startWorker(hub, cipher, events);
    const failed = await waitFor(async () => {
      const v = await service.get(cfg.id);
      return v.status === 'FAILED' ? v : undefined;
    }, 15_000, 'the first failure');
    expect(failed.lastError?.code).toBe('E_CONNECTION');
    expect(failed.lastError?.message).toContain(missing);
    expect(events.some((e) => e.type === 'run-failed' && e.willRetry)).toBe(true);
    await withClient(pgAdminUrl(), (c) => c.query(`CREATE DATABASE "${missing}"`));
    try {
      const done = await waitFor(async () => {
        const v = await service.get(cfg.id);
        return v.status === 'COMPLETED' ? v : undefined;
      }, 30_000, 'the retry to succeed');
      expect(done.lastError).toBeNull();
      const history = await service.history(cfg.id);
      expect(history[0]?.status).toBe('COMPLETED');
      expect(history.slice(1).every((r) => r.status === 'FAILED')).toBe(true);
      expect(await targetRows(urlFor(missing))).toEqual(await expectedScopeRows(hub, fam.parent));
    } finally {
      await withClient(pgAdminUrl(), (c) => c.query(`DROP DATABASE IF EXISTS "${missing}" WITH (FORCE)`));
    }
  }, 60_000);
});
