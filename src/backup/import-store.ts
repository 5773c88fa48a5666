import { readFileSync } from 'node:fs';
import { LockstepError, isLockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import { rowsEqual } from '../core/row.js';
import { rowKeyOf } from '../dataset/row-key.js';
import type { LocalStore } from '../store/local-store.js';
import { describeSqliteError } from '../store/describe-sqlite-error.js';
import { backupLocalStore } from '../store/local-backup.js';
import { validateExport } from './validate-export.js';

export type ImportMode = 'replace' | 'merge';

export interface ImportResult {
  mode: ImportMode;
  rows: Record<string, number>;
  /** The copy of the device file written before the import. */
  backup: string;
}

export interface ImportOptions {
  mode: ImportMode;
  backupDir: string;
  backupRetention: number;
}

/**
 * Imports a JSON export into the device. The whole file is validated first; then, in one transaction,
 * `replace` makes the tables equal to the file and `merge` upserts the file's rows and keeps the others.
 * The writes are ordinary local changes (captured), so the next sync sends them. Any failure — including
 * a foreign key the result would break — leaves the database exactly as it was.
 *
 * @example
 * await importStore(store, 'backup.json', { mode: 'replace', backupDir: 'class.db.backups', backupRetention: 10 });
 */
export async function importStore(store: LocalStore, filePath: string, opts: ImportOptions): Promise<ImportResult> {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (e) {
    throw new LockstepError('E_IMPORT_INVALID', `cannot read ${filePath}: ${(e as Error).message}`, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new LockstepError('E_IMPORT_INVALID', `the import file is not valid JSON (${(e as Error).message}); it may be truncated; nothing was changed`, { cause: e });
  }
  return importExport(store, parsed, opts);
}

/**
 * `importStore` for an export already parsed from JSON (e.g. an HTTP request body): validated whole
 * against the device's dataset first (`E_IMPORT_INVALID`), then imported as `importStore` describes.
 *
 * @example
 * await importExport(store, JSON.parse(body), { mode: 'merge', backupDir: 'class.db.backups', backupRetention: 10 });
 */
export async function importExport(store: LocalStore, parsed: unknown, opts: ImportOptions): Promise<ImportResult> {
  const { mode } = opts;
  const file = validateExport(parsed, store.dataset);
  const backup = await backupLocalStore(store, opts.backupDir, 'pre-import', opts.backupRetention);
  const rows: Record<string, number> = {};
  try {
    store.db.transaction(() => {
      if (mode === 'replace') for (const name of [...store.order].reverse()) store.db.prepare(`DELETE FROM ${q(name)}`).run();
      for (const name of store.order) {
        const table = store.table(name);
        const s = store.statementsFor(table);
        const columns = table.columns.map((c) => c.name);
        for (const row of file.tables[name] ?? []) {
          const current = mode === 'merge' ? s.get(rowKeyOf(table, row)) : null;
          if (current && rowsEqual(current, row, columns)) continue; // unchanged: not a change to sync
          if (current && table.policy === 'append')
            throw new LockstepError('E_APPEND_ONLY', `the import would change the append-only row ${name} ${rowKeyOf(table, row)}; nothing was changed`);
          s.put(row);
        }
        rows[name] = file.tables[name]?.length ?? 0;
      }
      const broken = store.db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new LockstepError('E_INTEGRITY', `the import would leave ${broken.length} row(s) pointing at missing rows; nothing was changed`);
    })();
  } catch (e) {
    throw isLockstepError(e) ? e : describeSqliteError(e, store.path);
  }
  return { mode, rows, backup };
}
