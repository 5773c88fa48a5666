import { beforeAll, describe, expect, it } from 'vitest';
import type { SchemaDifference } from '../../../src/hub/inspect-schema.js';
import { addFamily, createLearningHub, createTarget, expectedScopeRows, serviceFor, targetRows, withClient, type Family, failure } from './fixtures.js';

/** Every relation, column and constraint of a schema, to prove nothing changed. */
async function schemaFingerprint(url: string, schema: string): Promise<string> {
  return withClient(url, async (c) => {
    const cols = await c.query(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2`,
      [schema],
    );
    const cons = await c.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = to_regnamespace($1) ORDER BY 1`, [schema]);
    const rels = await c.query(`SELECT relname, relkind FROM pg_class WHERE relnamespace = to_regnamespace($1) ORDER BY 1`, [schema]);
    return JSON.stringify([cols.rows, cons.rows, rels.rows]);
  });
}

describe('the target schema', () => {
  let hub: string;
  let fam: Family;
  beforeAll(async () => {
    hub = await createLearningHub();
    fam = await withClient(hub, (c) => addFamily(c, 'Schema', { learners: 2, lessons: 2 }));
  });

  it('existing tables that differ fail E_SCHEMA_MISMATCH listing every difference, and nothing is written or altered', async () => {
    const target = await createTarget();
    await withClient(target, async (c) => {
      await c.query('CREATE SCHEMA learning');
      await c.query(`CREATE TABLE learning.lessons (id uuid, learner_id uuid NOT NULL, subject text NOT NULL, title text, status text NOT NULL,
        score text, started_at timestamptz, completed_at timestamptz, teacher text NOT NULL)`);
      await c.query(`INSERT INTO learning.lessons VALUES ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 's', 't', 'x', NULL, NULL, NULL, 'mine')`);
    });
    const before = await schemaFingerprint(target, 'learning');
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'mismatch', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    const e = await failure(service.run(cfg.id));
    expect(e.code).toBe('E_SCHEMA_MISMATCH');
    const diffs = e.details?.differences as SchemaDifference[];
    expect(diffs).toEqual(
      expect.arrayContaining([
        { table: 'lessons', column: 'content', problem: 'missing column', expected: 'jsonb' },
        { table: 'lessons', column: 'score', problem: 'wrong type', expected: 'double precision', actual: 'text' },
        { table: 'lessons', column: 'id', problem: 'wrong nullability', expected: 'NOT NULL', actual: 'NULL allowed' },
        { table: 'lessons', column: 'title', problem: 'wrong nullability', expected: 'NOT NULL', actual: 'NULL allowed' },
        { table: 'lessons', column: 'teacher', problem: 'extra required column', actual: 'text' },
        { table: 'lessons', problem: 'wrong primary key', expected: '(id)', actual: 'none' },
      ]),
    );
    expect(diffs).toHaveLength(6);
    for (const line of ['lessons.content: missing column', 'lessons.score: wrong type (expected double precision, found text)', 'lessons.teacher: extra required column'])
      expect(e.message).toContain(line);
    expect(await schemaFingerprint(target, 'learning')).toBe(before);
    expect((await withClient(target, (c) => c.query('SELECT teacher FROM learning.lessons'))).rows).toEqual([{ teacher: 'mine' }]);
    const view = await service.get(cfg.id);
    expect(view.status).toBe('FAILED');
    expect(view.lastError?.code).toBe('E_SCHEMA_MISMATCH');
    // The check command reports the same, writing nothing.
    const check = await service.checkTarget(cfg.id);
    expect(check.differences).toHaveLength(6);
    expect(check.missingTables).toContain('users');
  });

  it('adds missing columns only with migrate, then fills them and makes them NOT NULL as declared', async () => {
    const target = await createTarget();
    await withClient(target, async (c) => {
      await c.query('CREATE SCHEMA learning');
      await c.query(`CREATE TABLE learning.achievements (id uuid PRIMARY KEY, learner_id uuid NOT NULL, title text NOT NULL)`);
    });
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'migrate', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    const e = await failure(service.run(cfg.id));
    expect(e.code).toBe('E_SCHEMA_MISMATCH');
    expect(e.message).toMatch(/achievements\.description: missing column[\s\S]*achievements\.awarded_at: missing column/);
    expect(e.message).toContain('migrate');
    await service.edit(cfg.id, { migrate: true });
    expect((await service.run(cfg.id)).status).toBe('COMPLETED');
    const cols = await withClient(target, async (c) =>
      (await c.query(`SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'learning' AND table_name = 'achievements' ORDER BY 1`)).rows,
    );
    expect(cols).toEqual([
      { column_name: 'awarded_at', is_nullable: 'NO' },
      { column_name: 'description', is_nullable: 'YES' },
      { column_name: 'id', is_nullable: 'NO' },
      { column_name: 'learner_id', is_nullable: 'NO' },
      { column_name: 'title', is_nullable: 'NO' },
    ]);
    expect(await targetRows(target)).toEqual(await expectedScopeRows(hub, fam.parent));
  });

  it('prints DDL a DBA can run by hand; a run then uses those tables as they are', async () => {
    const target = await createTarget();
    const service = serviceFor(hub);
    const ddl = await service.schemaDdl({ targetSchema: 'backup' });
    const text = ddl.join(';\n');
    expect(text).toContain('CREATE SCHEMA IF NOT EXISTS "backup"');
    expect(text).toContain('CREATE TABLE IF NOT EXISTS "backup"."lessons"');
    expect(text).toMatch(/FOREIGN KEY \("learner_id"\) REFERENCES "backup"."users" \("id"\) ON DELETE CASCADE/);
    expect(text).toContain('CREATE INDEX IF NOT EXISTS "lessons_learner_id_idx"');
    expect(text).not.toContain('password_hash');
    await withClient(target, async (c) => {
      for (const stmt of ddl) await c.query(stmt);
    });
    const before = await schemaFingerprint(target, 'backup');
    const cfg = await service.add({ name: 'dba', owner: fam.parent, url: target, scope: `users:${fam.parent}`, targetSchema: 'backup' });
    expect((await service.run(cfg.id)).status).toBe('COMPLETED');
    expect(await schemaFingerprint(target, 'backup')).toBe(before);
    expect(await targetRows(target, 'backup')).toEqual(await expectedScopeRows(hub, fam.parent));
  });
});
