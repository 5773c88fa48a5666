import type { ColumnDef, Dataset, TableDef } from '../dataset/dataset.js';
import { onDeleteSql } from '../dataset/on-delete-sql.js';
import { quoteIdent as q } from '../core/quote-ident.js';

const SQLITE_TYPE: Record<ColumnDef['type'], string> = {
  uuid: 'TEXT',
  text: 'TEXT',
  integer: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  timestamp: 'TEXT',
  json: 'TEXT',
};

/** Physical milliseconds since the epoch, in SQLite. */
const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/** Lockstep's own tables in a device's SQLite file. All names start with `_lockstep`. */
export const METADATA_DDL = `
CREATE TABLE IF NOT EXISTS _lockstep_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS _lockstep_clock (id INTEGER PRIMARY KEY CHECK (id = 1), node TEXT NOT NULL,
  wall INTEGER NOT NULL, counter INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS _lockstep_control (id INTEGER PRIMARY KEY CHECK (id = 1), capture INTEGER NOT NULL) STRICT;
INSERT OR IGNORE INTO _lockstep_control (id, capture) VALUES (1, 1);
CREATE TABLE IF NOT EXISTS _lockstep_pending (tbl TEXT NOT NULL, row_key TEXT NOT NULL, hlc TEXT NOT NULL,
  base TEXT, PRIMARY KEY (tbl, row_key)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _lockstep_inflight (run_id TEXT NOT NULL, tbl TEXT NOT NULL, row_key TEXT NOT NULL,
  hlc TEXT NOT NULL, base TEXT, PRIMARY KEY (tbl, row_key)) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _lockstep_conflicts (tbl TEXT NOT NULL, row_key TEXT NOT NULL, fields TEXT NOT NULL,
  base TEXT, local TEXT, server TEXT, server_hlc TEXT, detected_at TEXT NOT NULL, PRIMARY KEY (tbl, row_key)) STRICT;
CREATE TABLE IF NOT EXISTS _lockstep_log (id INTEGER PRIMARY KEY, operation TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT, result TEXT NOT NULL, counts TEXT, error TEXT) STRICT;
`;

function columnDdl(c: ColumnDef, table: TableDef): string {
  const parts = [q(c.name), SQLITE_TYPE[c.type]];
  const isKey = table.primaryKey.includes(c.name);
  if (!c.nullable || isKey) parts.push('NOT NULL');
  const n = q(c.name);
  if (c.type === 'uuid') parts.push(`CHECK (${n} IS NULL OR (length(${n}) = 36 AND ${n} = lower(${n})))`);
  if (c.type === 'boolean') parts.push(`CHECK (${n} IS NULL OR ${n} IN (0, 1))`);
  if (c.type === 'json') parts.push(`CHECK (${n} IS NULL OR json_valid(${n}))`);
  if (c.type === 'timestamp') parts.push(`CHECK (${n} IS NULL OR julianday(${n}) IS NOT NULL)`);
  return parts.join(' ');
}

/** CREATE TABLE for one dataset table in SQLite (STRICT, keys, foreign keys with their ON DELETE). */
export function tableDdl(t: TableDef): string {
  const lines = t.columns.map((c) => columnDdl(c, t));
  lines.push(`PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`);
  for (const fk of t.foreignKeys ?? []) {
    lines.push(
      `FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.references.table)} (${fk.references.columns
        .map(q)
        .join(', ')}) ON DELETE ${onDeleteSql(fk.onDelete)} DEFERRABLE INITIALLY DEFERRED`,
    );
  }
  const stmts = [`CREATE TABLE IF NOT EXISTS ${q(t.name)} (\n  ${lines.join(',\n  ')}\n) STRICT`];
  const indexes = [...(t.foreignKeys ?? []).map((fk) => fk.columns), ...(t.indexes ?? [])];
  for (const cols of indexes) {
    stmts.push(`CREATE INDEX IF NOT EXISTS ${q(`${t.name}_${cols.join('_')}_idx`)} ON ${q(t.name)} (${cols.map(q).join(', ')})`);
  }
  return stmts.join(';\n');
}

