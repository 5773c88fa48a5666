import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { LockstepError } from '../core/errors.js';

/** Called with the number of rows that just went through; a returned promise pauses the stream. */
export type RowsListener = (rows: number) => void | Promise<void>;

/** Counts COPY text rows (one newline each: newlines inside values are escaped) as they stream past. */
function rowCounter(onRows: RowsListener): Transform & { rows: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      let n = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
      counter.rows += n;
      const r = n > 0 ? onRows(n) : undefined;
      if (r) r.then(() => cb(null, chunk), cb);
      else cb(null, chunk);
    },
  }) as Transform & { rows: number };
  counter.rows = 0;
  return counter;
}

/**
 * Streams the rows of `select` on `source` into `copyIn` (a `COPY … FROM STDIN`) on `target`, in COPY
 * text format, without holding them in memory. Both sides use the same PostgreSQL types, so every value
 * (NULL, 0, '', JSON null, timestamps to the microsecond) arrives exactly as it left. Returns the rows
 * copied; fails if the target did not store exactly the rows the source sent (rows are never capped or
 * dropped silently). A read error on either side rejects.
 */
export async function pipeCopy(source: pg.ClientBase, select: string, target: pg.ClientBase, copyIn: string, onRows: RowsListener): Promise<number> {
  const out = source.query(copyTo(`COPY (${select}) TO STDOUT`));
  const counter = rowCounter(onRows);
  const into = target.query(copyFrom(copyIn));
  await pipeline(out, counter, into);
  if (into.rowCount !== counter.rows)
    throw new LockstepError('E_REPLICATION', `the source sent ${counter.rows} row(s) but the target stored ${into.rowCount}; nothing was committed`);
  return counter.rows;
}

/** A value in COPY text format (backslash escapes; NULL is `\N`). */
export function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Writes rows produced by `lines` (each a complete COPY text line) with one `COPY … FROM STDIN`. */
export async function copyLinesInto(target: pg.ClientBase, copyIn: string, lines: AsyncIterable<string> | Iterable<string>): Promise<number> {
  async function* chunks(): AsyncGenerator<string> {
    let buf = '';
    for await (const line of lines) {
      buf += line;
      if (buf.length >= 65_536) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  const into = target.query(copyFrom(copyIn));
  await pipeline(Readable.from(chunks()), into);
  return into.rowCount;
}
