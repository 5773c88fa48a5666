import type { JsonValue, Row } from '../core/row.js';
import type { ColumnType, TableDef } from './dataset.js';

/** SQLite's raw value (what better-sqlite3 returns or json_object() holds) as Lockstep's canonical value. */
export function fromSqlite(type: ColumnType, raw: unknown): JsonValue {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'boolean':
      return raw === 1 || raw === true || raw === '1' || raw === 'true';
    case 'integer':
    case 'real':
      return typeof raw === 'bigint' ? Number(raw) : Number(raw);
    case 'timestamp':
      return canonicalTimestamp(raw);
    case 'json':
      if (typeof raw !== 'string') return raw as JsonValue;
      try {
        return JSON.parse(raw) as JsonValue;
      } catch {
        return raw;
      }
    default:
      return String(raw);
  }
}

/** A PostgreSQL value (as `to_jsonb` gives it) as Lockstep's canonical value. */
export function fromPg(type: ColumnType, raw: unknown): JsonValue {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'boolean':
      return raw === true || raw === 't';
    case 'integer':
    case 'real':
      return Number(raw);
    case 'timestamp':
      return canonicalTimestamp(raw);
    case 'json':
      return raw as JsonValue;
    default:
      return String(raw);
  }
}

/** A canonical value as better-sqlite3 binds it. */
export function toSqlite(type: ColumnType, v: JsonValue | undefined): string | number | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'boolean':
      return v === true ? 1 : 0;
    case 'json':
      return JSON.stringify(v);
    case 'integer':
    case 'real':
      return Number(v);
    default:
      return String(v);
  }
}

/** ISO-8601 UTC with milliseconds, the one text form timestamps take everywhere. */
export function canonicalTimestamp(raw: unknown): string {
  const d = raw instanceof Date ? raw : new Date(String(raw));
  return Number.isNaN(d.getTime()) ? String(raw) : d.toISOString();
}

export function rowFromSqlite(table: TableDef, raw: Record<string, unknown>): Row {
  const out: Row = {};
  for (const c of table.columns) out[c.name] = fromSqlite(c.type, raw[c.name]);
  return out;
}

/** `rowFromSqlite` for values listed in the order of the table's columns. */
export function rowFromSqliteValues(table: TableDef, values: readonly unknown[]): Row {
  const out: Row = {};
  const cols = table.columns;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i] as TableDef['columns'][number];
    out[c.name] = fromSqlite(c.type, values[i]);
  }
  return out;
}

export function rowFromPg(table: TableDef, raw: Record<string, unknown>): Row {
  const out: Row = {};
  for (const c of table.columns) out[c.name] = fromPg(c.type, raw[c.name]);
  return out;
}
