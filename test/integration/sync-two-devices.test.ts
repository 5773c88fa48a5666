import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { addEvent, addStudent, createDevice, createHub, hubRows, rows, withClient } from '../helpers/sync-fixtures.js';

describe('two devices and a hub', () => {
  it('push from one device, pull on the other: rows, ids and derived scores arrive', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const ann = addStudent(a, 'Ann');
    addEvent(a, ann, 3);
    addEvent(a, ann, 2);
    const preview = await a.client.preview();
    expect(preview.tables.students?.up).toEqual({ add: 1, update: 0, delete: 0 });
    expect(preview.tables.score_events?.up.add).toBe(2);
    expect(preview.direction).toBe('up');
    expect(await hubRows(hub, 'students')).toHaveLength(0); // preview wrote nothing
    await a.client.push();
    expect(await hubRows(hub, 'students')).toHaveLength(1);
    const pulled = await b.client.pull();
    expect(pulled.tables.score_events?.down.add).toBe(2);
    expect(rows(b, 'students')).toEqual(rows(a, 'students'));
    expect(b.store.db.prepare('SELECT total_score FROM student_scores WHERE student_id = ?').get(ann)).toEqual({ total_score: 5 });
  });

  it('a rename is an update of the same row, and two students may share a name', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s1 = addStudent(a, 'Sam');
    addStudent(a, 'Sam');
    await a.client.sync();
    await b.client.sync();
    b.store.db.prepare('UPDATE students SET name = ? WHERE id = ?').run('Samuel', s1);
    const p = await b.client.preview();
    expect(p.tables.students?.up).toEqual({ add: 0, update: 1, delete: 0 });
    await b.client.sync();
    await a.client.sync();
    const names = rows(a, 'students').map((r) => r.name).sort();
    expect(names).toEqual(['Sam', 'Samuel']);
    expect(await hubRows(hub, 'students')).toHaveLength(2);
  });

  it('a delete propagates and never comes back from a device that had not changed the row', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s = addStudent(a, 'Gone');
    addEvent(a, s, 1);
    await a.client.sync();
    await b.client.sync();
    a.store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    await a.client.sync();
    await b.client.sync(); // b still had the row: it must disappear, not be pushed back
    await a.client.sync();
    expect(rows(a, 'students')).toHaveLength(0);
    expect(rows(b, 'students')).toHaveLength(0);
    expect(rows(b, 'score_events')).toHaveLength(0);
    expect(await hubRows(hub, 'students')).toHaveLength(0);
    expect(await hubRows(hub, 'score_events')).toHaveLength(0);
  });

  it('field-level merge: different fields changed on each side merge without conflict', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s = addStudent(a, 'Ann');
    await a.client.sync();
    await b.client.sync();
    a.store.db.prepare('UPDATE students SET name = ? WHERE id = ?').run('Anne', s);
    b.store.db.prepare('UPDATE students SET group_name = ? WHERE id = ?').run('Blue', s);
    await a.client.sync();
    const r = await b.client.sync();
    expect(r.totals.conflicts).toBe(0);
    await a.client.sync();
    for (const d of [a, b]) expect(rows(d, 'students')[0]).toMatchObject({ name: 'Anne', group_name: 'Blue' });
  });

  it('the same field changed on both sides is a conflict; sync applies the rest and resolve settles it', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s = addStudent(a, 'Ann');
    await a.client.sync();
    await b.client.sync();
    a.store.db.prepare('UPDATE students SET name = ? WHERE id = ?').run('Anna', s);
    b.store.db.prepare('UPDATE students SET name = ?, notes = ? WHERE id = ?').run('Annie', 'n', s);
    const other = addStudent(b, 'Bob');
    await a.client.sync();
    const p = await b.client.preview();
    expect(p.conflicts).toEqual([
      expect.objectContaining({ table: 'students', id: s, fields: ['name'], local: expect.objectContaining({ name: 'Annie' }), server: expect.objectContaining({ name: 'Anna' }) }),
    ]);
    const r = await b.client.sync();
    expect(r.totals.conflicts).toBe(1);
    expect((await hubRows(hub, 'students')).map((x) => x.id)).toContain(other); // the rest was applied
    expect((await hubRows(hub, 'students')).find((x) => x.id === s)?.name).toBe('Anna'); // not overwritten
    expect(b.client.conflicts()).toHaveLength(1);
    b.client.resolve('students', s, 'merge', { name: 'Anna-Annie' });
    await b.client.sync();
    await a.client.sync();
    for (const d of [a, b]) expect(rows(d, 'students').find((x) => x.id === s)).toMatchObject({ name: 'Anna-Annie', notes: 'n' });
    expect(b.client.conflicts()).toHaveLength(0);
  });

  it('append-only events from several devices all arrive, none duplicated, totals are never rolled back', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s = addStudent(a, 'Ann');
    await a.client.sync();
    await b.client.sync();
    addEvent(a, s, 5);
    addEvent(b, s, 7);
    await a.client.sync();
    await b.client.sync();
    await a.client.sync();
    for (const d of [a, b]) expect(d.store.db.prepare('SELECT total_score FROM student_scores').get()).toEqual({ total_score: 12 });
    await a.client.sync();
    await b.client.sync();
    expect(await hubRows(hub, 'score_events')).toHaveLength(2);
    const total = await withClient(hub, async (c) => (await c.query('SELECT total_score FROM classroom.student_scores')).rows[0]);
    expect(Number(total?.total_score)).toBe(12);
  });
});
