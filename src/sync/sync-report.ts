import type { Row } from '../core/row.js';
import type { SyncPolicy } from '../core/sync-policy.js';

export interface SideCounts {
  add: number;
  update: number;
  delete: number;
}

export type Direction = 'none' | 'up' | 'down' | 'both';

export interface TableCounts {
  up: SideCounts;
  down: SideCounts;
  conflicts: number;
  /** Local changes a pull would discard (pull only). */
  discards: number;
  direction: Direction;
}

export interface ConflictInfo {
  table: string;
  id: string;
  policy: SyncPolicy;
  fields: string[];
  local: Row | null;
  server: Row | null;
  base: Row | null;
}

export type SyncOperation = 'preview' | 'push' | 'pull' | 'sync';

/**
 * What a sync operation did (or, for a preview, would do), per table. `preview --json` prints this.
 */
export interface SyncReport {
  operation: SyncOperation;
  /** The operation the counts describe (a preview describes a sync). */
  plannedFor: Exclude<SyncOperation, 'preview'>;
  applied: boolean;
  firstSync: boolean;
  tables: Record<string, TableCounts>;
  totals: { up: SideCounts; down: SideCounts; conflicts: number; discards: number };
  direction: Direction;
  conflicts: ConflictInfo[];
  /** Local changes a pull would discard (first 100). */
  discarded: { table: string; id: string }[];
  /** Identifies exactly this plan; `--plan` refuses to apply if a fresh plan has another fingerprint. */
  fingerprint: string;
  durationMs: number;
}

export function emptySide(): SideCounts {
  return { add: 0, update: 0, delete: 0 };
}

export function emptyTableCounts(): TableCounts {
  return { up: emptySide(), down: emptySide(), conflicts: 0, discards: 0, direction: 'none' };
}

function sum(s: SideCounts): number {
  return s.add + s.update + s.delete;
}

export function directionOf(up: SideCounts, down: SideCounts, conflicts: number): Direction {
  const u = sum(up) > 0;
  const d = sum(down) > 0;
  if ((u && d) || conflicts > 0) return 'both';
  return u ? 'up' : d ? 'down' : 'none';
}

/** Fills in directions and totals once all rows are counted. */
export function finishCounts(tables: Record<string, TableCounts>): Pick<SyncReport, 'totals' | 'direction'> {
  const totals = { up: emptySide(), down: emptySide(), conflicts: 0, discards: 0 };
  for (const t of Object.values(tables)) {
    t.direction = directionOf(t.up, t.down, t.conflicts);
    for (const k of ['add', 'update', 'delete'] as const) {
      totals.up[k] += t.up[k];
      totals.down[k] += t.down[k];
    }
    totals.conflicts += t.conflicts;
    totals.discards += t.discards;
  }
  return { totals, direction: directionOf(totals.up, totals.down, totals.conflicts) };
}
