import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnDef, Dataset, ForeignKeyDef, TableDef } from '../dataset/dataset.js';
import { foreignKeyOrder } from '../dataset/table-order.js';
import { PG_TYPE, pgKeyExpr, qualified } from '../hub/hub-schema.js';
import type { ReplicationScope } from './replication-types.js';

/**
 * SQL over the hub that computes a replication scope inside the caller's snapshot. A row scope is the
 * root row, then every row with a foreign key to a row already in scope, until nothing new is found (a
 * self-reference such as `users.parent_id` is followed too). Statements are complete texts (no bind
 * parameters) so they can run as `COPY (…) TO STDOUT`.
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

/**
 * `WITH [RECURSIVE] scope(tbl, key) AS (…)`: the scope's definition as one recursive query over the hub
 * tables in `schema`, row by row. Runs use the equivalent `scopeLayers`, which computes the same rows
 * table by table with set joins and is many times faster on large scopes.
 */
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

/** The CTE holding the rows of `t` in scope: their primary-key and foreign-key columns. */
function layer(t: TableDef): string {
  return q(`scope_${t.name}`);
}

/** The columns a layer carries: the primary key, then every foreign-key column. */
function carried(t: TableDef): string[] {
  return [...new Set([...t.primaryKey, ...(t.foreignKeys ?? []).flatMap((fk) => fk.columns)])];
}

/** `a.col = b.col` for each primary-key column of `t`. */
function samePk(t: TableDef, a: string, b: string): string {
  return t.primaryKey.map((c) => `${a}.${q(c)} = ${b}.${q(c)}`).join(' AND ');
}

/** `parent.<referenced> = child.<column>` for each column of a foreign key. */
function fkMatch(fk: ForeignKeyDef, parent: string, child: string): string {
  return fk.columns.map((col, i) => `${parent}.${q(fk.references.columns[i] as string)} = ${child}.${q(col)}`).join(' AND ');
}

/** The text key (as `pgKeyExpr` writes it) of the row a foreign key of the row `alias` points at. */
function referencedKeyExpr(fk: ForeignKeyDef, parent: TableDef, alias: string): string {
  const parts = parent.primaryKey.map((pk) => `${alias}.${q(fk.columns[fk.references.columns.indexOf(pk)] ?? pk)}::text`);
  return parts.length === 1 ? (parts[0] as string) : `array_to_json(ARRAY[${parts.join(', ')}])::text`;
}

/** The layers `table`'s rows need: every table with a foreign-key path to it, and itself if it references itself. */
function layersFor(ds: Dataset, table: string): Set<string> {
  const tables = byName(ds);
  const out = new Set<string>();
  const visit = (name: string): void => {
    for (const fk of tables.get(name)?.foreignKeys ?? []) {
      if (out.has(fk.references.table)) continue;
      out.add(fk.references.table);
      visit(fk.references.table);
    }
  };
  visit(table);
  return out;
}

/**
 * How a row of `t` enters a row scope other than through a self-reference, as conditions on alias `c`:
 * it is the root row, or one of its foreign keys points at a row in scope of an earlier table.
 */
function entries(t: TableDef, tables: Map<string, TableDef>, scope: { table: string; key: string }): string[] {
  const out = (t.foreignKeys ?? [])
    .filter((fk) => fk.references.table !== t.name)
    .map((fk) => `EXISTS (SELECT 1 FROM ${layer(tables.get(fk.references.table) as TableDef)} p WHERE ${fkMatch(fk, 'p', 'c')})`);
  if (t.name === scope.table) out.push(keyMatch(t, sqlText(scope.key), 'c', 'true'));
  return out;
}

/**
 * `SELECT <select> FROM t c` for the rows that enter through `conds`, one branch per condition and each
 * row in one branch only (branch i: condition i and none before it): semi- and anti-joins the planner
 * can hash, where one OR of conditions would not be.
 */
function enteringRows(schema: string, t: TableDef, select: string, conds: string[]): string {
  if (conds.length === 0) return `SELECT ${select} FROM ${qualified(schema, t.name)} c WHERE false`;
  return conds.map((cond, i) => `SELECT ${select} FROM ${qualified(schema, t.name)} c WHERE ${[`(${cond})`, ...conds.slice(0, i).map((e) => `NOT (${e})`)].join(' AND ')}`).join('\n  UNION ALL\n  ');
}

/**
 * `WITH RECURSIVE scope_<table>(…) AS (…), …` for a row scope: one CTE per table, in foreign-key order
 * (foreign keys between different tables never form a cycle: `foreignKeyOrder`). A table's rows in scope
 * are the root row (if it is the root's table) and every row whose foreign key points at a row in scope
 * of an earlier table, then, through a self-reference such as `users.parent_id`, every row pointing at
 * one of those, until nothing new is found. That is exactly the rows reachable from the root through
 * foreign keys (`scopeCte`), computed table by table with set joins rather than row by row. With `only`,
 * just the CTEs of those tables (they must include every ancestor of each).
 */
