import type Database from 'better-sqlite3';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnType, TableDef } from '../dataset/dataset.js';

/** Bound parameters per statement: within SQLite's most conservative limit (999). */
const MAX_PARAMS = 999;
const MAX_ROWS = 200;

type SqliteValue = string | number | null;

/** A non-NULL value in PostgreSQL's text output as better-sqlite3 binds it (see `toSqlite`). */
function fromPgText(type: ColumnType): (s: string) => SqliteValue {
  switch (type) {
    case 'integer':
    case 'real':
      return Number;
    case 'boolean':
      return (s) => (s === 't' ? 1 : 0);
    case 'json':
      return (s) => {
        const v = JSON.parse(s) as unknown;
        return v === null ? null : JSON.stringify(v); // JSON null is stored as NULL, as everywhere else
      };
    default:
      return (s) => s; // uuid, text, and timestamps the query already printed in canonical form
  }
}

/**
 * Writes many rows of one table with multi-row `INSERT … ON CONFLICT` statements, prepared once: one
 * statement (and one statement journal) per few hundred rows instead of per row, and no object per
 * row. Rows arrive as PostgreSQL text values. The caller holds the transaction and turns capture off
 * around `flush` (see `LocalStore.withoutCapture`).
 */
export class BulkInsert {
  private readonly perStatement: number;
  private readonly full: Database.Statement;
  private readonly convert: ((s: string) => SqliteValue)[];
  private readonly values: SqliteValue[];
  private count = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly table: TableDef,
  ) {
    this.convert = table.columns.map((c) => fromPgText(c.type));
    this.perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / table.columns.length)));
    this.full = db.prepare(this.sql(this.perStatement));
    this.values = new Array<SqliteValue>(this.perStatement * table.columns.length).fill(null);
  }

  /** Rows added and not yet written. */
  get buffered(): number {
    return this.count;
  }

  /** Adds one row: `fields[from + i]` is column `i` as PostgreSQL text (`null` for NULL). Writes every full statement's worth. */
  add(fields: readonly (string | null)[], from: number): void {
    const n = this.convert.length;
    let at = this.count * n;
    for (let i = 0; i < n; i++) {
      const raw = fields[from + i] ?? null;
      this.values[at++] = raw === null ? null : (this.convert[i] as (s: string) => SqliteValue)(raw);
    }
    if (++this.count === this.perStatement) {
      this.full.run(this.values);
      this.count = 0;
    }
  }

  /** Writes the rows still buffered. */
  flush(): void {
    if (this.count === 0) return;
    const n = this.convert.length;
    this.db.prepare(this.sql(this.count)).run(this.values.slice(0, this.count * n));
    this.count = 0;
  }

  private sql(rows: number): string {
    const t = this.table;
    const cols = t.columns.map((c) => q(c.name));
    const tuple = `(${cols.map(() => '?').join(', ')})`;
    const nonKey = t.columns.filter((c) => !t.primaryKey.includes(c.name)).map((c) => q(c.name));
    const onConflict = nonKey.length ? `DO UPDATE SET ${nonKey.map((c) => `${c} = excluded.${c}`).join(', ')}` : 'DO NOTHING';
    return `INSERT INTO ${q(t.name)} (${cols.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}
      ON CONFLICT (${t.primaryKey.map(q).join(', ')}) ${onConflict}`;
  }
}
