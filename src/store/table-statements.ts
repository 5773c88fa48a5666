import type Database from 'better-sqlite3';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { Row } from '../core/row.js';
import { rowFromSqlite, toSqlite } from '../dataset/canonical-value.js';
import type { TableDef } from '../dataset/dataset.js';
import { keyParts } from '../dataset/row-key.js';

/** A row key split back into bindable key values, cast like the key columns. */
function keyMatch(t: TableDef, keyParam: string, alias: string): string {
  const types = new Map(t.columns.map((c) => [c.name, c.type]));
  const cast = (c: string, expr: string): string => (types.get(c) === 'integer' ? `CAST(${expr} AS INTEGER)` : expr);
  if (t.primaryKey.length === 1) {
    const c = t.primaryKey[0] as string;
    return `${alias}.${q(c)} = ${cast(c, keyParam)}`;
  }
  return t.primaryKey.map((c, i) => `${alias}.${q(c)} = ${cast(c, `json_extract(${keyParam}, '$[${i}]')`)}`).join(' AND ');
}

export interface PendingRaw {
  key: string;
  hlc: string;
  base: string | null;
  exists: boolean;
  /** The current row's values in the order of the table's columns (all NULL when it does not exist). */
  values: unknown[];
}

/** Leading columns of a pending-page row before the table's own: key, timestamp, base, exists. */
const PENDING_LEAD = 4;

/** Prepared statements for one dataset table in a device's SQLite file. */
export class TableStatements {
  private readonly pendingPage: Database.Statement;
  private readonly selectByKey: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(
    db: Database.Database,
    readonly table: TableDef,
  ) {
    const t = q(table.name);
    const cols = table.columns.map((c) => q(c.name));
    // Rows as arrays (no object per row), the table's columns named in the dataset's order.
    this.pendingPage = db
      .prepare(
        `SELECT p.row_key, p.hlc, p.base, (t.${q(table.primaryKey[0] as string)} IS NOT NULL), ${cols.map((c) => `t.${c}`).join(', ')}
         FROM _lockstep_pending p LEFT JOIN ${t} t ON ${keyMatch(table, 'p.row_key', 't')}
         WHERE p.tbl = ? AND p.row_key > ? ORDER BY p.row_key LIMIT ?`,
      )
      .raw(true);
    this.selectByKey = db.prepare(`SELECT * FROM ${t} t WHERE ${keyMatch(table, '@k', 't')}`);
    const nonKey = table.columns.filter((c) => !table.primaryKey.includes(c.name)).map((c) => q(c.name));
    const onConflict = nonKey.length ? `DO UPDATE SET ${nonKey.map((c) => `${c} = excluded.${c}`).join(', ')}` : 'DO NOTHING';
    this.upsert = db.prepare(
      `INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
       ON CONFLICT (${table.primaryKey.map(q).join(', ')}) ${onConflict}`,
    );
    this.remove = db.prepare(`DELETE FROM ${t} WHERE ${table.primaryKey.map((c) => `${q(c)} = ?`).join(' AND ')}`);
  }

  /** Up to `limit` pending changes of this table with keys after `afterKey`, joined with the current rows. */
  pending(afterKey: string, limit: number): PendingRaw[] {
    const raw = this.pendingPage.all(this.table.name, afterKey, limit) as unknown[][];
    return raw.map((r) => ({
      key: r[0] as string,
      hlc: r[1] as string,
      base: (r[2] as string | null) ?? null,
      exists: Number(r[3]) === 1,
      values: r.slice(PENDING_LEAD),
    }));
  }

  get(key: string): Row | null {
    const raw = this.selectByKey.get({ k: key }) as Record<string, unknown> | undefined;
    return raw ? rowFromSqlite(this.table, raw) : null;
  }

  put(row: Row): void {
    this.upsert.run(...this.table.columns.map((c) => toSqlite(c.type, row[c.name])));
  }

  delete(key: string): void {
    const parts = keyParts(this.table, key);
    this.remove.run(...parts);
  }
}
