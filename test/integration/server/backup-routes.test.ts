import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from './server-fixtures.js';

describe('backup routes: export and import', () => {
  let s: TestServer;
  const base = '/api/devices/pc';
  const students = async (): Promise<string[]> => (await s.call('GET', `${base}/classroom/students`)).body.students.map((x: { name: string }) => x.name);

  beforeAll(async () => {
    s = await createTestServer();
    // More than the default 64 KiB body limit once exported, written by another program (the app).
    const db = new Database(s.paths.pc as string);
    const insert = db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 600; i++) insert.run(randomUUID(), `Student ${String(i).padStart(3, '0')} with a longer name`, new Date().toISOString());
    })();
    db.close();
  });
  afterAll(() => s.close());

  it('exports a versioned, checksummed download of every table', async () => {
    const r = await s.call('GET', `${base}/export`);
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="pc-\d{4}-\d{2}-\d{2}\.lockstep\.json"$/);
    expect(r.body).toMatchObject({ format: 'lockstep-export', version: 1, dataset: 'classroom', checksum: expect.any(String) });
    expect(r.body.tables.students).toHaveLength(600);
    expect(r.text.length).toBeGreaterThan(65_536);
  });

  it('refuses a tampered, wrong-dataset, malformed or non-object body with a clear code, changing nothing', async () => {
    const good = (await s.call('GET', `${base}/export`)).body;
    const before = await students();
    const tampered = structuredClone(good);
    tampered.tables.students[0].name = 'Mallory';
    const wrongDataset = { ...structuredClone(good), dataset: 'learning' };
    for (const body of [tampered, wrongDataset, { ...good, checksum: undefined }]) {
      const r = await s.call('POST', `${base}/import`, body);
      expect(r.status, r.text).toBe(422);
      expect(r.body.code).toBe('E_IMPORT_INVALID');
    }
    const malformed = await s.call('POST', `${base}/import`, '{"format": "lockstep-export", "tables": {', { 'content-type': 'application/json' });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'E_MALFORMED_BODY' } });
    expect(await s.call('POST', `${base}/import`, [1, 2])).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
    expect(await s.call('POST', `${base}/import?mode=overwrite`, good)).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
    expect(await students()).toEqual(before);
  });

  it('imports an export larger than the general body limit (replace), backing the device file up first', async () => {
    const exported = (await s.call('GET', `${base}/export`)).body;
    const first = (await s.call('GET', `${base}/classroom/students`)).body.students[0].id as string;
    await s.call('DELETE', `${base}/classroom/students/${first}`);
    expect(await students()).toHaveLength(599);
    const r = await s.call('POST', `${base}/import`, exported);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ mode: 'replace', rows: { students: 600 }, backup: expect.stringContaining('pre-import') });
    expect(await students()).toHaveLength(600);
  });
});
