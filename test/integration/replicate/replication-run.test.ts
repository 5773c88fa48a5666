import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReplicationProgress } from '../../../src/replicate/replication-types.js';
import { addFamily, createLearningHub, createTarget, expectedScopeRows, serviceFor, targetRows, withClient, type Family } from './fixtures.js';

describe('a full run, then incremental runs', () => {
  let hub: string;
  let target: string;
  let fam: Family;

  beforeAll(async () => {
    hub = await createLearningHub();
    target = await createTarget();
    fam = await withClient(hub, (c) => addFamily(c, 'Ada', { learners: 2, lessons: 3 }));
  });

  it('copies the scope in bulk, then only changes — inserts, updates, deletes — and the target equals the source row by row', async () => {
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'ada', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    expect(cfg.status).toBe('IDLE');
    const progress: ReplicationProgress[] = [];
    const first = await service.run(cfg.id, { onProgress: (p) => void progress.push(p) });
    expect(first.status).toBe('COMPLETED');
    expect(first.kind).toBe('full');
    expect(first.rowsCopied).toMatchObject({ users: 3, lessons: 6, points_ledger: 6, rewards: 1 });
    expect(first.sourceCounts).toEqual(first.targetCounts);
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));
    expect(progress.some((p) => p.phase === 'copy' && p.table === 'lessons' && p.tableRowsTotal === 6)).toBe(true);
    expect(progress.at(-1)?.rowsDone).toBe(progress.at(-1)?.rowsTotal);

    // Inserts, updates (including to 0 and to NULL) and deletes (with cascades) on the hub.
    const extra = randomUUID();
    await withClient(hub, async (c) => {
      await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status, score) VALUES ($1, $2, 'art', 'New', 'open', NULL)`, [extra, fam.learners[0]]);
      await c.query(`UPDATE learning.lessons SET score = 0, title = 'Renamed' WHERE id = $1`, [fam.lessons[1]]);
      await c.query(`UPDATE learning.learner_profiles SET grade_level = NULL, settings = NULL WHERE id = $1`, [fam.profiles[0]]);
      await c.query(`UPDATE learning.users SET password_hash = 'changed-hash' WHERE id = $1`, [fam.parent]);
      await c.query(`DELETE FROM learning.lessons WHERE id = $1`, [fam.lessons[0]]); // points_ledger.lesson_id → NULL (none here)
      await c.query(`DELETE FROM learning.users WHERE id = $1`, [fam.learners[1]]); // cascades to its rows
    });
    const second = await service.run(cfg.id);
    expect(second.kind).toBe('incremental');
    expect(second.status).toBe('COMPLETED');
    expect(second.rowsCopied.lessons).toBe(2);
    expect(second.rowsCopied.users).toBe(0); // only the sensitive column changed: nothing to write
    expect(second.rowsDeleted).toMatchObject({ users: 1, lessons: 4, learner_profiles: 1, points_ledger: 3 });
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));

    const third = await service.run(cfg.id);
    expect(Object.values(third.rowsCopied).every((n) => n === 0)).toBe(true);
    expect(Object.values(third.rowsDeleted).every((n) => n === 0)).toBe(true);
    const view = await service.get(cfg.id);
    expect(view.status).toBe('COMPLETED');
    expect(view.lastError).toBeNull();
    expect(view.lastSuccessAt).not.toBeNull();
    const history = await service.history(cfg.id);
    expect(history.map((r) => r.kind)).toEqual(['incremental', 'incremental', 'full']);
  });

  it('reads the hub from one snapshot: writes committed during a run are not half-seen, and the next run brings them', async () => {
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'snapshot', owner: fam.parent, url: target, scope: `users:${fam.parent}`, targetSchema: 'snap' });
    await service.run(cfg.id);
    const atStart = await expectedScopeRows(hub, fam.parent);
    let release = (): void => undefined;
    const paused = new Promise<void>((r) => (release = r));
    let reached = (): void => undefined;
    const atLessons = new Promise<void>((r) => (reached = r));
    await withClient(hub, (c) => c.query(`UPDATE learning.lessons SET title = 'before run' WHERE id = $1`, [fam.lessons[1]]));
    const before = await expectedScopeRows(hub, fam.parent);
    expect(before).not.toEqual(atStart);
    const running = service.run(cfg.id, {
      onProgress: async (p) => {
        if (p.phase === 'copy' && p.table === 'lessons') {
          reached();
          await paused;
        }
      },
    });
    await atLessons;
    // Committed while the run is between tables: users already written, lessons and points not yet.
    await withClient(hub, async (c) => {
      await c.query(`UPDATE learning.users SET name = 'during' WHERE id = $1`, [fam.parent]);
      await c.query(`UPDATE learning.lessons SET title = 'during run' WHERE id = $1`, [fam.lessons[1]]);
      await c.query(`INSERT INTO learning.points_ledger (id, learner_id, amount, reason, created_at) VALUES ($1, $2, 5, 'during', now())`, [randomUUID(), fam.learners[0]]);
    });
    release();
    expect((await running).status).toBe('COMPLETED');
    expect(await targetRows(target, 'snap')).toEqual(before);
    await service.run(cfg.id);
    expect(await targetRows(target, 'snap')).toEqual(await expectedScopeRows(hub, fam.parent));
  });
});
