import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isLockstepError } from '../../../src/core/errors.js';
import { addFamily, connector, createLearningHub, createTarget, expectedScopeRows, serviceFor, targetRows, withClient, type Family } from './fixtures.js';

/** Every user under `root` (its children, their children, …), `root` included, as JSON text: the users part of a deeper scope. */
async function scopeUsers(hub: string, root: string): Promise<string[]> {
  return withClient(hub, async (c) => {
    const { rows } = await c.query<{ j: string }>(
      `WITH RECURSIVE u AS (SELECT * FROM learning.users WHERE id = $1 UNION SELECT x.* FROM learning.users x JOIN u ON x.parent_id = u.id)
       SELECT (to_jsonb(u) - 'password_hash')::text AS j FROM u ORDER BY id`,
      [root],
    );
    return rows.map((r) => r.j);
  });
}

async function targetCount(target: string, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  return withClient(target, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM learning.${table} WHERE ${where}`, params)).rows[0]?.n));
}

describe('incremental runs follow the feed (O(changes))', () => {
  it('a moved subtree enters or leaves the scope with every row under it, through users of users too', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const [ann, bob] = await withClient(hub, async (c) => [await addFamily(c, 'Ann', { learners: 2, lessons: 2 }), await addFamily(c, 'Bob', { learners: 2, lessons: 2 })]);
    if (!ann || !bob) throw new Error('no families');
    // Bob's second learner has a user of its own (a grandchild) with a lesson and a point on that lesson.
    const grandchild = randomUUID();
    const gcLesson = randomUUID();
    const moving = bob.learners[1] as string;
    await withClient(hub, async (c) => {
      await c.query(`INSERT INTO learning.users (id, role, name, parent_id, created_at) VALUES ($1, 'learner', 'grandchild', $2, now())`, [grandchild, moving]);
      await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES ($1, $2, 'x', 'deep', 'open')`, [gcLesson, grandchild]);
      await c.query(`INSERT INTO learning.points_ledger (id, learner_id, amount, reason, lesson_id, created_at) VALUES ($1, $2, 3, 'deep', $3, now())`, [randomUUID(), grandchild, gcLesson]);
    });
    const service = serviceFor(hub, { batchSize: 2 });
    const cfg = await service.add({ name: 'ann', owner: ann.parent, url: target, scope: `users:${ann.parent}` });
    await service.run(cfg.id);
    expect(await targetCount(target, 'users', 'id = $1', [grandchild])).toBe(0);

    // In: only the learner's own row changes; its rows and its grandchild's rows follow.
    await withClient(hub, async (c) => {
      await c.query('DELETE FROM learning.reward_redemptions WHERE learner_id = $1', [moving]); // keeps the scope closed
      await c.query('UPDATE learning.users SET parent_id = $1 WHERE id = $2', [ann.parent, moving]);
    });
    const into = await service.run(cfg.id);
    expect(into.kind).toBe('incremental');
    expect(into.rowsCopied).toMatchObject({ users: 2, lessons: 3, points_ledger: 3, learner_profiles: 1, achievements: 1, learning_goals: 1 });
    expect(await targetRows(target)).toEqual(await deepScopeRows(hub, ann.parent));
    expect(await targetCount(target, 'points_ledger', 'learner_id = $1', [grandchild])).toBe(1);

    // Out again, to Bob: the whole subtree leaves; nothing of it stays behind.
    await withClient(hub, (c) => c.query('UPDATE learning.users SET parent_id = $1 WHERE id = $2', [bob.parent, moving]));
    const out = await service.run(cfg.id);
    expect(out.rowsDeleted).toMatchObject({ users: 2, lessons: 3, points_ledger: 3, learner_profiles: 1, achievements: 1, learning_goals: 1 });
    expect(await targetRows(target)).toEqual(await deepScopeRows(hub, ann.parent));

    // Two of Ann's users made to point at each other are reachable from the root no more: both leave.
    const [a, b] = ann.learners as [string, string];
    await withClient(hub, async (c) => {
      await c.query('BEGIN');
      await c.query('DELETE FROM learning.reward_redemptions WHERE learner_id = ANY($1)', [[a, b]]);
      await c.query('UPDATE learning.users SET parent_id = $1 WHERE id = $2', [b, a]);
      await c.query('UPDATE learning.users SET parent_id = $1 WHERE id = $2', [a, b]);
      await c.query('COMMIT');
    });
    const cycle = await service.run(cfg.id);
    expect(cycle.status).toBe('COMPLETED');
    expect(cycle.rowsDeleted.users).toBe(2);
    expect(await targetRows(target)).toEqual(await deepScopeRows(hub, ann.parent));
    expect(cycle.sourceCounts).toEqual(cycle.targetCounts);
    expect(cycle.targetCounts.users).toBe(1);
  });

  it('refuses a change that leaves a row in scope pointing outside it, writing nothing', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const [ann, bob] = await withClient(hub, async (c) => [await addFamily(c, 'Ann', { learners: 2, lessons: 2 }), await addFamily(c, 'Bob', { learners: 1, lessons: 1 })]);
    if (!ann || !bob) throw new Error('no families');
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'ann', owner: ann.parent, url: target, scope: `users:${ann.parent}` });
    await service.run(cfg.id);
    const before = await targetRows(target);
    // A lesson of Ann's second learner moves to Bob's learner; Ann's point on it stays with Ann: not closed any more.
    await withClient(hub, (c) => c.query('UPDATE learning.lessons SET learner_id = $1 WHERE id = $2', [bob.learners[0], ann.lessons[2]]));
    const e = await service.run(cfg.id).catch((err: unknown) => err);
    expect(isLockstepError(e) && e.code).toBe('E_REPLICATION');
    expect((e as Error).message).toMatch(/not closed.*points_ledger:.* → lessons:/);
    expect((await service.get(cfg.id)).status).toBe('FAILED');
    expect(await targetRows(target)).toEqual(before);
    const full = await service.run(cfg.id, { full: true }).catch((err: unknown) => err); // checked on the hub
    expect((full as Error).message).toMatch(/not closed.*points_ledger:.* → lessons:/);
    expect(await targetRows(target)).toEqual(before);
  });

  it('does not repair rows deleted by hand from the target; a full run does', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Hand', { learners: 2, lessons: 2 }));
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'hand', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    await service.run(cfg.id);
    await withClient(target, (c) => c.query('DELETE FROM learning.lessons WHERE id = ANY($1)', [[fam.lessons[0], fam.lessons[1]]])); // points' lesson_id → NULL
    await withClient(hub, (c) => c.query(`UPDATE learning.lessons SET title = 'edited' WHERE id = $1`, [fam.lessons[1]]));
    const incremental = await service.run(cfg.id);
    expect(incremental.kind).toBe('incremental');
    // The changed row comes back (it is in the feed); the untouched one does not.
    expect(await targetCount(target, 'lessons', 'id = $1', [fam.lessons[1]])).toBe(1);
    expect(await targetCount(target, 'lessons', 'id = $1', [fam.lessons[0]])).toBe(0);
    const full = await service.run(cfg.id, { full: true });
    expect(full.kind).toBe('full');
    expect(full.rowsCopied.lessons).toBe(1);
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));
    expect((await service.run(cfg.id)).kind).toBe('incremental');
  });

  it('after the scope is edited the next run is a full one, and the target holds the new scope', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const [ann, bob] = await withClient(hub, async (c) => [await addFamily(c, 'Ann', { learners: 1, lessons: 1 }), await addFamily(c, 'Bob', { learners: 2, lessons: 1 })]);
    if (!ann || !bob) throw new Error('no families');
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'switch', owner: ann.parent, url: target, scope: `users:${ann.parent}` });
    await service.run(cfg.id);
    await service.edit(cfg.id, { scope: `users:${bob.parent}` });
    const run = await service.run(cfg.id);
    expect(run.kind).toBe('full');
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, bob.parent));
    expect((await service.run(cfg.id)).kind).toBe('incremental');
  });

  it('a run that dies after its target commit, before the hub records it, is picked up from the target cursor', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Gap', { learners: 2, lessons: 2 }));
    let failComplete = false;
    const plain = connector(hub);
    // The hub connection refuses to record COMPLETED while `failComplete` is on: the run dies in the gap.
    const hubConnector = async (): Promise<pg.Client> => {
      const c = await plain();
      const query = c.query.bind(c) as (...a: unknown[]) => unknown;
      (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
        if (failComplete && typeof a[0] === 'string' && a[0].includes(`status = 'COMPLETED'`)) return Promise.reject(new Error('hub lost'));
        return query(...a);
      };
      return c;
    };
    const service = serviceFor(hub, { hub: hubConnector });
    const cfg = await service.add({ name: 'gap', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    await service.run(cfg.id);
    await withClient(hub, async (c) => {
      await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES ($1, $2, 'x', 'in the gap', 'open')`, [randomUUID(), fam.learners[0]]);
      await c.query(`DELETE FROM learning.users WHERE id = $1`, [fam.learners[1]]);
    });
    failComplete = true;
    await expect(service.run(cfg.id)).rejects.toThrow();
    failComplete = false;
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent)); // the target did commit
    await withClient(hub, (c) => c.query(`UPDATE learning.lessons SET title = 'after' WHERE id = $1`, [fam.lessons[0]]));
    const next = await service.run(cfg.id);
    expect(next.status).toBe('COMPLETED');
    expect(next.kind).toBe('incremental');
    expect(next.rowsCopied.lessons).toBe(1); // only the change after the gap: nothing copied twice
    expect(next.sourceCounts).toEqual(next.targetCounts);
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));
    expect((await service.get(cfg.id)).status).toBe('COMPLETED');
  });

  it('random changes, runs and failed runs: after every completed run the target equals the scope, nothing lost or duplicated', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fams = await withClient(hub, async (c) => [await addFamily(c, 'P', { learners: 2, lessons: 2 }), await addFamily(c, 'Q', { learners: 2, lessons: 2 })]);
    const [p, q] = fams as [Family, Family];
    const service = serviceFor(hub, { batchSize: 3 });
    const cfg = await service.add({ name: 'model', owner: p.parent, url: target, scope: `users:${p.parent}` });
    await service.run(cfg.id);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert-lesson' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('update-lesson' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('delete-lesson' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('insert-point' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('delete-point' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('move-learner' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('move-lesson' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('delete-learner' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('new-learner' as const), pick: fc.nat() }),
    );
    const round = fc.record({ ops: fc.array(op, { minLength: 1, maxLength: 6 }), failRun: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 3, maxLength: 5 }), async (rounds) => {
        for (const r of rounds) {
          await withClient(hub, async (c) => {
            for (const o of r.ops) await apply(c, o.kind, o.pick, [p.parent, q.parent]);
          });
          if (r.failRun) {
            // A run that fails midway (its target connection dies while it copies) leaves the target as it was.
            const before = await targetRows(target);
            const e = await service
              .run(cfg.id, {
                onProgress: async (pr) => {
                  if (pr.phase !== 'copy') return;
                  await withClient(target, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'lockstep:replication:%'`));
                },
              })
              .catch((err: unknown) => err);
            expect(isLockstepError(e)).toBe(true);
            expect((await service.get(cfg.id)).status).toBe('FAILED');
            expect(await targetRows(target)).toEqual(before);
          }
          const run = await service.run(cfg.id);
          expect(run.status).toBe('COMPLETED');
          expect(run.sourceCounts).toEqual(run.targetCounts);
          expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, p.parent));
        }
      }),
      { numRuns: 4, seed: 61 },
    );
    const full = await service.run(cfg.id, { full: true });
    expect(Object.values(full.rowsCopied).every((n) => n === 0)).toBe(true);
    expect(Object.values(full.rowsDeleted).every((n) => n === 0)).toBe(true);
  }, 240_000);
});

