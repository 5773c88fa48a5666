import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TableDef } from '../../../src/dataset/dataset.js';
import { deleteKeys, keyIn, presentKeys } from '../../../src/replicate/sql/key-lookups.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { withClient } from './fixtures.js';

const lessons: TableDef = {
  name: 'lessons',
  policy: 'lww',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'uuid' },
    { name: 'title', type: 'text' },
  ],
};

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function planNodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...children.flatMap(planNodes)];
}

describe('look-ups by key in an incremental replication run', () => {
  it('probe the primary key for 5,000 keys of a 100,000-row table (never a scan of the table), and find exactly the rows held', async () => {
    const url = await createTestDatabase('lockstep_keys');
    await withClient(url, async (c) => {
      await c.query('CREATE SCHEMA s');
      await c.query('CREATE TABLE s.lessons (id uuid PRIMARY KEY, title text NOT NULL)');
      await c.query(`INSERT INTO s.lessons SELECT gen_random_uuid(), 'lesson ' || g FROM generate_series(1, 100000) g`);
      await c.query('ANALYZE s.lessons');
      const held = (await c.query<{ id: string }>('SELECT id::text AS id FROM s.lessons ORDER BY random() LIMIT 4000')).rows.map((r) => r.id);
      const absent = Array.from({ length: 1000 }, () => randomUUID());
      const keys = [...held, ...absent];

      // The planner, shown the 5,000 values, prefers reading the whole table; the look-up hides the count.
      const { rows } = await c.query<{ 'QUERY PLAN': [{ Plan: Record<string, unknown> }] }>(
        `EXPLAIN (FORMAT JSON) SELECT 1 FROM s.lessons t WHERE ${keyIn(lessons, 't', '$1')}`,
        [keys],
      );
      const nodes = planNodes((rows[0]?.['QUERY PLAN'][0].Plan ?? {}) as Record<string, unknown>);
      const onLessons = nodes.filter((n) => n['Relation Name'] === 'lessons').map((n) => n['Node Type']);
      expect(onLessons).toHaveLength(1);
      expect(onLessons[0]).toMatch(/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/);

      expect((await presentKeys(c, 's', lessons, keys)).sort()).toEqual([...held].sort());
      await c.query('BEGIN');
      expect((await deleteKeys(c, 's', lessons, keys)).sort()).toEqual([...held].sort());
      expect((await c.query('SELECT count(*)::int AS n FROM s.lessons')).rows[0]?.n).toBe(96000);
      await c.query('ROLLBACK');
    });
  });
});
