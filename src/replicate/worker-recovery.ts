import type pg from 'pg';
import { runTaskList, type Logger, type TaskList, type WorkerEvents, type WorkerPool } from 'graphile-worker';
import { forceUnlockWorkers, WORKER_SCHEMA } from './sql/worker-jobs.js';

/** What a replacement needs: how to reach the hub and how to run jobs. */
export interface RecoveryOptions {
  pgPool: pg.Pool;
  hub: () => Promise<pg.Client>;
  taskList: TaskList;
  events: WorkerEvents;
  logger: Logger;
  pollIntervalMs: number;
  /** Called with the id of a worker that died and with the id of its replacement once it runs. */
  onDead: (workerId: string) => void;
  onReplaced: (deadId: string) => void;
  onError: (during: string, e: unknown) => void;
}

export interface WorkerRecovery {
  /** Stops the replacements (and any recovery still waiting for the hub). */
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * Replaces graphile-worker workers that die. A worker dies when it cannot record the end of a job (the
 * hub went away in the middle of a run): graphile-worker then leaves the job and its queue locked by the
 * dead worker and never starts another worker in its place. For each such death this frees what the dead
 * worker held (`force_unlock_workers`, retried with backoff until the hub answers) and starts a pool of
 * one worker on the same task list, so the process keeps its concurrency and the job runs again.
 */
export function superviseWorkers(o: RecoveryOptions): WorkerRecovery {
  let stopping = false;
  const replacements = new Set<WorkerPool>();
  const pending = new Set<Promise<void>>();
  const sleeps = new Set<() => void>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        sleeps.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      sleeps.add(wake);
    });

  const unlockWhenReachable = async (deadId: string): Promise<boolean> => {
    for (let wait = FIRST_RETRY_MS; !stopping; wait = Math.min(wait * 2, MAX_RETRY_MS)) {
      try {
        const c = await o.hub();
        try {
          await forceUnlockWorkers(c, [deadId]);
          return true;
        } finally {
          await c.end().catch(() => undefined);
        }
      } catch {
        await sleep(wait);
      }
    }
    return false;
  };

  const replace = async (deadId: string): Promise<void> => {
    if (!(await unlockWhenReachable(deadId)) || stopping) return;
    try {
      const pool = runTaskList(
        { pgPool: o.pgPool, schema: WORKER_SCHEMA, concurrency: 1, pollInterval: o.pollIntervalMs, noHandleSignals: true, events: o.events, logger: o.logger },
        o.taskList,
        o.pgPool,
      );
      replacements.add(pool);
      void pool.promise.finally(() => replacements.delete(pool)).catch(() => undefined);
      o.onReplaced(deadId);
    } catch (e) {
      o.onError('restart a replication worker', e);
    }
  };

  o.events.on('worker:fatalError', ({ worker }) => {
    if (stopping) return;
    o.onDead(worker.workerId);
    const p = replace(worker.workerId);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });

  return {
    stop: async () => {
      stopping = true;
      for (const wake of [...sleeps]) wake();
      await Promise.allSettled([...pending]);
      await Promise.allSettled([...replacements].map((p) => p.gracefulShutdown()));
    },
  };
}
