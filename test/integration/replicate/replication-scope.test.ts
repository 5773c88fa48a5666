import { describe, expect, it } from 'vitest';
import { isLockstepError } from '../../../src/core/errors.js';
import { addFamily, createLearningHub, createTarget, expectedScopeRows, serviceFor, targetRows, withClient } from './fixtures.js';

describe('replication scope', () => {
  it('copies exactly the rows reachable from the root (one family of two), and follows rows that enter or leave the scope', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const [ann, bob] = await withClient(hub, async (c) => [await addFamily(c, 'Ann', { learners: 2, lessons: 2 }), await addFamily(c, 'Bob', { learners: 2, lessons: 2 })]);
    if (!ann || !bob) throw new Error('no families');
    const service = serviceFor(hub, { batchSize: 3 });
    const cfg = await service.add({ name: 'ann', owner: ann.parent, url: target, scope: `users:${ann.parent}` });
    await service.run(cfg.id);
    const copied = await targetRows(target);
    expect(copied).toEqual(await expectedScopeRows(hub, ann.parent));
    const ids = JSON.stringify(copied);
    for (const id of [bob.parent, ...bob.learners, ...bob.lessons, ...bob.rewards, ...bob.points]) expect(ids).not.toContain(id);
    expect(copied.users).toHaveLength(3);

    // Bob's second learner moves to Ann's family: it and all its rows enter the scope, though only the
    // learner's own row changed. Ann's first learner moves to Bob's: it and its rows leave.
    const moving = bob.learners[1] as string;
    const leaving = ann.learners[0] as string;
    await withClient(hub, async (c) => {
      await c.query('UPDATE learning.users SET parent_id = $1 WHERE id = $2', [ann.parent, moving]);
      await c.query('DELETE FROM learning.reward_redemptions WHERE learner_id = ANY($1)', [[moving, leaving]]); // keep the scope closed
      await c.query('UPDATE learning.users SET parent_id = $1 WHERE id = $2', [bob.parent, leaving]);
    });
    const run = await service.run(cfg.id);
    expect(run.kind).toBe('incremental');
    expect(run.rowsCopied).toMatchObject({ users: 1, lessons: 2, points_ledger: 2, achievements: 1, learner_profiles: 1, learning_goals: 1 });
    expect(run.rowsDeleted).toMatchObject({ users: 1, lessons: 2, points_ledger: 2, achievements: 1, learner_profiles: 1, learning_goals: 1 });
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, ann.parent));
  });

  it('copies the whole dataset with scope all', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    await withClient(hub, async (c) => {
      await addFamily(c, 'One', { learners: 1, lessons: 2 });
      await addFamily(c, 'Two', { learners: 3, lessons: 1 });
    });
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'all', owner: 'admin', url: target, scope: 'all' });
    await service.run(cfg.id);
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, 'all'));
  });

  it('refuses a scope that is not closed (a row in it referencing a row outside), writing nothing', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Kid', { learners: 1, lessons: 1 }));
    const service = serviceFor(hub);
    // A learner as root: its parent_id points outside the scope.
    const cfg = await service.add({ name: 'kid', owner: fam.parent, url: target, scope: `users:${fam.learners[0]}` });
    const e = await service.run(cfg.id).catch((err: unknown) => err);
    expect(isLockstepError(e) && e.code).toBe('E_REPLICATION');
    expect((e as Error).message).toMatch(/not closed.*users:.* → users:/);
    expect((await service.get(cfg.id)).status).toBe('FAILED');
    const tables = await withClient(target, async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'learning'`)).rows[0]?.n);
    expect(tables).toBe(0);
  });
});
