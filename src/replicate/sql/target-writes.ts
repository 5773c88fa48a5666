import type pg from 'pg';
import { quoteIdent as q } from '../../core/quote-ident.js';
import type { ColumnDef, TableDef } from '../../dataset/dataset.js';
import { PG_TYPE, pgKeyExpr, pgKeyMatch, qualified } from '../../hub/hub-schema.js';

/**
 * Statements a run executes on the target, inside its one transaction. Work tables are temporary
 * (`ON COMMIT DROP`); the user's tables are only ever written with INSERT … ON CONFLICT and DELETE by key:
 * never DROP, never TRUNCATE.
 */

/** The scope's keys, sent from the hub's snapshot. */
export const SCOPE_KEYS = 'lockstep_scope_keys';
/** Keys the hub's feed names as changed since the last run. */
export const CHANGED_KEYS = 'lockstep_changed_keys';

export async function createKeyTable(target: pg.ClientBase, name: string): Promise<void> {
  await target.query(`CREATE TEMP TABLE ${q(name)} (tbl text NOT NULL, key text NOT NULL) ON COMMIT DROP`);
}

/**
 * Gives a filled key table its statistics, so the planner joins it by hashing. It gets no index: every
 * use is a set join, and sorting a million text keys in the database's collation for one took longer
 * (9 s) than all those joins together.
 */
export async function analyzeKeyTable(target: pg.ClientBase, name: string): Promise<void> {
  await target.query(`ANALYZE pg_temp.${q(name)}`);
}

export async function countKeys(target: pg.ClientBase, name: string): Promise<Record<string, number>> {
  const { rows } = await target.query<{ tbl: string; n: string }>(`SELECT tbl, count(*) AS n FROM pg_temp.${q(name)} GROUP BY tbl`);
  return Object.fromEntries(rows.map((r) => [r.tbl, Number(r.n)]));
}

export async function tableIsEmpty(target: pg.ClientBase, schema: string, table: string): Promise<boolean> {
  const { rows } = await target.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${qualified(schema, table)}) AS any`);
  return rows[0]?.any !== true;
}

export async function countRows(target: pg.ClientBase, schema: string, table: string): Promise<number> {
  const { rows } = await target.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, table)}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Keys of `table` to write in an incremental run: in scope, and either changed on the hub since the last
 * run or missing from the target (rows that entered the scope, or that someone deleted from the target).
 */
export async function keysToWrite(target: pg.ClientBase, schema: string, table: TableDef): Promise<string[]> {
  // Two set queries (a semi-join and an anti-join the planner can hash) rather than one OR, which it
  // could only answer with a probe per scope key.
  const { rows } = await target.query<{ key: string }>(
    `SELECT s.key FROM pg_temp.${q(SCOPE_KEYS)} s
     WHERE s.tbl = $1 AND EXISTS (SELECT 1 FROM pg_temp.${q(CHANGED_KEYS)} c WHERE c.tbl = s.tbl AND c.key = s.key)
     UNION
     SELECT s.key FROM pg_temp.${q(SCOPE_KEYS)} s
     WHERE s.tbl = $1 AND NOT EXISTS (SELECT 1 FROM ${qualified(schema, table.name)} t WHERE ${pgKeyMatch(table, 's.key', 't')})
     ORDER BY key`,
    [table.name],
  );
  return rows.map((r) => r.key);
}

/** A temporary table with the replicated columns of `table` (no constraints), to COPY rows into. */
export async function createStage(target: pg.ClientBase, table: TableDef, columns: readonly ColumnDef[]): Promise<string> {
  const name = `lockstep_stage_${table.name}`;
  await target.query(`CREATE TEMP TABLE ${q(name)} (${columns.map((c) => `${q(c.name)} ${PG_TYPE[c.type]}`).join(', ')}) ON COMMIT DROP`);
  return name;
}

export async function dropStage(target: pg.ClientBase, stage: string): Promise<void> {
  await target.query(`DROP TABLE pg_temp.${q(stage)}`);
}

/** `COPY` into the stage or a target table, replicated columns in order. */
export function copyInto(relation: string, columns: readonly ColumnDef[]): string {
  return `COPY ${relation} (${columns.map((c) => q(c.name)).join(', ')}) FROM STDIN`;
}

/**
 * Inserts the staged rows, or updates the target's row when it differs (an identical row is not touched).
 * Returns the rows inserted or changed.
 */
export async function upsertFromStage(target: pg.ClientBase, schema: string, table: TableDef, columns: readonly ColumnDef[], stage: string): Promise<number> {
  const cols = columns.map((c) => q(c.name));
  const nonKey = columns.filter((c) => !table.primaryKey.includes(c.name)).map((c) => q(c.name));
  const action =
    nonKey.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${nonKey.map((c) => `${c} = excluded.${c}`).join(', ')}
         WHERE (${nonKey.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${nonKey.map((c) => `excluded.${c}`).join(', ')})`;
  const r = await target.query(
    `INSERT INTO ${qualified(schema, table.name)} AS t (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM pg_temp.${q(stage)}
     ON CONFLICT (${table.primaryKey.map(q).join(', ')}) ${action}`,
  );
  return r.rowCount ?? 0;
}

/** Deletes the target's rows of `table` that are not in the scope (deleted on the hub, or out of scope). */
export async function deleteOutsideScope(target: pg.ClientBase, schema: string, table: TableDef): Promise<number> {
  const r = await target.query(
    `DELETE FROM ${qualified(schema, table.name)} t
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.${q(SCOPE_KEYS)} s WHERE s.tbl = $1 AND s.key = ${pgKeyExpr(table, 't')})`,
    [table.name],
  );
  return r.rowCount ?? 0;
}
