/** A row as Lockstep carries it between SQLite, PostgreSQL and JSON: canonical values by column name. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Row = Record<string, JsonValue>;

/** JSON text with object keys sorted, so equal values always give equal text. */
export function stableStringify(value: JsonValue | undefined): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v)).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
}

export function valuesEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  return stableStringify(a) === stableStringify(b);
}

/** Columns whose values differ between two rows (a missing row counts as all-null). */
export function differingFields(a: Row | null, b: Row | null, columns: readonly string[]): string[] {
  return columns.filter((c) => !valuesEqual(a?.[c] ?? null, b?.[c] ?? null));
}

export function rowsEqual(a: Row | null, b: Row | null, columns: readonly string[]): boolean {
  if (a === null || b === null) return a === b;
  return differingFields(a, b, columns).length === 0;
}
