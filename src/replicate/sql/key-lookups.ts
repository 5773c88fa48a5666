import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { quoteIdent as q } from '../../core/quote-ident.js';
import type { ColumnDef, ForeignKeyDef, TableDef } from '../../dataset/dataset.js';
import { PG_TYPE, pgKeyExpr, pgKeyMatch, qualified } from '../../hub/hub-schema.js';
import { rowsByKeysSql } from '../scope-sql.js';

/**
 * Look-ups by lists of row keys (the feed's text form, `pgKeyExpr`), for an incremental run: each costs
 * O(keys asked) through a primary-key or foreign-key index, on the hub (inside the run's snapshot) or on
 * the target (inside the run's transaction) alike. Keys travel as one `text[]` parameter.
 */

function columnType(t: TableDef, column: string): string {
  return PG_TYPE[t.columns.find((c) => c.name === column)?.type ?? 'text'];
}

/**
 * The `text[]` parameter `param` as an array of `type`, through a sub-select so that the planner does not
 * see how many keys it holds: told 5,000 keys of a 400,000-row table, it chose a parallel sequential scan
 * (295 ms) over 5,000 index probes (16 ms). A look-up by key must cost O(keys), whatever the estimate.
 */
function keyArray(param: string, type: string): string {
  return `ARRAY(SELECT unnest(${param}::text[]))::${type}[]`;
}

/** `alias`'s row key is one of the keys in the `text[]` parameter `param`. */
export function keyIn(t: TableDef, alias: string, param: string): string {
  if (t.primaryKey.length === 1) {
    const pk = t.primaryKey[0] as string;
    return `${alias}.${q(pk)} = ANY (${keyArray(param, columnType(t, pk))})`;
  }
  return `EXISTS (SELECT 1 FROM unnest(${param}::text[]) AS k(k) WHERE ${pgKeyMatch(t, 'k.k', alias)})`;
}

/**
 * The key of the row that `fk` of row `alias` points at, in the parent's key form (`pgKeyExpr`), NULL
 * when any of its columns is NULL (such a reference points at nothing).
 */
export function referencedKey(fk: ForeignKeyDef, parent: TableDef, alias: string): string {
  const cols = parent.primaryKey.map((pk) => `${alias}.${q(fk.columns[fk.references.columns.indexOf(pk)] ?? pk)}`);
  const value = cols.length === 1 ? `${cols[0] as string}::text` : `array_to_json(ARRAY[${cols.map((c) => `${c}::text`).join(', ')}])::text`;
  return `CASE WHEN ${fk.columns.map((c) => `${alias}.${q(c)} IS NULL`).join(' OR ')} THEN NULL ELSE ${value} END`;
}

/** `alias`'s foreign key `fk` points at one of the parent keys in the `text[]` parameter `param`. */
function referencesOneOf(fk: ForeignKeyDef, child: TableDef, parent: TableDef, alias: string, param: string): string {
  if (parent.primaryKey.length === 1) {
    const col = fk.columns[0] as string;
    return `${alias}.${q(col)} = ANY (${keyArray(param, columnType(child, col))})`;
  }
  const match = fk.columns.map((col, i) => {
    const j = parent.primaryKey.indexOf(fk.references.columns[i] as string);
    return `${alias}.${q(col)} = (k.k::jsonb->>${j})::${columnType(child, col)}`;
  });
  return `EXISTS (SELECT 1 FROM unnest(${param}::text[]) AS k(k) WHERE ${match.join(' AND ')})`;
}

/** A row read by `readRowsByKey`: the keys it references, and its replicated columns as one COPY text line. */
export interface FetchedRow {
  refs: (string | null)[];
  line: string;
}

/**
 * The rows of `table` among `keys` that exist in `schema`, each with the key it references through each
 * of `fks` (in order) and its `columns` as a COPY text line (newline included), ready to COPY into a
 * stage: one read of each row serves both the scope decision and the write.
 */
