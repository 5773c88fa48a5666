import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent as q } from '../../core/quote-ident.js';
import type { JsonValue, Row } from '../../core/row.js';
import type { ColumnType, TableDef } from '../../dataset/dataset.js';
import { qualified } from '../hub-schema.js';
import type { VersionWrite } from './write-rows.js';

/** A value in COPY's text format (backslash escapes; `\N` is NULL). */
export function copyText(type: ColumnType | 'text', v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = type === 'json' ? JSON.stringify(v) : type === 'boolean' ? (v ? 't' : 'f') : String(v);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Groups lines into chunks of about 64 KB: one socket write per chunk, not per row. */
export function* chunked(lines: Iterable<string>, size = 65_536): Generator<string> {
  let buf = '';
  for (const line of lines) {
    buf += line;
    if (buf.length >= size) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

async function copyLines(client: pg.ClientBase, sql: string, lines: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(chunked(lines)), client.query(copyFrom(sql)));
}

/**
 * Inserts rows the hub does not have yet, with COPY: the fast path of a large push. Fails with a unique
 * violation (and the run rolls back) if any of them exists after all.
 */
export async function copyNewRows(client: pg.ClientBase, schema: string, table: TableDef, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = table.columns;
  await client.query(`SELECT set_config('lockstep.engine_upsert', 'on', true)`);
  await copyLines(
    client,
    `COPY ${qualified(schema, table.name)} (${cols.map((c) => q(c.name)).join(', ')}) FROM STDIN`,
    (function* () {
      for (const r of rows) yield `${cols.map((c) => copyText(c.type, r[c.name])).join('\t')}\n`;
    })(),
  );
  await client.query(`SELECT set_config('lockstep.engine_upsert', 'off', true)`);
}

/** Records the versions of rows the hub has never seen, with COPY. */
export async function copyNewVersions(client: pg.ClientBase, table: string, origin: string, writes: readonly VersionWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await copyLines(
    client,
    'COPY lockstep.row_versions (tbl, row_key, hlc, origin, deleted) FROM STDIN',
    (function* () {
      for (const w of writes) yield `${copyText('text', table)}\t${copyText('text', w.key)}\t${copyText('text', w.hlc)}\t${copyText('text', origin)}\t${w.deleted ? 't' : 'f'}\n`;
    })(),
  );
}

/** True if the hub has never held a row of `table` (so every key of a push is new). */
export async function tableIsNewOnHub(client: pg.ClientBase, table: string): Promise<boolean> {
  // ORDER BY the key makes this one probe of the primary-key index, never a scan.
  const { rowCount } = await client.query('SELECT 1 FROM lockstep.row_versions WHERE tbl = $1 ORDER BY tbl, row_key LIMIT 1', [table]);
  return (rowCount ?? 0) === 0;
}

/** COPY FROM is refused where row-level security applies to the caller (scoped hubs); INSERT is used then. */
export async function copyAllowed(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ rls: boolean }>(`SELECT row_security_active('lockstep.row_versions') AS rls`);
  return rows[0]?.rls !== true;
}
