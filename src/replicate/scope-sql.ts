import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnDef, Dataset, TableDef } from '../dataset/dataset.js';
import { PG_TYPE, pgKeyExpr, qualified } from '../hub/hub-schema.js';
import type { ReplicationScope } from './replication-types.js';

/**
 * SQL over the hub that computes a replication scope inside the caller's snapshot. A row scope is a
 * recursive query: the root row, then every row with a foreign key to a row already in scope, until
 * nothing new is found (a self-reference such as `users.parent_id` is followed too). Statements are
 * complete texts (no bind parameters) so they can run as `COPY (…) TO STDOUT`.
 */

/** A string as an SQL literal that reads the same whatever `standard_conforming_strings` says. */
export function sqlText(s: string): string {
  return `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** `alias.col = <key part of keyExpr>` for each key column of `t`, the key read only when `guard` holds. */
function keyMatch(t: TableDef, keyExpr: string, alias: string, guard: string): string {
  const types = new Map(t.columns.map((c) => [c.name, PG_TYPE[c.type]]));
  const key = `(CASE WHEN ${guard} THEN ${keyExpr} END)`;
  if (t.primaryKey.length === 1) {
    const c = t.primaryKey[0] as string;
    return `${alias}.${q(c)} = ${key}::${types.get(c)}`;
  }
  return t.primaryKey.map((c, i) => `${alias}.${q(c)} = (${key}::jsonb->>${i})::${types.get(c)}`).join(' AND ');
}

function byName(ds: Dataset): Map<string, TableDef> {
  return new Map(ds.tables.map((t) => [t.name, t]));
}

interface Edge {
  child: TableDef;
  parent: TableDef;
  join: string;
}

/** Every foreign key as an edge parent → child, with the join condition `c` (child) to `p` (parent). */
function edges(ds: Dataset): Edge[] {
  const tables = byName(ds);
  const out: Edge[] = [];
  for (const child of ds.tables) {
    for (const fk of child.foreignKeys ?? []) {
      const parent = tables.get(fk.references.table);
      if (!parent) continue;
      const join = fk.columns.map((col, i) => `c.${q(col)} = p.${q(fk.references.columns[i] as string)}`).join(' AND ');
      out.push({ child, parent, join });
    }
  }
  return out;
}

/** `WITH [RECURSIVE] scope(tbl, key) AS (…)` for a scope over the hub tables in `schema`. */
export function scopeCte(ds: Dataset, schema: string, scope: ReplicationScope): string {
  if (scope.kind === 'all') {
    const parts = ds.tables.map((t) => `SELECT ${sqlText(t.name)}::text, ${pgKeyExpr(t, 'r')} FROM ${qualified(schema, t.name)} r`);
    return `WITH scope(tbl, key) AS (${parts.join('\nUNION ALL\n')})`;
  }
  const root = byName(ds).get(scope.table);
  if (!root) throw new Error(`scope table ${scope.table} is not in dataset ${ds.name}`);
  const start = `SELECT ${sqlText(root.name)}::text, ${pgKeyExpr(root, 'r')} FROM ${qualified(schema, root.name)} r WHERE ${keyMatch(root, sqlText(scope.key), 'r', 'true')}`;
  const steps = edges(ds).map(
    (e) =>
      `SELECT ${sqlText(e.child.name)}::text AS tbl, ${pgKeyExpr(e.child, 'c')} AS key
       FROM ${qualified(schema, e.parent.name)} p JOIN ${qualified(schema, e.child.name)} c ON ${e.join}
       WHERE s.tbl = ${sqlText(e.parent.name)} AND ${keyMatch(e.parent, 's.key', 'p', `s.tbl = ${sqlText(e.parent.name)}`)}`,
  );
  if (steps.length === 0) return `WITH scope(tbl, key) AS (${start})`;
  return `WITH RECURSIVE scope(tbl, key) AS (
  ${start}
  UNION
  SELECT x.tbl, x.key FROM scope s CROSS JOIN LATERAL (
    ${steps.join('\n    UNION ALL\n    ')}
  ) x
)`;
}

/** `SELECT EXISTS (…) AS ok`: is the root row of a row scope on the hub? */
export function rootExistsSql(ds: Dataset, schema: string, scope: { table: string; key: string }): string {
  const root = byName(ds).get(scope.table);
  if (!root) throw new Error(`scope table ${scope.table} is not in dataset ${ds.name}`);
  return `SELECT EXISTS (SELECT 1 FROM ${qualified(schema, root.name)} r WHERE ${keyMatch(root, sqlText(scope.key), 'r', 'true')}) AS ok`;
}

/** Every (table, row key) of the scope: the text of a `COPY (…) TO STDOUT`. */
export function scopeKeysSql(ds: Dataset, schema: string, scope: ReplicationScope): string {
  return `${scopeCte(ds, schema, scope)} SELECT tbl, key FROM scope`;
}

/** The scope's rows of one table, replicated columns only. */
export function scopedRowsSql(ds: Dataset, schema: string, scope: ReplicationScope, table: TableDef, columns: readonly ColumnDef[]): string {
  const cols = columns.map((c) => `t.${q(c.name)}`).join(', ');
  if (scope.kind === 'all') return `SELECT ${cols} FROM ${qualified(schema, table.name)} t`;
  return `${scopeCte(ds, schema, scope)}
SELECT ${cols} FROM ${qualified(schema, table.name)} t
WHERE EXISTS (SELECT 1 FROM scope s WHERE s.tbl = ${sqlText(table.name)} AND s.key = ${pgKeyExpr(table, 't')})`;
}

/** The rows of one table with the given keys (a JSON array literal inside the statement), replicated columns only. */
export function rowsByKeysSql(schema: string, table: TableDef, columns: readonly ColumnDef[], keys: readonly string[]): string {
  const cols = columns.map((c) => `t.${q(c.name)}`).join(', ');
  const list = `${sqlText(JSON.stringify(keys))}::jsonb`;
  if (table.primaryKey.length === 1) {
    const pk = table.primaryKey[0] as string;
    const type = PG_TYPE[table.columns.find((c) => c.name === pk)?.type ?? 'text'];
    return `SELECT ${cols} FROM ${qualified(schema, table.name)} t WHERE t.${q(pk)} = ANY (ARRAY(SELECT jsonb_array_elements_text(${list}))::${type}[])`;
  }
  return `SELECT ${cols} FROM ${qualified(schema, table.name)} t WHERE EXISTS (
  SELECT 1 FROM jsonb_array_elements_text(${list}) AS k(k) WHERE ${keyMatch(table, 'k.k', 't', 'true')})`;
}

/**
 * One statement returning `{counts, dangling}`: rows per table in scope, and up to 20 rows in scope with a
 * foreign key to a row outside it (a scope that is not closed: its copy would break the target's keys).
 */
export function scopeSummarySql(ds: Dataset, schema: string, scope: ReplicationScope): string {
  if (scope.kind === 'all') {
    const counts = ds.tables.map((t) => `jsonb_build_object(${sqlText(t.name)}, (SELECT count(*) FROM ${qualified(schema, t.name)}))`);
    return `SELECT ${counts.join(' || ') || `'{}'::jsonb`} AS counts, '[]'::json AS dangling`;
  }
  const checks = edges(ds).map(
    (e) =>
      `SELECT ${sqlText(e.child.name)} AS "table", ${pgKeyExpr(e.child, 'c')} AS key, ${sqlText(e.parent.name)} AS "references", ${pgKeyExpr(e.parent, 'p')} AS "referencedKey"
       FROM scope s JOIN ${qualified(schema, e.child.name)} c ON ${keyMatch(e.child, 's.key', 'c', `s.tbl = ${sqlText(e.child.name)}`)}
       JOIN ${qualified(schema, e.parent.name)} p ON ${e.join}
       WHERE s.tbl = ${sqlText(e.child.name)}
         AND NOT EXISTS (SELECT 1 FROM scope s2 WHERE s2.tbl = ${sqlText(e.parent.name)} AND s2.key = ${pgKeyExpr(e.parent, 'p')})`,
  );
  const dangling = checks.length > 0 ? `(SELECT coalesce(json_agg(d), '[]'::json) FROM (${checks.join('\nUNION ALL\n')} LIMIT 20) d)` : `'[]'::json`;
  return `${scopeCte(ds, schema, scope)}
SELECT (SELECT coalesce(jsonb_object_agg(tbl, n), '{}'::jsonb) FROM (SELECT tbl, count(*) AS n FROM scope GROUP BY tbl) c) AS counts,
       ${dangling} AS dangling`;
}