export async function readRowsByKey(
  client: pg.ClientBase,
  schema: string,
  table: TableDef,
  fks: readonly { fk: ForeignKeyDef; parent: TableDef }[],
  columns: readonly ColumnDef[],
  keys: readonly string[],
): Promise<Map<string, FetchedRow>> {
  const leading = [pgKeyExpr(table, 't'), ...fks.map(({ fk, parent }) => referencedKey(fk, parent, 't'))];
  const out = client.query(copyTo(`COPY (${rowsByKeysSql(schema, table, columns, keys, leading)}) TO STDOUT`));
  const chunks: Buffer[] = [];
  for await (const chunk of out) chunks.push(chunk as Buffer);
  const rows = new Map<string, FetchedRow>();
  const text = Buffer.concat(chunks).toString('utf8');
  for (let start = 0, end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
    const fields = text.slice(start, end).split('\t');
    const line = `${fields.slice(leading.length).join('\t')}\n`;
    rows.set(copyValue(fields[0] as string) as string, { refs: fields.slice(1, leading.length).map((f) => copyValue(f)), line });
  }
  return rows;
}

/** A field of COPY text output as its value (`\N` is NULL; COPY escapes only backslash and control characters). */
function copyValue(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  const map: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
  return field.replace(/\\(.)/g, (_, c: string) => map[c] ?? c);
}

/** The keys among `keys` of rows `table` holds in `schema`. */
export async function presentKeys(client: pg.ClientBase, schema: string, table: TableDef, keys: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ key: string }>(`SELECT ${pgKeyExpr(table, 't')} AS key FROM ${qualified(schema, table.name)} t WHERE ${keyIn(table, 't', '$1')}`, [
    keys,
  ]);
  return rows.map((r) => r.key);
}

/** The keys of the rows of `child` in `schema` whose foreign key `fk` points at one of `parentKeys` (rows of `parent`). */
export async function childKeys(client: pg.ClientBase, schema: string, child: TableDef, fk: ForeignKeyDef, parent: TableDef, parentKeys: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ key: string }>(
    `SELECT ${pgKeyExpr(child, 'c')} AS key FROM ${qualified(schema, child.name)} c WHERE ${referencesOneOf(fk, child, parent, 'c', '$1')}`,
    [parentKeys],
  );
  return rows.map((r) => r.key);
}

/** Deletes the rows of `table` with these keys from `schema`; returns the keys of those that were there. */
export async function deleteKeys(client: pg.ClientBase, schema: string, table: TableDef, keys: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ key: string }>(`DELETE FROM ${qualified(schema, table.name)} t WHERE ${keyIn(table, 't', '$1')} RETURNING ${pgKeyExpr(table, 't')} AS key`, [
    keys,
  ]);
  return rows.map((r) => r.key);
}

/**
 * Up to 20 rows of the tables in `schema` whose foreign key points at a row the parent table there does
 * not hold (each non-NULL reference, every foreign key). Only run after adding the foreign keys failed: it
 * reads whole tables.
 */
export async function danglingReferences(
  client: pg.ClientBase,
  schema: string,
  tables: readonly TableDef[],
): Promise<{ table: string; key: string; references: string; referencedKey: string }[]> {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: { table: string; key: string; references: string; referencedKey: string }[] = [];
  for (const child of tables) {
    for (const fk of child.foreignKeys ?? []) {
      const parent = byName.get(fk.references.table);
      if (!parent || out.length >= 20) continue;
      const match = fk.columns.map((col, i) => `p.${q(fk.references.columns[i] as string)} = c.${q(col)}`).join(' AND ');
      const { rows } = await client.query<{ key: string; referenced: string }>(
        `SELECT ${pgKeyExpr(child, 'c')} AS key, ${referencedKey(fk, parent, 'c')} AS referenced FROM ${qualified(schema, child.name)} c
         WHERE ${fk.columns.map((col) => `c.${q(col)} IS NOT NULL`).join(' AND ')}
           AND NOT EXISTS (SELECT 1 FROM ${qualified(schema, parent.name)} p WHERE ${match}) LIMIT ${20 - out.length}`,
      );
      out.push(...rows.map((r) => ({ table: child.name, key: r.key, references: parent.name, referencedKey: r.referenced })));
    }
  }
  return out;
}
