import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startReplicationWorker, type ReplicationWorker } from '../../../src/replicate/replication-worker.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { addFamily, connector, createLearningHub, createTarget, expectedScopeRows, serviceFor, targetRows, waitFor, withClient } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Starts the worker child and resolves when it reports a run stopped at `phase` (with that run's id). */
function childStoppingAt(hub: string, keyHex: string, phase: string): { runId: Promise<string>; kill: () => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/replicate/worker-child.ts', hub, keyHex, phase], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const runId = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /MIDRUN \S+ (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`worker child exited early (${code}): ${err}`)));
  });
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  cleanups.push(kill);
  return { runId, kill };
}

describe('a worker killed in the middle of a run', () => {
  it('leaves the target as it was; the run is found stale, marked FAILED with the reason, retried and COMPLETED', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Crash', { learners: 2, lessons: 4 }));
    const key = randomBytes(32);
    const cipher = createSecretBox(key);
    const service = serviceFor(hub, { cipher });
    const cfg = await service.add({ name: 'crash', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    await service.run(cfg.id);
    const before = await targetRows(target);
    const stateBefore = await withClient(target, async (c) => (await c.query('SELECT * FROM learning.lockstep_replication_state')).rows);

    // Changes the killed run will have written, uncommitted, when it dies.
    await withClient(hub, async (c) => {
      await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES ($1, $2, 'x', 'During crash', 'open')`, [randomUUID(), fam.learners[0]]);
      await c.query(`UPDATE learning.lessons SET title = 'changed' WHERE id = $1`, [fam.lessons[0]]);
      await c.query(`DELETE FROM learning.users WHERE id = $1`, [fam.learners[1]]);
    });
    await service.edit(cfg.id, { mode: 'continuous', intervalSeconds: 1 });

    const child = childStoppingAt(hub, key.toString('hex'), 'verify');
    const killedRun = await child.runId;
    expect((await service.get(cfg.id)).status).toBe('IN_PROGRESS');
    await child.kill();

    // The target is exactly as the last completed run left it.
    expect(await targetRows(target)).toEqual(before);
    expect(await withClient(target, async (c) => (await c.query('SELECT * FROM learning.lockstep_replication_state')).rows)).toEqual(stateBefore);
    expect((await service.get(cfg.id)).status).toBe('IN_PROGRESS');

    // Another worker finds the run stale, marks it FAILED, frees its job and runs it again.
    const pool = new pg.Pool({ connectionString: hub, max: 6 });
    const worker: ReplicationWorker = await startReplicationWorker({
      pgPool: pool,
      hub: connector(hub),
      cipher,
      policy: { forbidPrivateAddresses: false },
      pollIntervalMs: 100,
      maintenanceIntervalMs: 300,
      heartbeatMs: 200,
      staleAfterMs: 1500,
    });
    cleanups.push(async () => {
      await worker.stop();
      await pool.end();
    });
    const history = await waitFor(async () => {
      const h = await service.history(cfg.id, { limit: 50 });
      const killed = h.find((r) => r.id === killedRun);
      return killed?.status === 'FAILED' && h[0]?.status === 'COMPLETED' && h[0].id !== killedRun ? h : undefined;
    }, 30_000, 'the killed run to be recovered and retried');
    const killed = history.find((r) => r.id === killedRun);
    expect(killed?.error?.message).toMatch(/stopped without finishing/);
    expect(killed?.error?.details).toMatchObject({ reason: 'interrupted', detectedBy: 'heartbeat' });
    expect(killed?.workerId).toBeTruthy();
    expect(worker.workerIds()).toContain(history[0]?.workerId);
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));
    const view = await service.get(cfg.id);
    expect(view.lastError).toBeNull();
  }, 60_000);
});
