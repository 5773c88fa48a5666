import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { quoteIdent as q } from '../core/quote-ident.js';
import { rowFromSqlite } from '../dataset/canonical-value.js';
import type { LocalStore } from '../store/local-store.js';
import { ExportChecksum } from './export-format.js';

/**
 * Writes every dataset table of the device to a JSON file (streamed row by row, then renamed into place),
 * with the dataset's name and version and a checksum. Returns the row count per table.
 *
 * @example
 * exportStore(store, 'backup.json');
 */
export function exportStore(store: LocalStore, outPath: string): Record<string, number> {
  const tmp = `${outPath}.partial`;
  const fd = openSync(tmp, 'w', 0o600);
  const counts: Record<string, number> = {};
  const sum = new ExportChecksum(store.dataset.name, store.dataset.version);
  const w = (s: string): void => void writeSync(fd, s);
  try {
    store.db.exec('BEGIN'); // one consistent snapshot of every table
    w(`{"format":"lockstep-export","version":1,"dataset":${JSON.stringify(store.dataset.name)},"datasetVersion":${store.dataset.version},`);
    w(`"exportedAt":${JSON.stringify(new Date().toISOString())},"deviceId":${JSON.stringify(store.deviceId)},"tables":{`);
    store.order.forEach((name, i) => {
      const table = store.table(name);
      sum.table(name);
      w(`${i ? ',' : ''}\n${JSON.stringify(name)}:[`);
      let n = 0;
      const order = table.primaryKey.map(q).join(', ');
      for (const raw of store.db.prepare(`SELECT * FROM ${q(name)} ORDER BY ${order}`).iterate() as Iterable<Record<string, unknown>>) {
        const row = rowFromSqlite(table, raw);
        sum.row(row);
        w(`${n ? ',' : ''}\n${JSON.stringify(row)}`);
        n++;
      }
      w(']');
      counts[name] = n;
    });
    w(`},\n"checksum":${JSON.stringify(sum.digest())}}\n`);
  } finally {
    if (store.db.inTransaction) store.db.exec('COMMIT');
    closeSync(fd);
  }
  renameSync(tmp, outPath);
  return counts;
}
