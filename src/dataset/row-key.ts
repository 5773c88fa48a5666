import type { JsonValue, Row } from '../core/row.js';
import type { TableDef } from './dataset.js';

/**
 * The stable text identity of a row: its primary-key value, or for a composite key the JSON array of
 * the key values as text. SQLite triggers and PostgreSQL compute the same text (see the spec).
 *
 * @example
 * rowKeyOf(students, { id: 'a0…', name: 'Ann' }); // 'a0…'
 * rowKeyOf(studentTags, { student_id: 's', tag_id: 't' }); // '["s","t"]'
 */
export function rowKeyOf(table: TableDef, row: Row): string {
  const values = table.primaryKey.map((c) => keyText(row[c]));
  return values.length === 1 ? (values[0] as string) : JSON.stringify(values);
}

/** The primary-key values (as text) encoded in a row key. */
export function keyParts(table: TableDef, key: string): string[] {
  if (table.primaryKey.length === 1) return [key];
  const parsed: unknown = JSON.parse(key);
  if (!Array.isArray(parsed) || parsed.length !== table.primaryKey.length) throw new Error(`bad key ${key} for ${table.name}`);
  return parsed.map(String);
}

function keyText(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

/**
 * The rows `row` references through its foreign keys, as (table, row key); a reference with a NULL
 * column references nothing.
 *
 * @example
 * parentKeysOf(scoreEvents, event, (n) => byName[n]); // [{ table: 'students', key: 'a0…' }]
 */
export function parentKeysOf(table: TableDef, row: Row, tableOf: (name: string) => TableDef): { table: string; key: string }[] {
  const out: { table: string; key: string }[] = [];
  for (const fk of table.foreignKeys ?? []) {
    const values = fk.columns.map((c) => row[c]);
    if (values.some((v) => v === null || v === undefined)) continue;
    if (values.length === 1) {
      out.push({ table: fk.references.table, key: keyText(values[0]) }); // a one-column key is its value as text
      continue;
    }
    const parent = tableOf(fk.references.table);
    out.push({ table: parent.name, key: rowKeyOf(parent, Object.fromEntries(fk.references.columns.map((rc, i) => [rc, values[i] ?? null]))) });
  }
  return out;
}
