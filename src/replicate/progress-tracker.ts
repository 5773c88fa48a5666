import type { ProgressPhase, ReplicationProgress } from './replication-types.js';

/**
 * Counts a run's rows and estimates the time left from the rate since copying began. Pure: the clock is
 * passed in, so tests can drive it.
 *
 * @example
 * const t = createProgressTracker('run-1', 'cfg-1', () => Date.now());
 * t.setTotal(1000); t.startTable('lessons', 400); t.add(100); t.snapshot().etaMs;
 */
export interface ProgressTracker {
  phase(phase: ProgressPhase, table?: string | null): void;
  setTotal(rowsTotal: number): void;
  startTable(table: string, tableRowsTotal: number): void;
  add(rows: number): void;
  /** The current table is done: its total (an estimate until now) becomes the rows it had, and the run's total follows. */
  finishTable(): void;
  snapshot(): ReplicationProgress;
}

export function createProgressTracker(runId: string, configId: string, now: () => number): ProgressTracker {
  const started = now();
  let copyStarted: number | undefined;
  let phase: ProgressPhase = 'connect';
  let table: string | null = null;
  let tableRowsDone = 0;
  let tableRowsTotal = 0;
  let rowsDone = 0;
  let rowsTotal = 0;
  return {
    phase(p, t = null) {
      phase = p;
      table = t;
      tableRowsDone = 0;
      tableRowsTotal = 0;
    },
    setTotal(n) {
      rowsTotal = n;
    },
    startTable(t, total) {
      phase = 'copy';
      table = t;
      tableRowsDone = 0;
      tableRowsTotal = total;
      copyStarted ??= now();
    },
    add(n) {
      tableRowsDone += n;
      rowsDone += n;
    },
    finishTable() {
      rowsTotal += tableRowsDone - tableRowsTotal;
      tableRowsTotal = tableRowsDone;
    },
    snapshot() {
      const t = now();
      const copying = copyStarted === undefined ? 0 : t - copyStarted;
      const left = Math.max(0, rowsTotal - rowsDone);
      const etaMs = left === 0 ? (rowsTotal > 0 ? 0 : null) : rowsDone > 0 && copying > 0 ? Math.round((copying / rowsDone) * left) : null;
      return { runId, configId, phase, table, tableRowsDone, tableRowsTotal, rowsDone, rowsTotal, elapsedMs: t - started, etaMs };
    },
  };
}
