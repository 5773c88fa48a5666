import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addFamily, createLearningHub, createTarget, expectedScopeRows, serviceFor, TABLES, targetRows, withClient } from './fixtures.js';

/** oid and file node of every dataset table: DROP changes the oid, TRUNCATE the file node. */
async function storage(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ relname: string; id: string }>(
      `SELECT relname, oid::text || '/' || pg_relation_filenode(oid)::text AS id FROM pg_class WHERE relnamespace = 'learning'::regnamespace AND relkind = 'r'`,
    );
    return Object.fromEntries(rows.map((r) => [r.relname, r.id]));
  });
}

const withoutNote = (rows: Record<string, string[]>): Record<string, string[]> =>
  Object.fromEntries(
    Object.entries(rows).map(([t, rs]) => [
      t,
      rs.map((r) => {
        const o = JSON.parse(r) as Record<string, unknown>;
        delete o.note;
        return JSON.stringify(o);
      }),
    ]),
  );

describe('never lose or leak data', () => {
  it('never DROPs or TRUNCATEs target tables, keeps what the user added, leaves sensitive columns out, keeps 0 and NULL apart, never caps rows', async () => {
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, async (c) => {
      const f = await addFamily(c, 'Safe', { learners: 2, lessons: 25 });
      await addFamily(c, 'Other', { learners: 1, lessons: 2 });
      return f;
    });
    const service = serviceFor(hub, { batchSize: 3 });
    const cfg = await service.add({ name: 'safe', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    const first = await service.run(cfg.id);
    expect(first.rowsCopied.lessons).toBe(50);

    // The user's own additions, and tripwires: any TRUNCATE or DROP fails (and is logged by the event trigger).
    const kept = fam.lessons[1] as string;
    await withClient(target, async (c) => {
      await c.query('ALTER TABLE learning.lessons ADD COLUMN note text');
      await c.query('UPDATE learning.lessons SET note = $1 WHERE id = $2', ['my own note', kept]);
      await c.query('CREATE TABLE learning.notes (body text)');
      await c.query(`INSERT INTO learning.notes VALUES ('mine')`);
      await c.query('CREATE TABLE public.ddl_audit (what text)');
      await c.query(`CREATE FUNCTION public.no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'TRUNCATE of % is forbidden', TG_TABLE_NAME; END $$`);
      for (const t of TABLES) await c.query(`CREATE TRIGGER no_truncate BEFORE TRUNCATE ON learning.${t} FOR EACH STATEMENT EXECUTE FUNCTION public.no_truncate()`);
      await c.query(`CREATE FUNCTION public.log_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO public.ddl_audit SELECT object_type || ' ' || object_identity FROM pg_event_trigger_dropped_objects(); END $$`);
      await c.query('CREATE EVENT TRIGGER log_drop ON sql_drop EXECUTE FUNCTION public.log_drop()');
    });
    const before = await storage(target);

    await withClient(hub, async (c) => {
      await c.query(`UPDATE learning.lessons SET title = title || ' (edited)', score = NULL WHERE learner_id = $1`, [fam.learners[0]]); // 25 rows
      await c.query(`UPDATE learning.lessons SET score = 0 WHERE id = $1`, [kept]);
      await c.query(`DELETE FROM learning.lessons WHERE id = $1`, [fam.lessons[2]]);
      await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES ($1, $2, 's', 'new', 'open')`, [randomUUID(), fam.learners[1]]);
    });
    const second = await service.run(cfg.id);
    expect(second.rowsCopied.lessons).toBe(25); // 24 edited + 1 new, in batches of 3: none left behind
    const third = await service.run(cfg.id, { full: true }); // a full refresh onto filled tables
    expect(third.kind).toBe('full');
    expect(third.rowsCopied.lessons).toBe(0);

    expect(await storage(target)).toEqual(before);
    const audit = await withClient(target, async (c) => (await c.query('SELECT what FROM public.ddl_audit')).rows);
    expect(audit.filter((r: { what: string }) => /\blearning\./.test(r.what))).toEqual([]); // only our own temporary work tables were dropped
    expect(withoutNote(await targetRows(target))).toEqual(withoutNote(await expectedScopeRows(hub, fam.parent)));
    await withClient(target, async (c) => {
      expect((await c.query('SELECT note, score FROM learning.lessons WHERE id = $1', [kept])).rows).toEqual([{ note: 'my own note', score: 0 }]);
      expect((await c.query('SELECT body FROM learning.notes')).rows).toEqual([{ body: 'mine' }]);
      // Sensitive columns are not there, and their values are nowhere.
      const cols = await c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'learning' AND table_name = 'users'`);
      expect(cols.rows.map((r: { column_name: string }) => r.column_name)).not.toContain('password_hash');
      const all = JSON.stringify(await targetRows(target));
      expect(all).not.toContain('secret-hash');
      expect(all).not.toContain('kid-hash');
      // 0 stays 0, NULL stays NULL, '' stays '', JSON null stays JSON null.
      const p = await c.query(
        `SELECT grade_level, settings IS NULL AS sql_null, jsonb_typeof(settings) AS json_type FROM learning.learner_profiles WHERE id = ANY($1) ORDER BY grade_level NULLS LAST`,
        [fam.profiles],
      );
      expect(p.rows).toEqual([
        { grade_level: '0', sql_null: false, json_type: 'object' },
        { grade_level: null, sql_null: false, json_type: 'null' },
      ]);
      const a = await c.query(`SELECT description FROM learning.achievements WHERE id = ANY($1) ORDER BY description NULLS LAST`, [fam.achievements]);
      expect(a.rows).toEqual([{ description: '' }, { description: null }]);
      const pts = await c.query(`SELECT amount FROM learning.points_ledger WHERE learner_id = $1`, [fam.learners[0]]);
      expect(pts.rows.every((r: { amount: string }) => r.amount === '0')).toBe(true);
    });
  });
});
