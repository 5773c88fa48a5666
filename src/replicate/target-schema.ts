import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnDef, Dataset, TableDef } from '../dataset/dataset.js';
import { onDeleteSql } from '../dataset/on-delete-sql.js';
import { foreignKeyOrder } from '../dataset/table-order.js';
import { PG_TYPE, pgTableDdl, qualified } from '../hub/hub-schema.js';
import { describeDifference, inspectSchema, type SchemaDifference } from '../hub/inspect-schema.js';

/** Lockstep's one bookkeeping table in the target schema: what each replication last committed there. */
export const STATE_TABLE = 'lockstep_replication_state';

/** The columns replication copies: all but those the dataset marks sensitive. */
export function replicatedColumns(t: TableDef): ColumnDef[] {
  return t.columns.filter((c) => c.sensitive !== true);
}

/** The dataset's tables in foreign-key order, each with its replicated columns. */
export function targetTables(ds: Dataset): { table: TableDef; columns: ColumnDef[] }[] {
  const byName = new Map(ds.tables.map((t) => [t.name, t]));
  return foreignKeyOrder(ds).map((name) => {
    const table = byName.get(name) as TableDef;
    return { table, columns: replicatedColumns(table) };
  });
}

export function stateTableDdl(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, STATE_TABLE)} (
  config_id uuid PRIMARY KEY,
  hub_id text NOT NULL,
  cursor_txid text NOT NULL,
  cursor_seq text NOT NULL,
  run_id uuid NOT NULL,
  replicated_at timestamptz NOT NULL DEFAULT now()
)`;
}

/**
 * Every statement that creates the target schema by hand (what `replicate schema --print` shows): the
 * schema, the tables in foreign-key order without sensitive columns, their keys, foreign keys and indexes,
 * and the bookkeeping table.
 *
 * @example
 * console.log(targetDdl(learning, 'learning').join(';\n') + ';');
 */
export function targetDdl(ds: Dataset, schema: string): string[] {
  const out = [`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`];
  for (const { table, columns } of targetTables(ds)) out.push(...pgTableDdl(schema, table, { columns }));
  out.push(stateTableDdl(schema));
  return out;
}

/** What `prepareTarget` did. */
export interface PreparedTarget {
  createdSchema: boolean;
  createdTables: string[];
  /** Columns added with `migrate`; tables holding them are refreshed in full by the run. */
  addedColumns: { table: string; column: string; notNull: boolean }[];
}

/** Raises E_SCHEMA_MISMATCH listing every difference; nothing is changed. */
export function schemaMismatch(schema: string, differences: SchemaDifference[], migratable: boolean): LockstepError {
  const hint = migratable
    ? 'add the missing columns yourself, or run with migrate (--migrate) to let Lockstep add them'
    : 'Lockstep never alters your tables: fix them by hand (see `lockstep replicate schema --print`) or use another target schema';
  return new LockstepError(
    'E_SCHEMA_MISMATCH',
    `the tables in schema "${schema}" of the target differ from what replication writes; ${hint}:\n${differences.map((d) => `  ${describeDifference(d)}`).join('\n')}`,
    { details: { differences } },
  );
}

/** Compares the target with the dataset: the differences, and which tables exist. Reads only. */
export async function inspectTarget(client: pg.ClientBase, ds: Dataset, schema: string): Promise<{ differences: SchemaDifference[]; existing: Set<string> }> {
  return inspectSchema(client, schema, targetTables(ds), { requireTables: false });
}

/**
 * Inside the caller's target transaction: creates what is missing (schema, tables with keys, foreign keys
 * and indexes, the bookkeeping table). Tables that exist but differ fail E_SCHEMA_MISMATCH listing every
 * difference, before anything is written — except missing columns when `migrate` is set, which are added
 * (nullable; `finishMigration` sets NOT NULL once the rows are filled). Existing tables are never dropped,
 * truncated or otherwise altered.
 */
export async function prepareTarget(client: pg.ClientBase, ds: Dataset, schema: string, opts: { migrate: boolean }): Promise<PreparedTarget> {
  const has = await client.query<{ ok: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS ok', [schema]);
  const createdSchema = has.rows[0]?.ok !== true;
  if (createdSchema) await client.query(`CREATE SCHEMA ${q(schema)}`);
  const { differences, existing } = await inspectTarget(client, ds, schema);
  const missing = differences.filter((d) => d.problem === 'missing column');
  const blocking = differences.filter((d) => d.problem !== 'missing column' || !opts.migrate);
  if (blocking.length > 0) throw schemaMismatch(schema, differences, missing.length > 0 && missing.length === differences.length);
  const createdTables: string[] = [];
  for (const { table, columns } of targetTables(ds)) {
    if (existing.has(table.name)) continue;
    await client.query(bareTableDdl(schema, table, columns));
    createdTables.push(table.name);
  }
  const addedColumns: PreparedTarget['addedColumns'] = [];
  for (const d of missing) {
    const table = ds.tables.find((t) => t.name === d.table) as TableDef;
    const col = table.columns.find((c) => c.name === d.column) as ColumnDef;
    await client.query(`ALTER TABLE ${qualified(schema, table.name)} ADD COLUMN ${q(col.name)} ${PG_TYPE[col.type]}`);
    addedColumns.push({ table: table.name, column: col.name, notNull: col.nullable !== true || table.primaryKey.includes(col.name) });
  }
  const state = await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified(schema, STATE_TABLE)]);
  if (state.rows[0]?.ok !== true) await client.query(stateTableDdl(schema));
  return { createdSchema, createdTables, addedColumns };
}

/**
 * A table this run creates, with its columns only: its primary key, foreign keys and indexes come from
 * `finishCreatedTables` once the rows are in, as `pg_dump` does — one index build and one check per
 * constraint instead of a check and index updates per row. Nobody sees the table before the run commits.
 */
function bareTableDdl(schema: string, t: TableDef, columns: readonly ColumnDef[]): string {
  // The same columns as `pgTableDdl`: NOT NULL unless nullable, and always for key columns.
  const cols = columns.map((c) => `${q(c.name)} ${PG_TYPE[c.type]}${c.nullable !== true || t.primaryKey.includes(c.name) ? ' NOT NULL' : ''}`);
  return `CREATE TABLE ${qualified(schema, t.name)} (\n  ${cols.join(',\n  ')}\n)`;
}

/**
 * After the rows are copied: the primary keys, then the foreign keys (deferrable, initially deferred) and
 * indexes of the tables `prepareTarget` created, so that they end up exactly as `pgTableDdl` declares
 * them (constraint and index names included). Duplicate keys or references to missing rows fail here,
 * inside the run's transaction.
 */
export async function finishCreatedTables(client: pg.ClientBase, ds: Dataset, schema: string, prepared: PreparedTarget): Promise<void> {
  const created = targetTables(ds).filter(({ table }) => prepared.createdTables.includes(table.name));
  for (const { table } of created) {
    await client.query(`ALTER TABLE ${qualified(schema, table.name)} ADD PRIMARY KEY (${table.primaryKey.map(q).join(', ')})`);
  }
  for (const { table, columns } of created) {
    for (const fk of table.foreignKeys ?? []) {
      await client.query(
        `ALTER TABLE ${qualified(schema, table.name)} ADD FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${qualified(schema, fk.references.table)} ` +
          `(${fk.references.columns.map(q).join(', ')}) ON DELETE ${onDeleteSql(fk.onDelete)} DEFERRABLE INITIALLY DEFERRED`,
      );
    }
    for (const stmt of pgTableDdl(schema, table, { columns }).slice(1)) await client.query(stmt);
  }
}

/** After the rows are copied: NOT NULL on the columns `migrate` added, as the dataset declares them. */
export async function finishMigration(client: pg.ClientBase, schema: string, prepared: PreparedTarget): Promise<void> {
  for (const a of prepared.addedColumns) {
    if (a.notNull) await client.query(`ALTER TABLE ${qualified(schema, a.table)} ALTER COLUMN ${q(a.column)} SET NOT NULL`);
  }
}
