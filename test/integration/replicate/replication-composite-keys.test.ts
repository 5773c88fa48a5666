import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classroom } from '../../../src/dataset/classroom.js';
import { createHub } from '../../helpers/sync-fixtures.js';
import { createTarget, serviceFor, withClient } from './fixtures.js';

/** Every row of every classroom table as JSON text, sorted. */
async function allRows(url: string, schema: string): Promise<Record<string, string[]>> {
  return withClient(url, async (c) => {
    const out: Record<string, string[]> = {};
    for (const t of classroom.tables) out[t.name] = (await c.query<{ j: string }>(`SELECT to_jsonb(t)::text AS j FROM "${schema}"."${t.name}" t ORDER BY 1`)).rows.map((r) => r.j);
    return out;
  });
}

describe('a dataset with composite and text keys (classroom), whole-dataset scope', () => {
  it('replicates fully, then incrementally, inserts, updates and deletes included', async () => {
    const hub = await createHub(classroom);
    const target = await createTarget();
    const [s1, s2, t1, t2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await withClient(hub, async (c) => {
      await c.query(`INSERT INTO classroom.students (id, name, created_at) VALUES ($1, 'Ann', now()), ($2, 'Bo', now())`, [s1, s2]);
      await c.query(`INSERT INTO classroom.tags (id, name) VALUES ($1, 'red'), ($2, 'blue')`, [t1, t2]);
      await c.query(`INSERT INTO classroom.student_tags VALUES ($1, $3), ($1, $4), ($2, $3)`, [s1, s2, t1, t2]);
      await c.query(`INSERT INTO classroom.settings VALUES ('theme', '"dark"'), ('it''s', 'null'), ('empty', NULL)`);
    });
    const service = serviceFor(hub, { batchSize: 2 });
    const cfg = await service.add({ name: 'class', owner: 'teacher', url: target, scope: 'all' });
    expect((await service.run(cfg.id)).kind).toBe('full');
    expect(await allRows(target, 'classroom')).toEqual(await allRows(hub, 'classroom'));
    await withClient(hub, async (c) => {
      await c.query(`DELETE FROM classroom.student_tags WHERE student_id = $1 AND tag_id = $2`, [s1, t1]);
      await c.query(`INSERT INTO classroom.student_tags VALUES ($1, $2)`, [s2, t2]);
      await c.query(`UPDATE classroom.settings SET value = '{"a": 0}' WHERE key = 'it''s'`);
      await c.query(`DELETE FROM classroom.tags WHERE id = $1`, [t1]); // cascades to (s2, t1)
    });
    const run = await service.run(cfg.id);
    expect(run.kind).toBe('incremental');
    expect(run.rowsCopied).toMatchObject({ student_tags: 1, settings: 1 });
    expect(run.rowsDeleted).toMatchObject({ student_tags: 2, tags: 1 });
    expect(await allRows(target, 'classroom')).toEqual(await allRows(hub, 'classroom'));
  });
});
