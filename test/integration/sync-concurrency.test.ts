import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { classroom } from '../../src/dataset/classroom.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { addEvent, addStudent, createDevice, createHub, hubRows, rows, tempDir, withClient } from '../helpers/sync-fixtures.js';

describe('concurrency', () => {
  it('five devices pushing at once lose no update', async () => {
    const hub = await createHub(classroom);
    const dir = tempDir();
    const devices = Array.from({ length: 5 }, (_, i) => createDevice(hub, classroom, `d${i}`, dir));
    const first = devices[0]!;
    const s = addStudent(first, 'Shared');
    await first.client.sync();
    for (const d of devices.slice(1)) await d.client.sync();
    for (const d of devices) for (let i = 0; i < 20; i++) addEvent(d, s, 1);
    await Promise.all(devices.map((d) => d.client.sync()));
    for (const d of devices) await d.client.sync();
    expect(await hubRows(hub, 'score_events')).toHaveLength(100);
    for (const d of devices) expect(rows(d, 'score_events')).toHaveLength(100);
  });

  it('a reader never skips a change whose transaction commits after a later one (out-of-order commit)', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const reader = createDevice(hub, classroom, 'reader');
    const slow = new pg.Client({ connectionString: hub });
    await slow.connect();
    try {
      // A plain-SQL writer takes its transaction id first and commits last.
      await slow.query('BEGIN');
      await slow.query(`INSERT INTO classroom.students (id, name, created_at) VALUES (gen_random_uuid(), 'Slow', now())`);
      addStudent(a, 'Fast');
      await a.client.sync(); // commits after the slow transaction began
      await reader.client.sync(); // must not move its cursor past the slow transaction's change
      await slow.query('COMMIT');
      await reader.client.sync();
      expect(rows(reader, 'students', 'name').map((r) => r.name)).toEqual(['Fast', 'Slow']);
    } finally {
      await slow.end();
    }
  });

  it('an open transaction in another database of the same server never holds the feed back', async () => {
    const hub = await createHub(classroom);
    const other = await createTestDatabase();
    const a = createDevice(hub, classroom, 'a');
    const reader = createDevice(hub, classroom, 'reader');
    const idle = new pg.Client({ connectionString: other });
    await idle.connect();
    try {
      await idle.query('BEGIN');
      await idle.query('CREATE TABLE t (x int)'); // takes a transaction id, then sits idle
      addStudent(a, 'Ann');
      await a.client.sync();
      await reader.client.sync();
      expect(rows(reader, 'students').map((r) => r.name)).toEqual(['Ann']);
    } finally {
      await idle.end();
    }
  });

  it('edits made with plain SQL on the hub reach the devices, deletes too', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const s = addStudent(a, 'Ann');
    await a.client.sync();
    await withClient(hub, (c) => c.query(`UPDATE classroom.students SET name = 'Ann (hub)' WHERE id = $1`, [s]));
    await a.client.sync();
    expect(rows(a, 'students')[0]?.name).toBe('Ann (hub)');
    await withClient(hub, (c) => c.query(`DELETE FROM classroom.students WHERE id = $1`, [s]));
    await a.client.sync();
    expect(rows(a, 'students')).toHaveLength(0);
  });
});
