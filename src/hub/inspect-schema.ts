import type pg from 'pg';
import type { ColumnDef, TableDef } from '../dataset/dataset.js';
import { PG_TYPE } from './hub-schema.js';

/** One way an existing PostgreSQL table differs from what the dataset expects. */
export interface SchemaDifference {
  table: string;
  column?: string;
  problem: 'missing table' | 'missing column' | 'wrong type' | 'wrong nullability' | 'wrong primary key' | 'extra required column';
  expected?: string;
  actual?: string;
}

export function describeDifference(d: SchemaDifference): string {
  const where = d.column ? `${d.table}.${d.column}` : d.table;
  const detail = d.expected !== undefined ? ` (expected ${d.expected}${d.actual !== undefined ? `, found ${d.actual}` : ''})` : '';
  return `${where}: ${d.problem}${detail}`;
}

interface ColumnInfo {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

/**
 * Compares the tables in `schema` with the dataset's definitions. Missing tables are reported only when
 * `requireTables` is set (a target may have none yet). Extra nullable columns are allowed.
 */
export async function inspectSchema(
  client: pg.ClientBase,
  schema: string,
  tables: readonly { table: TableDef; columns: readonly ColumnDef[] }[],
  options: { requireTables: boolean },
): Promise<{ differences: SchemaDifference[]; existing: Set<string> }> {
  const names = tables.map((t) => t.table.name);
  const { rows } = await client.query<ColumnInfo>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = ANY($2::text[]) ORDER BY table_name, ordinal_position`,
    [schema, names],
  );
  const pk = await client.query<{ table_name: string; cols: string[] }>(
    `SELECT c.relname AS table_name, array_agg(a.attname::text ORDER BY k.ord) AS cols
     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE i.indisprimary AND n.nspname = $1 AND c.relname = ANY($2::text[]) GROUP BY c.relname`,
    [schema, names],
  );
  const pkByTable = new Map(pk.rows.map((r) => [r.table_name, r.cols]));
  const byTable = new Map<string, ColumnInfo[]>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r]);
  const differences: SchemaDifference[] = [];
  const existing = new Set(byTable.keys());
  for (const { table, columns } of tables) {
    const actual = byTable.get(table.name);
    if (!actual) {
      if (options.requireTables) differences.push({ table: table.name, problem: 'missing table' });
      continue;
    }
    const actualByName = new Map(actual.map((c) => [c.column_name, c]));
    for (const c of columns) {
      const a = actualByName.get(c.name);
      const type = PG_TYPE[c.type];
      if (!a) {
        differences.push({ table: table.name, column: c.name, problem: 'missing column', expected: type });
        continue;
      }
      if (a.data_type !== type) differences.push({ table: table.name, column: c.name, problem: 'wrong type', expected: type, actual: a.data_type });
      const nullable = c.nullable === true && !table.primaryKey.includes(c.name);
      if (!nullable && a.is_nullable === 'YES')
        differences.push({ table: table.name, column: c.name, problem: 'wrong nullability', expected: 'NOT NULL', actual: 'NULL allowed' });
      if (nullable && a.is_nullable === 'NO')
        differences.push({ table: table.name, column: c.name, problem: 'wrong nullability', expected: 'NULL allowed', actual: 'NOT NULL' });
    }
    const expectedCols = new Set(columns.map((c) => c.name));
    for (const a of actual) {
      if (!expectedCols.has(a.column_name) && a.is_nullable === 'NO' && a.column_default === null)
        differences.push({ table: table.name, column: a.column_name, problem: 'extra required column', actual: a.data_type });
    }
    const actualPk = pkByTable.get(table.name) ?? [];
    if (JSON.stringify(actualPk) !== JSON.stringify(table.primaryKey))
      differences.push({
        table: table.name,
        problem: 'wrong primary key',
        expected: `(${table.primaryKey.join(', ')})`,
        actual: actualPk.length ? `(${actualPk.join(', ')})` : 'none',
      });
  }
  return { differences, existing };
}
