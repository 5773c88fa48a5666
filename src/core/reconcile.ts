import { compareHlc } from './hlc.js';
import { differingFields, rowsEqual, valuesEqual, type Row } from './row.js';
import type { SyncPolicy } from './sync-policy.js';

/**
 * Everything known about one row that changed locally since the last sync.
 * `base` is the row as it was when this device last agreed with the hub (null: it did not exist).
 * `local` / `server` are the current versions (null: absent or deleted).
 */
export interface RowSides {
  policy: SyncPolicy;
  columns: readonly string[];
  base: Row | null;
  local: Row | null;
  localHlc: string;
  server: Row | null;
  serverHlc: string | null;
}

/** What to do with one row. `up` writes the hub, `down` writes the device, `merge` writes both. */
export type Decision =
  | { kind: 'noop' }
  | { kind: 'up'; row: Row | null }
  | { kind: 'down'; row: Row | null }
  | { kind: 'merge'; row: Row }
  | { kind: 'conflict'; fields: string[] };

/**
 * Settles one locally changed row against the hub's current version. Pure and total: every input
 * gives exactly one decision, and the decision never drops a change silently under `merge` or `manual`.
 *
 * @example
 * reconcile({ policy: 'merge', columns: ['name', 'score'], base: { name: 'Ann', score: 1 },
 *   local: { name: 'Anne', score: 1 }, localHlc: a, server: { name: 'Ann', score: 2 }, serverHlc: b });
 * // → { kind: 'merge', row: { name: 'Anne', score: 2 } }
 */
export function reconcile(s: RowSides): Decision {
  const { columns } = s;
  const localChanged = !rowsEqual(s.local, s.base, columns);
  const serverChanged = !rowsEqual(s.server, s.base, columns);
  if (rowsEqual(s.local, s.server, columns)) return { kind: 'noop' };
  if (!localChanged) return serverChanged ? { kind: 'down', row: s.server } : { kind: 'noop' };
  if (!serverChanged) return { kind: 'up', row: s.local };

  switch (s.policy) {
    case 'lww':
    case 'append':
      return compareHlc(s.localHlc, s.serverHlc) > 0 ? { kind: 'up', row: s.local } : { kind: 'down', row: s.server };
    case 'manual':
      return { kind: 'conflict', fields: differingFields(s.local, s.server, columns) };
    case 'merge':
      return mergeFields(s);
  }
}

function mergeFields(s: RowSides): Decision {
  const { columns } = s;
  if (s.local === null || s.server === null) {
    // A delete against a concurrent edit: which one the user meant cannot be guessed.
    return { kind: 'conflict', fields: differingFields(s.local, s.server, columns) };
  }
  const conflicting: string[] = [];
  const merged: Row = {};
  for (const c of columns) {
    const base = s.base?.[c] ?? null;
    const l = s.local[c] ?? null;
    const r = s.server[c] ?? null;
    const lChanged = !valuesEqual(l, base);
    const rChanged = !valuesEqual(r, base);
    if (lChanged && rChanged && !valuesEqual(l, r)) conflicting.push(c);
    merged[c] = lChanged ? l : r;
  }
  return conflicting.length > 0 ? { kind: 'conflict', fields: conflicting } : { kind: 'merge', row: merged };
}

/** Applies a user's field choices on top of a base version (used by `resolve --keep merge`). */
export function mergeWithChoices(base: Row, choices: Row, columns: readonly string[]): Row {
  const out: Row = {};
  for (const c of columns) out[c] = c in choices ? (choices[c] ?? null) : (base[c] ?? null);
  return out;
}
