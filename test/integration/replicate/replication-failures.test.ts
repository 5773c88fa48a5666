import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addFamily, connector, createLearningHub, createTarget, expectedScopeRows, serviceFor, TABLES, targetRows, testCipher, withClient, failure } from './fixtures.js';

describe('failed runs', () => {
  it('an unreachable target gives FAILED with a clear error; fixed, the next run completes and clears the error', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Down', { learners: 1, lessons: 1 }));
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'down', owner: fam.parent, url: 'postgres://nobody@127.0.0.1:1/nowhere', scope: `users:${fam.parent}` });
    const e = await failure(service.run(cfg.id));
    expect(e.code).toBe('E_CONNECTION');
    expect(e.message).toMatch(/replication "down" failed \(connect\).*127\.0\.0\.1:1\/nowhere.*ECONNREFUSED/s);
    const view = await service.get(cfg.id);
    expect(view.status).toBe('FAILED');
    expect(view.lastError).toMatchObject({ code: 'E_CONNECTION' });
    expect(view.lastSuccessAt).toBeNull();
    const [run] = await service.history(cfg.id);
    expect(run).toMatchObject({ status: 'FAILED', error: { code: 'E_CONNECTION' } });
    await service.edit(cfg.id, { url: target });
    expect((await service.run(cfg.id)).status).toBe('COMPLETED');
    const fixed = await service.get(cfg.id);
    expect(fixed.status).toBe('COMPLETED');
    expect(fixed.lastError).toBeNull();
  });

  it('a read error on the hub is never reported COMPLETED, and the target keeps its previous state', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Read', { learners: 1, lessons: 2 }));
    const cipher = testCipher(); // both services read the same stored target password
    const admin = serviceFor(hub, { cipher });
    const cfg = await admin.add({ name: 'read', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    await admin.run(cfg.id);
    const before = await targetRows(target);
    // A hub role that may read every table but lessons.
    const role = `lockstep_ro_${randomBytes(4).toString('hex')}`;
    await withClient(hub, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'read-only-pass'`); // the embedded server checks passwords
      await c.query(`GRANT USAGE ON SCHEMA lockstep, learning TO ${role}`);
      await c.query(`GRANT ALL ON ALL TABLES IN SCHEMA lockstep TO ${role}`);
      await c.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA lockstep TO ${role}`);
      for (const t of TABLES) if (t !== 'lessons') await c.query(`GRANT SELECT ON learning.${t} TO ${role}`);
      await c.query(`UPDATE learning.lessons SET title = 'changed' WHERE id = $1`, [fam.lessons[0]]);
      await c.query(`INSERT INTO learning.achievements (id, learner_id, title, awarded_at) VALUES ($1, $2, 'new', now())`, [randomUUID(), fam.learners[0]]);
    });
    const u = new URL(hub);
    u.username = role;
    u.password = 'read-only-pass';
    const limited = serviceFor(hub, { cipher, hub: connector(u.toString()) });
    const e = await failure(limited.run(cfg.id));
    expect(e.code).toBe('E_AUTH');
    expect(e.message).toMatch(/permission denied for table lessons/);
    expect((await admin.get(cfg.id)).status).toBe('FAILED');
    expect((await admin.history(cfg.id))[0]?.status).toBe('FAILED');
    expect(await targetRows(target)).toEqual(before);
    await admin.run(cfg.id);
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));
  });

  it('a run is COMPLETED only if the target and source counts agree; otherwise FAILED with the numbers, nothing committed', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Count', { learners: 1, lessons: 2 }));
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'count', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    await service.run(cfg.id);
    const before = await targetRows(target);
    // Something on the target silently swallows new lessons.
    await withClient(target, async (c) => {
      await c.query(`CREATE FUNCTION public.swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
      await c.query(`CREATE TRIGGER swallow BEFORE INSERT ON learning.lessons FOR EACH ROW EXECUTE FUNCTION public.swallow()`);
    });
    await withClient(hub, async (c) => {
      await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES ($1, $2, 's', 'lost?', 'open')`, [randomUUID(), fam.learners[0]]);
      await c.query(`UPDATE learning.users SET name = 'renamed' WHERE id = $1`, [fam.parent]);
    });
    const e = await failure(service.run(cfg.id));
    expect(e.code).toBe('E_REPLICATION');
    expect(e.message).toContain('lessons: source 3, target 2');
    expect(e.details).toMatchObject({ sourceCounts: { lessons: 3 }, targetCounts: { lessons: 2 } });
    const view = await service.get(cfg.id);
    expect(view.status).toBe('FAILED');
    expect(view.lastError?.message).toContain('lessons: source 3, target 2');
    expect(await targetRows(target)).toEqual(before); // not even the renamed parent
  });
});