export function scopeLayers(ds: Dataset, schema: string, scope: { table: string; key: string }, only?: ReadonlySet<string>): string {
  const tables = byName(ds);
  if (!tables.has(scope.table)) throw new Error(`scope table ${scope.table} is not in dataset ${ds.name}`);
  const ctes: string[] = [];
  for (const name of foreignKeyOrder(ds)) {
    if (only && !only.has(name)) continue;
    const t = tables.get(name) as TableDef;
    const cols = carried(t);
    const select = cols.map((c) => `c.${q(c)}`).join(', ');
    const base = enteringRows(schema, t, select, entries(t, tables, scope));
    const selfRefs = (t.foreignKeys ?? []).filter((fk) => fk.references.table === t.name);
    const body =
      selfRefs.length === 0
        ? base
        : `${base}\n  UNION\n  SELECT ${select} FROM ${layer(t)} s JOIN ${qualified(schema, t.name)} c ON ${selfRefs.map((fk) => `(${fkMatch(fk, 's', 'c')})`).join(' OR ')}`;
    // Only a self-reference needs its rows computed once and kept (a recursive CTE always is); every other
    // layer is inlined where it is used, so the planner estimates its joins from the tables' statistics.
    ctes.push(`${layer(t)} (${cols.map(q).join(', ')}) AS ${selfRefs.length === 0 ? 'NOT ' : ''}MATERIALIZED (\n  ${body}\n)`);
  }
  return ctes.length === 0 ? '' : `WITH RECURSIVE ${ctes.join(',\n')}`;
}

/** `SELECT EXISTS (…) AS ok`: is the root row of a row scope on the hub? */
export function rootExistsSql(ds: Dataset, schema: string, scope: { table: string; key: string }): string {
  const root = byName(ds).get(scope.table);
  if (!root) throw new Error(`scope table ${scope.table} is not in dataset ${ds.name}`);
  return `SELECT EXISTS (SELECT 1 FROM ${qualified(schema, root.name)} r WHERE ${keyMatch(root, sqlText(scope.key), 'r', 'true')}) AS ok`;
}

/** Every (table, row key) of the scope: the text of a `COPY (…) TO STDOUT`. */
export function scopeKeysSql(ds: Dataset, schema: string, scope: ReplicationScope): string {
  if (scope.kind === 'all') return ds.tables.map((t) => `SELECT ${sqlText(t.name)}::text, ${pgKeyExpr(t, 'r')} FROM ${qualified(schema, t.name)} r`).join('\nUNION ALL\n');
  return `${scopeLayers(ds, schema, scope)}\n${ds.tables.map((t) => `SELECT ${sqlText(t.name)}::text, ${pgKeyExpr(t, 's')} FROM ${layer(t)} s`).join('\nUNION ALL\n')}`;
}

/**
 * The scope's rows of one table, replicated columns only. Only the table's ancestors are computed; a
 * table without a self-reference reads its rows straight from the entry conditions.
 */
export function scopedRowsSql(ds: Dataset, schema: string, scope: ReplicationScope, table: TableDef, columns: readonly ColumnDef[]): string {
  const cols = columns.map((c) => `c.${q(c.name)}`).join(', ');
  if (scope.kind === 'all') return `SELECT ${cols} FROM ${qualified(schema, table.name)} c`;
  const selfRef = (table.foreignKeys ?? []).some((fk) => fk.references.table === table.name);
  const layers = scopeLayers(ds, schema, scope, layersFor(ds, table.name));
  if (!selfRef) return `${layers}\n${enteringRows(schema, table, cols, entries(table, byName(ds), scope))}`;
  return `${layers}\nSELECT ${cols} FROM ${qualified(schema, table.name)} c WHERE EXISTS (SELECT 1 FROM ${layer(table)} s WHERE ${samePk(table, 's', 'c')})`;
}

/**
 * The rows of one table with the given keys (a JSON array literal inside the statement), replicated
 * columns only, after the expressions `leading` (over alias `t`) if any.
 */
export function rowsByKeysSql(schema: string, table: TableDef, columns: readonly ColumnDef[], keys: readonly string[], leading: readonly string[] = []): string {
  const cols = [...leading, ...columns.map((c) => `t.${q(c.name)}`)].join(', ');
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
  const counts = ds.tables.map((t) => `jsonb_build_object(${sqlText(t.name)}, (SELECT count(*) FROM ${layer(t)}))`);
  const tables = byName(ds);
  const checks = ds.tables.flatMap((child) =>
    (child.foreignKeys ?? []).flatMap((fk) => {
      const parent = tables.get(fk.references.table);
      // A row can only have entered a table that is not the root's and has one foreign key through that
      // key, so the row it points at is in scope: nothing to check.
      const onlyWayIn = child.name !== scope.table && (child.foreignKeys ?? []).length === 1 && parent?.name !== child.name;
      if (!parent || onlyWayIn) return [];
      return [
        `SELECT ${sqlText(child.name)} AS "table", ${pgKeyExpr(child, 'sc')} AS key, ${sqlText(parent.name)} AS "references", ${referencedKeyExpr(fk, parent, 'sc')} AS "referencedKey"
       FROM ${layer(child)} sc
       WHERE EXISTS (SELECT 1 FROM ${qualified(schema, parent.name)} p WHERE ${fkMatch(fk, 'p', 'sc')})
         AND NOT EXISTS (SELECT 1 FROM ${layer(parent)} sp WHERE ${fkMatch(fk, 'sp', 'sc')})`,
      ];
    }),
  );
  const dangling = checks.length > 0 ? `(SELECT coalesce(json_agg(d), '[]'::json) FROM (${checks.join('\nUNION ALL\n')} LIMIT 20) d)` : `'[]'::json`;
  return `${scopeLayers(ds, schema, scope)}
SELECT ${counts.join(' || ') || `'{}'::jsonb`} AS counts,
       ${dangling} AS dangling`;
}
