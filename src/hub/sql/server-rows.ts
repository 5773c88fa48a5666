import type pg from 'pg';
import type { Row } from '../../core/row.js';
import { rowFromPg } from '../../dataset/canonical-value.js';
import type { TableDef } from '../../dataset/dataset.js';
import { pgKeyMatch, qualified } from '../hub-schema.js';

export interface ServerRow {
  hlc: string;
  origin: string | null;
  /** null when the row is deleted (tombstone) or absent. */
  row: Row | null;
}

/** The hub's current version of each of `keys` (absent keys are missing from the map). O(keys). */
export async function fetchServerRows(
  client: pg.ClientBase,
  schema: string,
  table: TableDef,
  keys: readonly string[],
): Promise<Map<string, ServerRow>> {
  const out = new Map<string, ServerRow>();
  if (keys.length === 0) return out;
  const { rows } = await client.query<{ row_key: string; hlc: string; origin: string | null; deleted: boolean; data: Record<string, unknown> | null }>(
    `SELECT v.row_key, v.hlc, v.origin, v.deleted, to_jsonb(t.*) AS data
     FROM lockstep.row_versions v LEFT JOIN ${qualified(schema, table.name)} t ON ${pgKeyMatch(table, 'v.row_key')}
     WHERE v.tbl = $1 AND v.row_key = ANY($2::text[])`,
    [table.name, keys],
  );
  for (const r of rows) {
    out.set(r.row_key, { hlc: r.hlc, origin: r.origin, row: r.deleted || r.data === null ? null : rowFromPg(table, r.data) });
  }
  return out;
}
