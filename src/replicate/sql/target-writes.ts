import type pg from 'pg';
import { quoteIdent as q } from '../../core/quote-ident.js';
import type { ColumnDef, TableDef } from '../../dataset/dataset.js';
import { PG_TYPE, pgKeyExpr, qualified } from '../../hub/hub-schema.js';

/**
 * Statements a run executes on the target, inside its one transaction. Work tables are temporary
 * (`ON COMMIT DROP`); the user's tables are only ever written with INSERT … ON CONFLICT and DELETE by key:
 * never DROP, never TRUNCATE.
 */

/** The scope's keys, sent from the hub's snapshot. */
export const SCOPE_KEYS = 'lockstep_scope_keys';

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

/** `INSERT … SELECT` of the staged rows; a row that exists is updated only where it differs. */
function upsertSql(schema: string, table: TableDef, columns: readonly ColumnDef[], stage: string): string {
  const cols = columns.map((c) => q(c.name));
  const nonKey = columns.filter((c) => !table.primaryKey.includes(c.name)).map((c) => q(c.name));
  const action =
    nonKey.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${nonKey.map((c) => `${c} = excluded.${c}`).join(', ')}
         WHERE (${nonKey.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${nonKey.map((c) => `excluded.${c}`).join(', ')})`;
  return `INSERT INTO ${qualified(schema, table.name)} AS t (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM pg_temp.${q(stage)}
     ON CONFLICT (${table.primaryKey.map(q).join(', ')}) ${action}`;
}

/**
 * Inserts the staged rows, or updates the target's row when it differs (an identical row is not touched).
 * Returns the rows inserted or changed.
 */
export async function upsertFromStage(target: pg.ClientBase, schema: string, table: TableDef, columns: readonly ColumnDef[], stage: string): Promise<number> {
  const r = await target.query(upsertSql(schema, table, columns, stage));
  return r.rowCount ?? 0;
}

/**
 * `upsertFromStage` for the few rows of an incremental run, also returning the keys of the rows it
 * inserted (not those it updated, nor those it left alone because they were identical).
 */
export async function upsertFromStageReturningInserted(
  target: pg.ClientBase,
  schema: string,
  table: TableDef,
  columns: readonly ColumnDef[],
  stage: string,
): Promise<{ written: number; inserted: string[] }> {
  // xmax is 0 on a row version this statement inserted, the updating transaction's id on one it updated.
  const { rows } = await target.query<{ key: string; inserted: boolean }>(
    `${upsertSql(schema, table, columns, stage)} RETURNING ${pgKeyExpr(table, 't')} AS key, t.xmax::text = '0' AS inserted`,
  );
  return { written: rows.length, inserted: rows.filter((r) => r.inserted).map((r) => r.key) };
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
