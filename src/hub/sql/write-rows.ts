import type pg from 'pg';
import { quoteIdent as q } from '../../core/quote-ident.js';
import type { Row } from '../../core/row.js';
import type { TableDef } from '../../dataset/dataset.js';
import { keyParts } from '../../dataset/row-key.js';
import { PG_TYPE, qualified } from '../hub-schema.js';

export interface VersionWrite {
  key: string;
  hlc: string;
  deleted: boolean;
}

/** Records the versions a device writes, before the rows themselves, so the capture trigger keeps them. */
export async function upsertVersions(client: pg.ClientBase, table: string, origin: string, writes: readonly VersionWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await client.query(
    `INSERT INTO lockstep.row_versions AS v (tbl, row_key, hlc, origin, deleted)
     SELECT $1, k, h, $2, d FROM unnest($3::text[], $4::text[], $5::boolean[]) AS u(k, h, d)
     ON CONFLICT (tbl, row_key) DO UPDATE SET hlc = excluded.hlc, origin = excluded.origin, deleted = excluded.deleted,
       txid = pg_current_xact_id(), seq = nextval('lockstep.change_seq')`,
    [table, origin, writes.map((w) => w.key), writes.map((w) => w.hlc), writes.map((w) => w.deleted)],
  );
}

/** Inserts or replaces whole rows (columns of `columns`, default all). One statement per call. */
export async function upsertRows(
  client: pg.ClientBase,
  schema: string,
  table: TableDef,
  rows: readonly Row[],
  columns = table.columns.map((c) => c.name),
): Promise<void> {
  if (rows.length === 0) return;
  const target = qualified(schema, table.name);
  const cols = columns.map(q).join(', ');
  const nonKey = columns.filter((c) => !table.primaryKey.includes(c));
  const onConflict =
    nonKey.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${nonKey.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`;
  // The versions of these rows were written by `upsertVersions`; the capture trigger need not look again.
  // The setting is transaction-local: if the insert fails, the transaction (and the setting) is gone.
  await client.query(`SELECT set_config('lockstep.engine_upsert', 'on', true)`);
  await client.query(
    `INSERT INTO ${target} (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::${target}, $1::jsonb)
     ON CONFLICT (${table.primaryKey.map(q).join(', ')}) ${onConflict}`,
    [JSON.stringify(rows)],
  );
  await client.query(`SELECT set_config('lockstep.engine_upsert', 'off', true)`);
}

/** Deletes rows by key. Cascades follow the table's foreign keys. */
export async function deleteRows(client: pg.ClientBase, schema: string, table: TableDef, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const types = new Map(table.columns.map((c) => [c.name, PG_TYPE[c.type]]));
  const pkRecords = keys.map((k) => {
    const parts = keyParts(table, k);
    return Object.fromEntries(table.primaryKey.map((c, i) => [c, parts[i]]));
  });
  const recordType = table.primaryKey.map((c) => `${q(c)} ${types.get(c)}`).join(', ');
  const match = table.primaryKey.map((c) => `t.${q(c)} = k.${q(c)}`).join(' AND ');
  await client.query(
    `DELETE FROM ${qualified(schema, table.name)} t USING jsonb_to_recordset($1::jsonb) AS k(${recordType}) WHERE ${match}`,
    [JSON.stringify(pkRecords)],
  );
}
