import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { quoteIdent as q } from '../../core/quote-ident.js';
import type { ColumnDef, TableDef } from '../../dataset/dataset.js';
import { pgKeyMatch, qualified } from '../hub-schema.js';
import { CopyTextReader } from './copy-text-reader.js';
import type { FeedCursor } from './feed.js';

/** What a table's part of the feed holds between a cursor and a bound. */
export interface TableFeedSummary {
  /** The last entry in feed order, or null when there is none. */
  last: FeedCursor | null;
  /** The largest timestamp among the entries (tombstones and this device's own pushes included). */
  maxHlc: string | null;
}

/**
 * The last entry and the largest timestamp of `table`'s feed entries after `after` and below `bound`.
 * Cost: one pass over the table's entries (this is for a table read whole, see `streamFreshTableRows`).
 */
export async function readTableFeedSummary(client: pg.ClientBase, table: string, after: FeedCursor, bound: string): Promise<TableFeedSummary> {
  const { rows } = await client.query<{ hlc: string | null; txid: string | null; seq: string | null }>(
    `SELECT s.hlc, s.txid::text AS txid,
       (SELECT max(v.seq) FROM lockstep.row_versions v
        WHERE v.txid = s.txid AND v.tbl = $1 AND (v.txid, v.seq) > ($2::xid8, $3::bigint))::text AS seq
     FROM (SELECT max(v.hlc) AS hlc, max(v.txid) AS txid FROM lockstep.row_versions v
           WHERE v.tbl = $1 AND (v.txid, v.seq) > ($2::xid8, $3::bigint) AND v.txid < $4::xid8) s`,
    [table, after.txid, after.seq, bound],
  );
  const r = rows[0];
  return { last: r?.txid && r.seq ? { txid: r.txid, seq: r.seq } : null, maxHlc: r?.hlc ?? null };
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function digits(s: string): string {
  if (!/^\d+$/.test(s)) throw new Error(`not a feed position: ${s}`);
  return s;
}

/** A column as COPY should print it for the device: timestamps already in the canonical ISO form. */
function selectColumn(c: ColumnDef): string {
  const col = `t.${q(c.name)}`;
  if (c.type === 'timestamp')
    return `COALESCE(to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ${col}::text)`;
  return col;
}

/** Key columns in the order SQLite keeps them (text compared byte by byte, like UUIDs and integers). */
function orderColumn(c: ColumnDef): string {
  return c.type === 'text' ? `t.${q(c.name)} COLLATE "C"` : `t.${q(c.name)}`;
}

export interface FreshRowsQuery {
  client: pg.ClientBase;
  schema: string;
  table: TableDef;
  after: FeedCursor;
  bound: string;
  /** This device: rows whose latest version is its own push are left out (they are already here). */
  deviceId: string;
}

/**
 * Streams, with one `COPY (SELECT …) TO STDOUT`, every live row of `table` whose feed entry lies after
 * `after` and below `bound` and is not this device's own push: the hub's current version, read in the
 * same statement as the feed entries, in primary-key order (so a device inserts into its key index in
 * order). For a table the device holds nothing of (see `fresh-table-pull.ts`). Never holds the table:
 * `onLine` gets the fields of one line at a time, `[hlc, rowKey, ...columns]` as text (`null` for
 * NULL), in an array reused for the next line. `eachChunk` wraps the synchronous handling of each
 * chunk's lines (the device turns change capture off only there, never across an await). Resolves
 * once the server has sent everything; if `onLine` throws, the rest is still read (so the connection
 * stays usable) and the error is thrown.
 */
export async function streamFreshTableRows(
  x: FreshRowsQuery,
  onLine: (fields: (string | null)[]) => void,
  eachChunk: (work: () => void) => void = (work) => work(),
): Promise<void> {
  const { table } = x;
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const sql = `COPY (
    SELECT v.hlc, v.row_key, ${table.columns.map(selectColumn).join(', ')}
    FROM ${qualified(x.schema, table.name)} t
    JOIN lockstep.row_versions v ON v.tbl = ${literal(table.name)} AND ${pgKeyMatch(table, 'v.row_key')}
    WHERE NOT v.deleted AND v.origin IS DISTINCT FROM ${literal(x.deviceId)}
      AND (v.txid, v.seq) > (${literal(digits(x.after.txid))}::xid8, ${digits(x.after.seq)}) AND v.txid < ${literal(digits(x.bound))}::xid8
    ORDER BY ${table.primaryKey.map((c) => orderColumn(byName.get(c) as ColumnDef)).join(', ')}
  ) TO STDOUT`;
  let failed: { error: unknown } | undefined;
  const reader = new CopyTextReader(2 + table.columns.length, onLine);
  const stream = x.client.query(copyTo(sql));
  for await (const chunk of stream) {
    if (failed) continue; // drain: the connection is usable again only once COPY has finished
    try {
      eachChunk(() => reader.push(chunk as Buffer));
    } catch (e) {
      failed = { error: e };
    }
  }
  if (failed) throw failed.error;
  reader.end();
}
