import type pg from 'pg';
import { quoteIdent as q } from '../../core/quote-ident.js';
import type { JsonValue, Row } from '../../core/row.js';
import type { ColumnType, TableDef } from '../../dataset/dataset.js';
import { qualified } from '../hub-schema.js';
import type { VersionWrite } from './write-rows.js';

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** Text in COPY's text format: backslash, tab, newline and carriage return escaped. */
function escapeCopy(s: string): string {
  // Most values (UUIDs, numbers, timestamps, plain text) hold none of the four: one test, no copy.
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** A value in COPY's text format (backslash escapes; `\N` is NULL). */
export function copyText(type: ColumnType | 'text', v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '\\N';
  if (type === 'boolean') return v ? 't' : 'f';
  return escapeCopy(type === 'json' ? JSON.stringify(v) : String(v));
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

/**
 * COPY data built in full before it is sent: CopyData protocol messages of about 64 KB each, written
 * straight into buffers (no long strings to flatten and encode, no copy when sending), small enough to
 * be allocated and freed without page faults.
 */
export type CopyPayload = readonly Buffer[];

const CHUNK = 65_536;
/** A CopyData message: 'd', then its length (Int32, counting itself), then the data. */
const HEADER = 5;

class PayloadBuilder {
  private readonly chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(CHUNK);
  private at = HEADER;

  add(line: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (this.at + line.length * 3 > this.buf.length) {
      this.flush();
      if (HEADER + line.length * 3 > CHUNK) this.buf = Buffer.allocUnsafe(HEADER + Buffer.byteLength(line));
    }
    this.at += this.buf.write(line, this.at);
  }

  finish(): CopyPayload {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.at === HEADER) return;
    this.buf[0] = 0x64;
    this.buf.writeUInt32BE(this.at - 1, 1);
    this.chunks.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.at = HEADER;
  }
}

/** The COPY data of `rows` (every column of `table`, in order). */
export function newRowsPayload(table: TableDef, rows: readonly Row[]): CopyPayload {
  const cols = table.columns;
  const last = cols.length - 1;
  const out = new PayloadBuilder();
  for (const r of rows) {
    let line = '';
    for (let c = 0; c < last; c++) {
      const col = cols[c] as TableDef['columns'][number];
      line += copyText(col.type, r[col.name]) + '\t';
    }
    const col = cols[last] as TableDef['columns'][number];
    out.add(line + copyText(col.type, r[col.name]) + '\n');
  }
  return out.finish();
}

/** The COPY data of the versions of rows the hub has never seen (columns of `copyNewVersions`). */
export function newVersionsPayload(table: string, origin: string, writes: readonly VersionWrite[]): CopyPayload {
  const prefix = `${escapeCopy(table)}\t`;
  const suffix = `\t${escapeCopy(origin)}\t`;
  const out = new PayloadBuilder();
  for (const w of writes) out.add(`${prefix}${escapeCopy(w.key)}\t${escapeCopy(w.hlc)}${suffix}${w.deleted ? 't' : 'f'}\n`);
  return out.finish();
}

/** What `pg` needs of a connection to run a COPY by hand. */
interface PgConnection {
  query(text: string): void;
  endCopyFrom(): void;
  stream: { write(chunk: Buffer): boolean };
}

/**
 * One `COPY … FROM STDIN` whose data is known in full when it starts: a `pg` submittable that sends
 * the statement, its data and the end of the data together, without waiting for the server's
 * CopyInResponse. The server finds the data already waiting, so it never idles until this process gets
 * round to answering (it may be busy preparing the next page). The protocol allows this: a server that
 * refuses the statement ignores the CopyData and CopyDone messages that follow it.
 */
class CopyInNow {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };

  constructor(
    readonly text: string,
    private readonly data: CopyPayload,
  ) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  submit(connection: PgConnection): void {
    connection.query(this.text);
    for (const message of this.data) connection.stream.write(message);
    connection.endCopyFrom();
  }

  handleCopyInResponse(): void {}
  handleCommandComplete(): void {}
  handleReadyForQuery(): void {
    this.callback(); // clears `pg`'s query timeout, if one is set
    this.settle.resolve();
  }
  handleError(err: unknown): void {
    this.callback();
    this.settle.reject(err);
  }
  /** Wrapped by `pg` when a query timeout is configured; called with the error when it expires. */
  callback(err?: unknown): void {
    if (err) this.settle.reject(err);
  }
}

function copyIn(client: pg.ClientBase, sql: string, data: CopyPayload): Promise<void> {
  const copy = new CopyInNow(sql, data);
  try {
    client.query(copy as unknown as pg.Submittable);
  } catch (e) {
    return Promise.reject(e);
  }
  return copy.done;
}

/**
 * Inserts rows the hub does not have yet, with COPY: the fast path of a large push. Fails with a unique
 * violation (and the run rolls back) if any of them exists after all. The caller has set
 * `lockstep.engine_upsert` (see `setEngineUpsert`): their versions are written by `copyNewVersions`.
 */
export function copyNewRows(client: pg.ClientBase, schema: string, table: TableDef, data: CopyPayload): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return copyIn(client, `COPY ${qualified(schema, table.name)} (${table.columns.map((c) => q(c.name)).join(', ')}) FROM STDIN`, data);
}

/** Records the versions of rows the hub has never seen, with COPY (data from `newVersionsPayload`). */
export function copyNewVersions(client: pg.ClientBase, data: CopyPayload): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return copyIn(client, 'COPY lockstep.row_versions (tbl, row_key, hlc, origin, deleted) FROM STDIN', data);
}

/**
 * Tells the hub's capture trigger whether the engine versions the rows it writes itself (`on`: rows
 * upserted or copied after their versions) or not (`off`: deletes, whose cascades must be recorded).
 * Transaction-local: a failed transaction takes the setting with it.
 */
export async function setEngineUpsert(client: pg.ClientBase, on: boolean): Promise<void> {
  await client.query(`SELECT set_config('lockstep.engine_upsert', $1, true)`, [on ? 'on' : 'off']);
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