/** One random change on the hub, keeping the scope closed (a learner's redemptions point at its parent's reward). */
async function apply(c: pg.ClientBase, kind: string, pick: number, parents: string[]): Promise<void> {
  const nth = async <T>(sql: string, params: unknown[] = []): Promise<T | undefined> => {
    const { rows } = await c.query<{ v: T }>(`${sql} ORDER BY 1`, params);
    return rows.length === 0 ? undefined : (rows[pick % rows.length] as { v: T }).v;
  };
  const learner = await nth<string>(`SELECT id AS v FROM learning.users WHERE role = 'learner'`);
  const lesson = await nth<string>(`SELECT id AS v FROM learning.lessons`);
  switch (kind) {
    case 'insert-lesson':
      if (learner) await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES ($1, $2, 's', 'new', 'open')`, [randomUUID(), learner]);
      return;
    case 'update-lesson':
      if (lesson) await c.query(`UPDATE learning.lessons SET title = title || '+', score = $2 WHERE id = $1`, [lesson, pick % 3 === 0 ? null : pick % 7]);
      return;
    case 'delete-lesson':
      if (lesson) await c.query(`DELETE FROM learning.lessons WHERE id = $1`, [lesson]);
      return;
    case 'insert-point': {
      const l = await nth<{ id: string; learner_id: string }>(`SELECT jsonb_build_object('id', id, 'learner_id', learner_id) AS v FROM learning.lessons`);
      if (l) await c.query(`INSERT INTO learning.points_ledger (id, learner_id, amount, reason, lesson_id, created_at) VALUES ($1, $2, 1, 'r', $3, now())`, [randomUUID(), l.learner_id, l.id]);
      return;
    }
    case 'delete-point': {
      const pt = await nth<string>(`SELECT id AS v FROM learning.points_ledger`);
      if (pt) await c.query(`DELETE FROM learning.points_ledger WHERE id = $1`, [pt]);
      return;
    }
    case 'move-learner': {
      if (!learner) return;
      await c.query('DELETE FROM learning.reward_redemptions WHERE learner_id = $1', [learner]);
      await c.query(`UPDATE learning.users SET parent_id = CASE WHEN parent_id = $2 THEN $3::uuid ELSE $2::uuid END WHERE id = $1`, [learner, parents[0], parents[1]]);
      return;
    }
    case 'move-lesson': {
      // Within one family, with its points (points follow their lesson's learner).
      const l = await nth<{ id: string; parent: string }>(
        `SELECT jsonb_build_object('id', l.id, 'parent', u.parent_id) AS v FROM learning.lessons l JOIN learning.users u ON u.id = l.learner_id`,
      );
      if (!l) return;
      const to = await nth<string>(`SELECT id AS v FROM learning.users WHERE parent_id = $1`, [l.parent]);
      if (!to) return;
      await c.query(`UPDATE learning.lessons SET learner_id = $2 WHERE id = $1`, [l.id, to]);
      await c.query(`UPDATE learning.points_ledger SET learner_id = $2 WHERE lesson_id = $1`, [l.id, to]);
      return;
    }
    case 'delete-learner':
      if (learner) await c.query(`DELETE FROM learning.users WHERE id = $1`, [learner]);
      return;
    case 'new-learner': {
      const id = randomUUID();
      await c.query(`INSERT INTO learning.users (id, role, name, parent_id, created_at) VALUES ($1, 'learner', 'new', $2, now())`, [id, parents[pick % parents.length]]);
      await c.query(`INSERT INTO learning.learner_profiles (id, user_id, grade_level) VALUES ($1, $2, 1)`, [randomUUID(), id]);
      return;
    }
  }
}

/** `expectedScopeRows`, with the users part (and every table hanging off users) following users of users too. */
async function deepScopeRows(hub: string, root: string): Promise<Record<string, string[]>> {
  const base = await expectedScopeRows(hub, root);
  const users = await scopeUsers(hub, root);
  const ids = users.map((u) => (JSON.parse(u) as { id: string }).id);
  return withClient(hub, async (c) => {
    const by = async (table: string, col: string): Promise<string[]> =>
      (await c.query<{ j: string }>(`SELECT to_jsonb(t)::text AS j FROM learning.${table} t WHERE ${col} = ANY($1) ORDER BY id`, [ids])).rows.map((r) => r.j);
    return {
      ...base,
      users,
      learner_profiles: await by('learner_profiles', 'user_id'),
      lessons: await by('lessons', 'learner_id'),
      achievements: await by('achievements', 'learner_id'),
      points_ledger: await by('points_ledger', 'learner_id'),
      reward_redemptions: await by('reward_redemptions', 'learner_id'),
      learning_goals: await by('learning_goals', 'learner_id'),
    };
  });
}
