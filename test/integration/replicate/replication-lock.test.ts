import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isLockstepError } from '../../../src/core/errors.js';
import { startReplicationWorker, type ReplicationWorker, type ReplicationWorkerEvent } from '../../../src/replicate/replication-worker.js';
import { addFamily, connector, createLearningHub, createTarget, serviceFor, sleep, testCipher, waitFor, withClient } from './fixtures.js';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe('one configuration never runs twice at once', () => {
  it('a second run while one holds the lock fails E_LOCKED naming the holder, and records nothing', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Lock', { learners: 1, lessons: 2 }));
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'lock', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    const g = gate();
    const reached = gate();
    const first = service.run(cfg.id, {
      onProgress: async (p) => {
        if (p.phase === 'copy') {
          reached.open();
          await g.wait;
        }
      },
    });
    await reached.wait;
    const live = await service.get(cfg.id);
    expect(live.status).toBe('IN_PROGRESS');
    expect(live.progress).toMatchObject({ phase: expect.any(String) as string, configId: cfg.id });
    const second = await service.run(cfg.id).catch((e: unknown) => e);
    expect(isLockstepError(second) && second.code).toBe('E_LOCKED');
    expect((second as Error).message).toMatch(/already running \(held by "lockstep:replication:manual-\d+"/);
    const removing = await service.remove(cfg.id).catch((e: unknown) => e);
    expect(isLockstepError(removing) && removing.code).toBe('E_LOCKED');
    g.open();
    expect((await first).status).toBe('COMPLETED');
    expect(await service.history(cfg.id)).toHaveLength(1);
  });

  it('two workers and manual runs hammering the same configurations: runs of one configuration never overlap', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fams = await withClient(hub, async (c) => [await addFamily(c, 'W1', { learners: 1, lessons: 3 }), await addFamily(c, 'W2', { learners: 1, lessons: 3 })]);
    const cipher = testCipher();
    const service = serviceFor(hub, { cipher });
    const cfgs = await Promise.all(
      fams.map((f, i) => service.add({ name: `w${i}`, owner: f.parent, url: target, scope: `users:${f.parent}`, mode: 'continuous', intervalSeconds: 1, targetSchema: `w${i}` })),
    );
    const events: ReplicationWorkerEvent[] = [];
    const slow = async (): Promise<void> => sleep(15);
    for (let i = 0; i < 2; i++) {
      const pool = new pg.Pool({ connectionString: hub, max: 8 });
      const w: ReplicationWorker = await startReplicationWorker({
        pgPool: pool,
        hub: connector(hub),
        cipher,
        policy: { forbidPrivateAddresses: false },
        concurrency: 3,
        pollIntervalMs: 50,
        maintenanceIntervalMs: 200,
        heartbeatMs: 200,
        onEvent: (e) => void events.push(e),
        onProgress: slow,
      });
      stops.push(async () => {
        await w.stop();
        await pool.end();
      });
    }
    // Manual runs at the same time, and jobs queued for "now" on top of the schedule.
    let locked = 0;
    const until = Date.now() + 4000;
    const cap = Date.now() + 30_000; // a loaded machine runs fewer: go on until each has run a few times
    await Promise.all(
      cfgs.map(async (cfg) => {
        let ran = 0;
        while ((Date.now() < until || ran < 4) && Date.now() < cap) {
          await service.queueRun(cfg.id);
          await service.run(cfg.id, { onProgress: slow }).then(
            () => ran++,
            (e: unknown) => {
              if (isLockstepError(e) && e.code === 'E_LOCKED') locked++;
              else throw e;
            },
          );
          await sleep(30);
        }
      }),
    );
    // Stop the workers (each finishes the job it holds) so no run starts while the history is read.
    for (const stop of stops.splice(0)) await stop();
    await waitFor(async () => ((await Promise.all(cfgs.map((c) => service.get(c.id)))).every((c) => c.status !== 'IN_PROGRESS') ? true : undefined), 10_000, 'runs to settle');
    for (const cfg of cfgs) {
      const runs = await withClient(hub, async (c) =>
        (await c.query<{ started_at: Date; finished_at: Date | null; status: string; trigger: string; error: unknown }>(
          'SELECT started_at, finished_at, status, trigger, error FROM lockstep.replication_runs WHERE config_id = $1 ORDER BY started_at',
          [cfg.id],
        )).rows,
      );
      expect(runs.length).toBeGreaterThan(3);
      expect(new Set(runs.map((r) => r.trigger))).toEqual(new Set(['manual', 'schedule']));
      expect(runs.filter((r) => r.status !== 'COMPLETED').map((r) => ({ status: r.status, trigger: r.trigger, error: r.error }))).toEqual([]);
      for (let i = 1; i < runs.length; i++) {
        const prev = runs[i - 1];
        const cur = runs[i];
        if (!prev || !cur) continue;
        expect((prev.finished_at as Date).getTime()).toBeLessThanOrEqual(cur.started_at.getTime());
      }
    }
    expect(locked + events.filter((e) => e.type === 'run-skipped').length).toBeGreaterThan(0);
  }, 60_000);
});