/** SQL expression of the row key (see `rowKeyOf`) over NEW or OLD. */
export function keyExpr(t: TableDef, ref: 'NEW' | 'OLD'): string {
  if (t.primaryKey.length === 1) return `CAST(${ref}.${q(t.primaryKey[0] as string)} AS TEXT)`;
  return `json_array(${t.primaryKey.map((c) => `CAST(${ref}.${q(c)} AS TEXT)`).join(', ')})`;
}

function rowJson(t: TableDef, ref: 'OLD'): string {
  return `json_object(${t.columns.map((c) => `'${c.name}', ${ref}.${q(c.name)}`).join(', ')})`;
}

const TICK = `UPDATE _lockstep_clock SET
    wall = CASE WHEN ${NOW_MS} > wall THEN ${NOW_MS} WHEN counter >= 99999 THEN wall + 1 ELSE wall END,
    counter = CASE WHEN ${NOW_MS} > wall THEN 0 WHEN counter >= 99999 THEN 0 ELSE counter + 1 END
    WHERE id = 1;`;
const HLC_NOW = `(SELECT printf('%015d-%05d-%s', wall, counter, node) FROM _lockstep_clock WHERE id = 1)`;
const CAPTURING = `(SELECT capture FROM _lockstep_control WHERE id = 1) = 1`;

/**
 * Triggers that record every write to a dataset table, by any program, in `_lockstep_pending`: the
 * row's key, a fresh hybrid-logical-clock timestamp, and (on its first change since the last sync) the
 * row as it was then, which is the base of the three-way merge.
 */
export function captureTriggersDdl(t: TableDef): string {
  const n = t.name;
  const pend = (ref: 'NEW' | 'OLD', base: string): string =>
    `INSERT INTO _lockstep_pending (tbl, row_key, hlc, base) VALUES ('${n}', ${keyExpr(t, ref)}, ${HLC_NOW}, ${base})
    ON CONFLICT (tbl, row_key) DO UPDATE SET hlc = excluded.hlc;`;
  const stmts = [
    `CREATE TRIGGER IF NOT EXISTS ${q(`_lockstep_${n}_ins`)} AFTER INSERT ON ${q(n)} WHEN ${CAPTURING}
  BEGIN ${TICK} ${pend('NEW', 'NULL')} END`,
    `CREATE TRIGGER IF NOT EXISTS ${q(`_lockstep_${n}_upd`)} AFTER UPDATE ON ${q(n)} WHEN ${CAPTURING}
  BEGIN ${TICK} ${pend('NEW', rowJson(t, 'OLD'))} END`,
    `CREATE TRIGGER IF NOT EXISTS ${q(`_lockstep_${n}_del`)} AFTER DELETE ON ${q(n)} WHEN ${CAPTURING}
  BEGIN ${TICK} ${pend('OLD', rowJson(t, 'OLD'))} END`,
    `CREATE TRIGGER IF NOT EXISTS ${q(`_lockstep_${n}_key`)} BEFORE UPDATE OF ${t.primaryKey.map(q).join(', ')} ON ${q(n)}
  WHEN ${t.primaryKey.map((c) => `OLD.${q(c)} IS NOT NEW.${q(c)}`).join(' OR ')}
  BEGIN SELECT RAISE(ABORT, 'lockstep: the primary key of ${n} cannot change; delete the row and insert a new one'); END`,
  ];
  if (t.policy === 'append') {
    stmts.push(`CREATE TRIGGER IF NOT EXISTS ${q(`_lockstep_${n}_append`)} BEFORE UPDATE ON ${q(n)}
  BEGIN SELECT RAISE(ABORT, 'lockstep: ${n} is append-only; its rows cannot be updated'); END`);
  }
  return stmts.join(';\n');
}

/** The whole dataset's DDL for a device: tables, indexes, change capture and views. */
export function datasetDdl(ds: Dataset, order: readonly string[]): string {
  const byName = new Map(ds.tables.map((t) => [t.name, t]));
  const parts: string[] = [];
  for (const name of order) {
    const t = byName.get(name);
    if (t) parts.push(tableDdl(t), captureTriggersDdl(t));
  }
  for (const v of ds.views ?? []) parts.push(`CREATE VIEW IF NOT EXISTS ${q(v.name)} AS ${v.sql}`);
  return parts.join(';\n') + ';';
}
