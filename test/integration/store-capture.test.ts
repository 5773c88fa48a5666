import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { LocalStore } from '../../src/store/local-store.js';
import { createDevice, createHub, hubRows, id, tempDir } from '../helpers/sync-fixtures.js';
import { join } from 'node:path';

const sqlite3 = (db: string, sql: string): string => execFileSync('sqlite3', [db, sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('change capture in the device file', () => {
  it('records inserts, updates and deletes made by the sqlite3 shell, and the next sync carries them', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    a.store.close();
    const s1 = id();
    const s2 = id();
    sqlite3(a.path, `INSERT INTO students (id, name, created_at) VALUES ('${s1}', 'Ann', '2025-01-01T00:00:00.000Z'), ('${s2}', 'Bob', '2025-01-01T00:00:00.000Z')`);
    const store = LocalStore.open(a.path);
    const { clientFor } = await import('../helpers/sync-fixtures.js');
    const client = clientFor(store, hub);
    expect((await client.preview()).tables.students?.up.add).toBe(2);
    await client.sync();
    store.close();
    sqlite3(a.path, `UPDATE students SET name = 'Anne' WHERE id = '${s1}'; DELETE FROM students WHERE id = '${s2}';`);
    const again = LocalStore.open(a.path);
    const r = await clientFor(again, hub).sync();
    expect(r.tables.students?.up).toEqual({ add: 0, update: 1, delete: 1 });
    expect((await hubRows(hub, 'students')).map((x) => x.name)).toEqual(['Anne']);
    again.close();
  });

  it('refuses updates of append-only rows and of primary keys, whoever writes', () => {
    const path = join(tempDir(), 'x.db');
    const store = LocalStore.init({ path, dataset: classroom, deviceName: 'x' });
    store.close();
    const s = id();
    sqlite3(path, `INSERT INTO students (id, name, created_at) VALUES ('${s}', 'Ann', '2025-01-01T00:00:00.000Z');
      INSERT INTO score_events (id, student_id, reason_text, delta, created_at) VALUES ('${id()}', '${s}', 'r', 1, '2025-01-01T00:00:00.000Z')`);
    expect(() => sqlite3(path, 'UPDATE score_events SET delta = 100')).toThrow(/append-only/);
    expect(() => sqlite3(path, `UPDATE students SET id = '${id()}'`)).toThrow(/primary key/);
    expect(() => sqlite3(path, `INSERT INTO students (id, name, created_at) VALUES ('NOT-A-UUID', 'x', '2025-01-01')`)).toThrow(/CHECK/);
    expect(sqlite3(path, 'SELECT total_score FROM student_scores').trim()).toBe('1');
  });

  it('adopts an existing app database: its rows become local changes for the first push', () => {
    const path = join(tempDir(), 'app.db');
    sqlite3(path, `CREATE TABLE tags (id TEXT NOT NULL, name TEXT NOT NULL, color TEXT, PRIMARY KEY (id)); INSERT INTO tags VALUES ('${id()}', 'red', NULL);`);
    const store = LocalStore.init({ path, dataset: classroom, deviceName: 'x' });
    expect(store.pendingCount()).toBe(1);
    store.close();
    const bad = join(tempDir(), 'bad.db');
    sqlite3(bad, 'CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT)');
    expect(() => LocalStore.init({ path: bad, dataset: classroom, deviceName: 'x' })).toThrow(expect.objectContaining({ code: 'E_SCHEMA_MISMATCH' }));
  });
});
