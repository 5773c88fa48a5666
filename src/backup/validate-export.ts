import { LockstepError } from '../core/errors.js';
import type { JsonValue, Row } from '../core/row.js';
import type { ColumnDef, Dataset } from '../dataset/dataset.js';
import { rowKeyOf } from '../dataset/row-key.js';
import { foreignKeyOrder } from '../dataset/table-order.js';
import { ExportChecksum, type ExportFile } from './export-format.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function bad(message: string, details?: Record<string, unknown>): LockstepError {
  return new LockstepError('E_IMPORT_INVALID', `the import file ${message}; nothing was changed`, details ? { details } : {});
}

function checkValue(c: ColumnDef, v: JsonValue | undefined, where: string): void {
  if (v === undefined) throw bad(`lacks column ${where}`);
  if (v === null) {
    if (!c.nullable) throw bad(`has NULL in the required column ${where}`);
    return;
  }
  const ok =
    c.type === 'uuid'
      ? typeof v === 'string' && UUID.test(v)
      : c.type === 'text'
        ? typeof v === 'string'
        : c.type === 'integer'
          ? Number.isSafeInteger(v)
          : c.type === 'real'
            ? typeof v === 'number' && Number.isFinite(v)
            : c.type === 'boolean'
              ? typeof v === 'boolean'
              : c.type === 'timestamp'
                ? typeof v === 'string' && !Number.isNaN(Date.parse(v))
                : true;
  if (!ok) throw bad(`has a value that is not a ${c.type} in ${where}: ${JSON.stringify(v).slice(0, 60)}`);
}

/**
 * Checks a parsed import file completely (format, dataset, version, checksum, every row's columns and
 * types, unique keys) before anything is written. Throws `E_IMPORT_INVALID` naming the first problem.
 */
export function validateExport(input: unknown, dataset: Dataset): ExportFile {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('is not a JSON object');
  const f = input as Partial<ExportFile>;
  if (f.format !== 'lockstep-export') throw bad('is not a Lockstep export (format is missing or wrong)');
  if (f.version !== 1) throw bad(`has format version ${String(f.version)}; this Lockstep reads version 1`);
  if (f.dataset !== dataset.name) throw bad(`holds dataset "${String(f.dataset)}", but this device holds "${dataset.name}"`);
  if (f.datasetVersion !== dataset.version) throw bad(`was made with version ${String(f.datasetVersion)} of "${dataset.name}"; this device has version ${dataset.version}`);
  if (typeof f.tables !== 'object' || f.tables === null) throw bad('has no tables');
  const unknown = Object.keys(f.tables).filter((t) => !dataset.tables.some((d) => d.name === t));
  if (unknown.length > 0) throw bad(`has tables the dataset does not: ${unknown.join(', ')}`);
  const sum = new ExportChecksum(dataset.name, dataset.version);
  for (const name of foreignKeyOrder(dataset)) {
    const table = dataset.tables.find((t) => t.name === name);
    const rows = f.tables[name];
    if (!table || rows === undefined) throw bad(`lacks table ${name}`);
    if (!Array.isArray(rows)) throw bad(`has table ${name} that is not a list of rows`);
    sum.table(name);
    const keys = new Set<string>();
    const cols = new Set(table.columns.map((c) => c.name));
    rows.forEach((row: Row, i) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) throw bad(`has row ${i} of ${name} that is not an object`);
      const extra = Object.keys(row).filter((k) => !cols.has(k));
      if (extra.length > 0) throw bad(`has unknown column(s) ${extra.join(', ')} in ${name} row ${i}`);
      for (const c of table.columns) checkValue(c, row[c.name], `${name}.${c.name} (row ${i})`);
      const key = rowKeyOf(table, row);
      if (keys.has(key)) throw bad(`has the key ${key} twice in ${name}`);
      keys.add(key);
      sum.row(row);
    });
  }
  if (f.checksum !== sum.digest()) throw bad('does not match its checksum: it was truncated or changed after export');
  return f as ExportFile;
}
