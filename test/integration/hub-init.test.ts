import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { learning } from '../../src/dataset/learning.js';
import { initHub } from '../../src/hub/hub-init.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { withClient } from '../helpers/sync-fixtures.js';

describe('hub init', () => {
  it('creates the schema once; re-running is harmless and keeps data', async () => {
    const url = await createTestDatabase();
    const first = await withClient(url, (c) => initHub(c, classroom));
    expect(first).toEqual({ created: true, schema: 'classroom', dataset: 'classroom' });
    await withClient(url, (c) => c.query(`INSERT INTO classroom.tags (id, name) VALUES (gen_random_uuid(), 'kept')`));
    const again = await withClient(url, (c) => initHub(c, classroom));
    expect(again.created).toBe(false);
    const n = await withClient(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM classroom.tags')).rows[0]?.n);
    expect(n).toBe(1);
  });

  it('refuses another dataset on the same hub', async () => {
    const url = await createTestDatabase();
    await withClient(url, (c) => initHub(c, classroom));
    await expect(withClient(url, (c) => initHub(c, learning, { schema: 'classroom' }))).rejects.toMatchObject({ code: 'E_DATASET_MISMATCH' });
  });

  it('reports every difference of pre-existing tables and alters nothing', async () => {
    const url = await createTestDatabase();
    await withClient(url, (c) =>
      c.query(`CREATE SCHEMA classroom; CREATE TABLE classroom.students (id uuid PRIMARY KEY, name integer, extra text NOT NULL)`),
    );
    const err = await withClient(url, (c) => initHub(c, classroom)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_SCHEMA_MISMATCH' });
    const msg = (err as Error).message;
    expect(msg).toContain('students.name: wrong type (expected text, found integer)');
    expect(msg).toContain('students.group_name: missing column');
    expect(msg).toContain('students.extra: extra required column');
    const tables = await withClient(url, async (c) => (await c.query(`SELECT to_regclass('lockstep.hub_meta') AS t, to_regclass('classroom.tags') AS u`)).rows[0]);
    expect(tables).toEqual({ t: null, u: null });
  });
});
