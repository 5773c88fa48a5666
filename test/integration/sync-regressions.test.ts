import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { addEvent, addStudent, createDevice, createHub, hubRows, rows, withClient } from '../helpers/sync-fixtures.js';

/** Each test is a defect the real apps behind the seeds shipped; Lockstep must never have it. */
describe('regressions from the apps behind the seeds', () => {
  it('score totals do not regress when a device with an old snapshot syncs and edits', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const stale = createDevice(hub, classroom, 'stale');
    const s = addStudent(a, 'Ann');
    addEvent(a, s, 10);
    await a.client.sync();
    await stale.client.sync(); // stale now holds total 10
    addEvent(a, s, 5);
    addEvent(a, s, 5);
    await a.client.sync(); // hub total 20
    stale.store.db.prepare('UPDATE students SET notes = ? WHERE id = ?').run('edited on an old copy', s);
    await stale.client.sync();
    await a.client.sync();
    for (const d of [a, stale]) expect(d.store.db.prepare('SELECT total_score FROM student_scores').get()).toEqual({ total_score: 20 });
    const hubTotal = await withClient(hub, async (c) => (await c.query('SELECT total_score FROM classroom.student_scores')).rows[0]?.total_score);
    expect(Number(hubTotal)).toBe(20);
  });

  it('ids made independently on two devices never collide or point at the wrong rows', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const ann = addStudent(a, 'Ann');
    addEvent(a, ann, 1);
    const bob = addStudent(b, 'Bob');
    addEvent(b, bob, 2);
    await a.client.sync();
    await b.client.sync();
    await a.client.sync();
    for (const d of [a, b]) {
      const totals = d.store.db.prepare('SELECT name, total_score FROM student_scores ORDER BY name').all();
      expect(totals).toEqual([
        { name: 'Ann', total_score: 1 },
        { name: 'Bob', total_score: 2 },
      ]);
    }
    expect(await hubRows(hub, 'students')).toHaveLength(2);
  });

  it('a deleted student does not come back when another device later syncs an unrelated change', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const gone = addStudent(a, 'Gone');
    const stays = addStudent(a, 'Stays');
    await a.client.sync();
    await b.client.sync();
    a.store.db.prepare('DELETE FROM students WHERE id = ?').run(gone);
    await a.client.sync();
    b.store.db.prepare('UPDATE students SET notes = ? WHERE id = ?').run('x', stays);
    await b.client.sync();
    await a.client.sync();
    for (const d of [a, b]) expect(rows(d, 'students').map((r) => r.id)).toEqual([stays]);
  });

  it('a device that pulls never silently discards unsynced local changes', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    addStudent(a, 'Unsynced');
    await expect(a.client.pull()).rejects.toMatchObject({ code: 'E_UNSYNCED_CHANGES' });
    expect(rows(a, 'students')).toHaveLength(1);
    const r = await a.client.pull({ discardLocal: true });
    expect(r.totals.discards).toBe(1);
    expect(r.backup).toMatch(/pre-pull/);
    expect(rows(a, 'students')).toHaveLength(0);
  });
});
