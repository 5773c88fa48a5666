import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import type { ProgressTracker } from './progress-tracker.js';
import type { ProgressListener, RunKind } from './replication-types.js';
import { heartbeatRun } from './sql/run-rows.js';

/**
 * Keeps a run visibly alive while it works: every `heartbeatMs` it records a heartbeat and the latest
 * progress in the run's row (for other processes to show) and pings the connection holding the
 * configuration's lock. If either fails, the run may have lost its lock, so `report` (called between
 * steps and while rows stream) throws and the run rolls back instead of committing beside another run.
 */
export interface RunMonitor {
  report(force?: boolean): Promise<void>;
  setKind(kind: RunKind): void;
  /** Fails if the lock connection does not answer now (called right before the target commits). */
  confirmLock(): Promise<void>;
  stop(): void;
}

export interface RunMonitorOptions {
  status: pg.ClientBase;
  lock: pg.ClientBase;
  runId: string;
  tracker: ProgressTracker;
  heartbeatMs: number;
  progressEveryMs: number;
  onProgress: ProgressListener | undefined;
}

export function startRunMonitor(o: RunMonitorOptions): RunMonitor {
  let kind: RunKind | null = null;
  let lost: unknown;
  let beating = false;
  let lastReport = 0;
  const beat = async (): Promise<void> => {
    if (beating) return;
    beating = true;
    try {
      await heartbeatRun(o.status, o.runId, o.tracker.snapshot(), kind);
      await o.lock.query('SELECT 1');
    } catch (e) {
      lost ??= e;
    } finally {
      beating = false;
    }
  };
  const timer = setInterval(() => void beat(), o.heartbeatMs);
  const check = (): void => {
    if (lost !== undefined)
      throw new LockstepError('E_CONNECTION', 'the run lost its connection to the hub (its heartbeat failed), so it stopped without committing; run it again', {
        cause: lost,
        retryable: true,
      });
  };
  return {
    async report(force = false) {
      check();
      const now = Date.now();
      if (!force && now - lastReport < o.progressEveryMs) return;
      lastReport = now;
      if (o.onProgress) await o.onProgress(o.tracker.snapshot());
    },
    setKind(k) {
      kind = k;
      void beat();
    },
    async confirmLock() {
      check();
      try {
        await o.lock.query('SELECT 1');
      } catch (e) {
        lost ??= e;
        check();
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
}
