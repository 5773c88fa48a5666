import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { addEvent, addStudent, createDevice, createHub, hubRows, rows, type Device } from '../helpers/sync-fixtures.js';

/** Rows that reach a device whose copy of their parent is deleted (docs/spec/sync.md, "Rows whose parent is deleted here"). */
describe('rows whose parent is deleted on this device', () => {
  async function twoDevicesSharing(): Promise<{ hub: string; a: Device; b: Device; s: string }> {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s = addStudent(a, 'Ann');
    await a.client.sync();
    await b.client.sync();
    return { hub, a, b, s };
  }

  it('an event recorded elsewhere for a student deleted here goes with the student: the sync succeeds and all sides agree', async () => {
    const { hub, a, b, s } = await twoDevicesSharing();
    a.store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    addEvent(b, s, 4);
    await b.client.sync();
    const report = await a.client.sync(); // brings b's event down, sends the delete up: the hub cascades
    expect(report.totals.conflicts).toBe(0);
    await b.client.sync();
    for (const d of [a, b]) {
      expect(rows(d, 'students')).toEqual([]);
      expect(rows(d, 'score_events')).toEqual([]);
    }
    expect(await hubRows(hub, 'score_events')).toEqual([]);
    expect(a.store.db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
  });

  it('a delete here against an edit on the hub is a conflict; its events wait, and arrive when the hub version is kept', async () => {
    const { hub, a, b, s } = await twoDevicesSharing();
    a.store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    b.store.db.prepare('UPDATE students SET name = ? WHERE id = ?').run('Anne', s);
    const e = addEvent(b, s, 7);
    await b.client.sync();
    const first = await a.client.sync();
    expect(first.conflicts.map((c) => [c.table, c.id])).toEqual([['students', s]]);
    expect(rows(a, 'score_events')).toEqual([]); // its parent is deleted here until the conflict is settled
    expect(a.store.db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    expect((await a.client.sync()).conflicts).toHaveLength(1); // still waiting, still consistent
    a.client.resolve('students', s, 'server');
    await a.client.sync();
    expect(rows(a, 'students').map((r) => r.name)).toEqual(['Anne']);
    expect(rows(a, 'score_events').map((r) => r.id)).toEqual([e]);
    expect(a.store.pendingCount()).toBe(0);
  });

  it('keeping the local delete instead takes the waiting events away on every side', async () => {
    const { hub, a, b, s } = await twoDevicesSharing();
    a.store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    b.store.db.prepare('UPDATE students SET name = ? WHERE id = ?').run('Anne', s);
    addEvent(b, s, 7);
    await b.client.sync();
    await a.client.sync();
    a.client.resolve('students', s, 'local');
    await a.client.sync();
    await b.client.sync();
    await a.client.sync();
    for (const d of [a, b]) {
      expect(rows(d, 'students')).toEqual([]);
      expect(rows(d, 'score_events')).toEqual([]);
      expect(d.store.pendingCount()).toBe(0);
    }
    expect(await hubRows(hub, 'students')).toEqual([]);
    expect(await hubRows(hub, 'score_events')).toEqual([]);
  });

  it('an event recorded here for a student deleted on the hub waits while the delete is in conflict, then goes with the student', async () => {
    const { hub, a, b, s } = await twoDevicesSharing();
    b.store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    await b.client.sync();
    a.store.db.prepare('UPDATE students SET group_name = ? WHERE id = ?').run('Blue', s);
    addEvent(a, s, 2);
    const report = await a.client.sync(); // the student is a conflict (edited here, deleted there); the event waits
    expect(report.conflicts.map((c) => c.id)).toEqual([s]);
    expect(await hubRows(hub, 'score_events')).toEqual([]);
    expect(a.store.pendingCount()).toBe(2);
    a.client.resolve('students', s, 'server');
    await a.client.sync();
    expect(rows(a, 'students')).toEqual([]);
    expect(rows(a, 'score_events')).toEqual([]);
    expect(a.store.pendingCount()).toBe(0);
  });

  it('keeping the edited student here brings it back on the hub, and the waiting event follows', async () => {
    const { hub, a, b, s } = await twoDevicesSharing();
    b.store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    await b.client.sync();
    a.store.db.prepare('UPDATE students SET group_name = ? WHERE id = ?').run('Blue', s);
    const e = addEvent(a, s, 2);
    await a.client.sync();
    a.client.resolve('students', s, 'local');
    await a.client.sync();
    await b.client.sync();
    expect((await hubRows(hub, 'score_events')).map((r) => r.id)).toEqual([e]);
    for (const d of [a, b]) expect(rows(d, 'score_events').map((r) => r.id)).toEqual([e]);
  });

  it('push: an event for a student another device deleted waits instead of failing the push; the next sync takes it away with the student', async () => {
    const { hub, a, b, s } = await twoDevicesSharing();
    b.store.db.prepare('DELETE FROM students WHERE id = ?').run(s);
    await b.client.sync();
    const other = addStudent(a, 'Bob');
    addEvent(a, s, 2);
    addEvent(a, other, 3);
    const pushed = await a.client.push();
    expect(pushed.tables.score_events?.up.add).toBe(1);
    expect((await hubRows(hub, 'students')).map((r) => r.id)).toEqual([other]);
    await a.client.sync();
    expect(rows(a, 'students').map((r) => r.id)).toEqual([other]);
    expect(rows(a, 'score_events').map((r) => r.student_id)).toEqual([other]);
    expect(a.store.pendingCount()).toBe(0);
  });
});
