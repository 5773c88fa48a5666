import { LockstepError } from '../core/errors.js';
import { reconcile } from '../core/reconcile.js';
import { valuesEqual, type Row } from '../core/row.js';
import type { LocalStore } from '../store/local-store.js';
import type { ConflictInfo } from './sync-report.js';

export type Keep = 'local' | 'server' | 'merge';

/** The conflicts left by the last push or sync, as recorded on this device. */
export function listConflicts(store: LocalStore): ConflictInfo[] {
  const rows = store.db.prepare('SELECT * FROM _lockstep_conflicts ORDER BY tbl, row_key').all() as Record<string, string | null>[];
  return rows.map((r) => ({
    table: String(r.tbl),
    id: String(r.row_key),
    policy: store.table(String(r.tbl)).policy,
    fields: JSON.parse(String(r.fields)) as string[],
    base: JSON.parse(r.base ?? 'null') as Row | null,
    local: JSON.parse(r.local ?? 'null') as Row | null,
    server: JSON.parse(r.server ?? 'null') as Row | null,
  }));
}

/**
 * Settles one conflict on this device; the next push or sync sends the outcome to the hub.
 * `server` takes the hub's version; `local` keeps this device's version and makes it win over the
 * hub's; `merge` starts from the automatic field merge and takes `set` for the fields changed on both sides.
 *
 * @example
 * resolveConflict(store, 'students', id, 'merge', { name: 'Ann-Marie' });
 */
export function resolveConflict(store: LocalStore, tableName: string, id: string, keep: Keep, set: Row = {}): Row | null {
  const table = store.table(tableName);
  const conflict = listConflicts(store).find((c) => c.table === tableName && c.id === id);
  if (!conflict) throw new LockstepError('E_NOT_FOUND', `no conflict recorded for ${tableName} ${id}; run lockstep preview to see the current conflicts`);
  const columns = table.columns.map((c) => c.name);
  const unknown = Object.keys(set).filter((k) => !columns.includes(k));
  if (unknown.length > 0) throw new LockstepError('E_USAGE', `${tableName} has no column(s) ${unknown.join(', ')}`);
  const key = table.primaryKey.filter((k) => k in set && !valuesEqual(set[k], conflict.local?.[k] ?? conflict.server?.[k]));
  if (key.length > 0) throw new LockstepError('E_USAGE', `the key column(s) ${key.join(', ')} cannot be changed while resolving`);
  const outcome = keep === 'server' ? conflict.server : keep === 'local' ? applySet(tableName, id, conflict.local, set) : merged(conflict, columns, set);
  const txn = store.db.transaction(() => {
    store.db.prepare('DELETE FROM _lockstep_conflicts WHERE tbl = ? AND row_key = ?').run(tableName, id);
    if (keep === 'server' && Object.keys(set).length === 0) {
      store.applyRows(table, [{ key: id, row: conflict.server }]);
      store.clearPending(tableName, id);
      return;
    }
    store.applyRows(table, [{ key: id, row: outcome }]);
    // Merged against the hub's version: the next sync sees no concurrent change and sends this one.
    store.setPendingBase(table, id, conflict.server, store.nextHlc());
  });
  txn();
  return outcome;
}

/** Resolves every recorded conflict the same way. Returns how many. */
export function resolveAllConflicts(store: LocalStore, keep: 'local' | 'server'): number {
  const all = listConflicts(store);
  for (const c of all) resolveConflict(store, c.table, c.id, keep);
  return all.length;
}

function applySet(table: string, id: string, row: Row | null, set: Row): Row | null {
  if (Object.keys(set).length === 0) return row;
  if (row === null) throw new LockstepError('E_USAGE', `${table} ${id} is deleted on this device; --set needs a row to change`);
  return { ...row, ...set };
}

function merged(c: ConflictInfo, columns: string[], set: Row): Row {
  if (c.local === null || c.server === null)
    throw new LockstepError('E_USAGE', `${c.table} ${c.id} was deleted on one side and changed on the other; choose --keep local or --keep server`);
  const auto = reconcile({ policy: 'merge', columns, base: c.base, local: c.local, localHlc: '', server: c.server, serverHlc: '' });
  const start: Row = { ...c.server };
  const both = new Set(c.fields);
  for (const col of columns) {
    if (both.has(col)) continue;
    const localChanged = !valuesEqual(c.local[col], c.base?.[col] ?? null);
    start[col] = (localChanged ? c.local[col] : c.server[col]) ?? null;
  }
  const missing = c.fields.filter((f) => !(f in set));
  if (auto.kind === 'conflict' && missing.length > 0)
    throw new LockstepError(
      'E_USAGE',
      `${c.table} ${c.id}: field(s) ${missing.join(', ')} changed on both sides; give a value for each with --set FIELD=VALUE (local: ${missing
        .map((f) => JSON.stringify(c.local?.[f]))
        .join(', ')}; server: ${missing.map((f) => JSON.stringify(c.server?.[f])).join(', ')})`,
      { details: { fields: missing } },
    );
  return { ...start, ...set };
}
