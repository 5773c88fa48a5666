import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportStore } from '../../src/backup/export-store.js';
import { importStore } from '../../src/backup/import-store.js';
import { classroom } from '../../src/dataset/classroom.js';
import { learning } from '../../src/dataset/learning.js';
import { LocalStore } from '../../src/store/local-store.js';
import { id, now, tempDir } from '../helpers/sync-fixtures.js';

function filled(dir: string, name = 'a'): LocalStore {
  const store = LocalStore.init({ path: join(dir, `${name}.db`), dataset: classroom, deviceName: name });
  const s = id();
  const tag = id();
  store.db.prepare('INSERT INTO students (id, name, group_name, notes, created_at) VALUES (?, ?, ?, ?, ?)').run(s, 'Ann "quoted"\ttab', null, 'ünïcode ✓', now());
  store.db.prepare('INSERT INTO tags (id, name) VALUES (?, ?)').run(tag, 'red');
  store.db.prepare('INSERT INTO student_tags VALUES (?, ?)').run(s, tag);
  store.db.prepare("INSERT INTO reasons (id, content, delta, archived) VALUES (?, 'r', 0, 1)").run(id());
  store.db.prepare('INSERT INTO score_events (id, student_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?)').run(id(), s, 'x', 0, now());
  store.db.prepare("INSERT INTO settings (key, value) VALUES ('theme', '{\"dark\":true,\"n\":[1,2]}')").run();
  return store;
}

const dump = (s: LocalStore): unknown =>
  Object.fromEntries(s.order.map((t) => [t, s.db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).all()]));
const opts = (dir: string) => ({ mode: 'replace' as const, backupDir: join(dir, 'backups'), backupRetention: 3 });

describe('JSON export and import', () => {
  it('round-trips exactly, 0 and NULL and JSON included, and backs the file up first', async () => {
    const dir = tempDir();
    const a = filled(dir);
    const file = join(dir, 'export.json');
    expect(exportStore(a, file)).toMatchObject({ students: 1, score_events: 1, settings: 1 });
    const b = LocalStore.init({ path: join(dir, 'b.db'), dataset: classroom, deviceName: 'b' });
    const r = await importStore(b, file, opts(dir));
    expect(dump(b)).toEqual(dump(a));
    expect(existsSync(r.backup)).toBe(true);
    expect(b.pendingCount()).toBe(6); // imported rows are local changes for the next sync
    exportStore(b, join(dir, 'again.json'));
    const strip = (f: string) => ({ ...JSON.parse(readFileSync(f, 'utf8')), exportedAt: 0, deviceId: 0 });
    expect(strip(join(dir, 'again.json'))).toEqual(strip(file));
  });

  it('merge keeps rows that are not in the file; replace removes them', async () => {
    const dir = tempDir();
    const a = filled(dir);
    const file = join(dir, 'export.json');
    exportStore(a, file);
    a.db.prepare("INSERT INTO tags (id, name) VALUES (?, 'extra')").run(id());
    await importStore(a, file, { ...opts(dir), mode: 'merge' });
    expect(a.db.prepare('SELECT count(*) AS n FROM tags').get()).toEqual({ n: 2 });
    await importStore(a, file, opts(dir));
    expect(a.db.prepare('SELECT count(*) AS n FROM tags').get()).toEqual({ n: 1 });
  });

  it('refuses truncated, tampered, wrong-dataset and malformed files, changing nothing', async () => {
    const dir = tempDir();
    const a = filled(dir);
    const file = join(dir, 'export.json');
    exportStore(a, file);
    const text = readFileSync(file, 'utf8');
    const json = JSON.parse(text);
    const variants: [string, string, string][] = [
      ['truncated', text.slice(0, Math.floor(text.length / 2)), 'E_IMPORT_INVALID'],
      ['tampered', text.replace('"delta":0', '"delta":1000'), 'E_IMPORT_INVALID'],
      ['wrong dataset', JSON.stringify({ ...json, dataset: 'learning' }), 'E_IMPORT_INVALID'],
      ['wrong version', JSON.stringify({ ...json, datasetVersion: 9 }), 'E_IMPORT_INVALID'],
      ['not an export', '{"hello":"world"}', 'E_IMPORT_INVALID'],
      ['bad type', JSON.stringify({ ...json, tables: { ...json.tables, reasons: [{ ...json.tables.reasons[0], delta: 'lots' }] } }), 'E_IMPORT_INVALID'],
      ['extra column', JSON.stringify({ ...json, tables: { ...json.tables, tags: [{ ...json.tables.tags[0], evil: 1 }] } }), 'E_IMPORT_INVALID'],
    ];
    const before = dump(a);
    for (const [name, content, code] of variants) {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, content);
      await expect(importStore(a, f, opts(dir)), name).rejects.toMatchObject({ code });
      expect(dump(a)).toEqual(before);
    }
  });

  it('a file whose rows would break a foreign key is refused as a whole', async () => {
    const dir = tempDir();
    const a = filled(dir);
    const file = join(dir, 'export.json');
    exportStore(a, file);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.tables.students = [];
    // Re-sign it, as a careless tool would: the checksum is right, the content is not.
    const { ExportChecksum } = await import('../../src/backup/export-format.js');
    const sum = new ExportChecksum('classroom', 1);
    for (const t of a.order) {
      sum.table(t);
      for (const r of json.tables[t]) sum.row(r);
    }
    json.checksum = sum.digest();
    writeFileSync(file, JSON.stringify(json));
    const before = dump(a);
    await expect(importStore(a, file, opts(dir))).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(dump(a)).toEqual(before);
  });

  it('the learning dataset exports and imports too', async () => {
    const dir = tempDir();
    const s = LocalStore.init({ path: join(dir, 'l.db'), dataset: learning, deviceName: 'l' });
    s.db.prepare("INSERT INTO users (id, role, name, password_hash, created_at) VALUES (?, 'parent', 'P', 'hash', ?)").run(id(), now());
    exportStore(s, join(dir, 'l.json'));
    const t = LocalStore.init({ path: join(dir, 't.db'), dataset: learning, deviceName: 't' });
    await importStore(t, join(dir, 'l.json'), opts(dir));
    expect(dump(t)).toEqual(dump(s));
  });
});
