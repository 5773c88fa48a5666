import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { Logger, run, type JobHelpers, type Runner, type Task, type WorkerEvents } from 'graphile-worker';
import { toLockstepError } from '../connection/describe-pg-error.js';
import { isLockstepError } from '../core/errors.js';
import { resolveReplicationOptions, type ReplicationOptions, type ResolvedReplicationOptions } from './replication-options.js';
import { runReplication } from './replication-run.js';
import type { ErrorInfo, ProgressListener, ReplicationRunView } from './replication-types.js';
import { recoverStaleRuns, type RecoveredRun } from './stale-runs.js';
import { selectConfig } from './sql/config-rows.js';
import { ensureReplicationSchema } from './sql/replication-schema.js';
import { forceUnlockWorkers, jobKeyFor, JOB_MAX_ATTEMPTS, MAINTENANCE_JOB_KEY, MAINTENANCE_TASK, queueFor, REPLICATE_TASK, WORKER_SCHEMA } from './sql/worker-jobs.js';
import { ensureScheduled } from './worker-schedule.js';
import { superviseWorkers } from './worker-recovery.js';

/** What a worker reports; it never throws into the void. */
export type ReplicationWorkerEvent =
  | { type: 'run-completed'; configId: string; run: ReplicationRunView }
  | { type: 'run-failed'; configId: string; error: ErrorInfo; attempt: number; willRetry: boolean }
  | { type: 'run-skipped'; configId: string; reason: string }
  | { type: 'run-recovered'; recovered: RecoveredRun }
  /** A graphile-worker worker died (the hub went away while it ended a job); what it held was freed and another runs in its place. */
  | { type: 'worker-replaced'; deadWorkerId: string }
  | { type: 'scheduled'; configId: string; runAt: string }
  | { type: 'error'; during: string; error: ErrorInfo };

export interface ReplicationWorkerOptions extends ReplicationOptions {
  /** A pool on the hub database for graphile-worker (its schema `lockstep_worker` is created there). */
  pgPool: pg.Pool;
  /** Runs at once in this process. Default 4. */
  concurrency?: number;
  /** How often idle workers look for due jobs, in ms. Default 2 000. */
  pollIntervalMs?: number;
  /** How often stale runs are looked for and schedules checked, in ms. Default 15 000 (and every minute by cron). */
  maintenanceIntervalMs?: number;
  onEvent?: (e: ReplicationWorkerEvent) => void;
  onProgress?: ProgressListener;
}

export interface ReplicationWorker {
  /** graphile-worker ids of this process's workers (as recorded in run history). */
  workerIds(): string[];
  /** Runs the maintenance task now (stale runs, schedules). */
  maintain(): Promise<void>;
  /** Lets running jobs finish, then stops. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped. */
  promise: Promise<void>;
}

interface WorkerContext {
  o: ResolvedReplicationOptions;
  opts: ReplicationWorkerOptions;
  emit: (e: ReplicationWorkerEvent) => void;
  ownIds: Set<string>;
  maintenanceMs: number;
}

/** An error as a worker event reports it: a lost hub connection is `E_CONNECTION`, never `E_INTERNAL`. */
const info = (e: unknown, during: string): ErrorInfo => {
  const err = toLockstepError(e, during);
  return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details };
};

/**
 * Starts graphile-worker on the hub to run continuous replications every interval. Any number of worker
 * processes may serve one hub: each configuration has its own job queue (run one job at a time) and its
 * own lock on the hub (so a manual run and a worker run never overlap either: the loser skips). Failed
 * runs are retried with graphile-worker's exponential backoff; a run left IN_PROGRESS by a dead process
 * is found by its stale heartbeat, marked FAILED and retried.
 *
 * @example
 * const worker = await startReplicationWorker({ pgPool: new pg.Pool(config), hub: () => connectHub(settings), cipher });
 * process.once('SIGTERM', () => void worker.stop());
 */
export async function startReplicationWorker(opts: ReplicationWorkerOptions): Promise<ReplicationWorker> {
  const o = resolveReplicationOptions(opts);
  const check = await o.hub();
  await ensureReplicationSchema(check).finally(() => check.end().catch(() => undefined));
  const emit = (e: ReplicationWorkerEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A listener's failure must not stop the worker.
    }
  };
  const x: WorkerContext = { o, opts, emit, ownIds: new Set(), maintenanceMs: opts.maintenanceIntervalMs ?? 15_000 };
  const events = new EventEmitter() as WorkerEvents;
  events.on('worker:create', ({ worker }) => void x.ownIds.add(worker.workerId));
  const logger = quietLogger(emit);
  const taskList = { [REPLICATE_TASK]: replicateTask(x), [MAINTENANCE_TASK]: maintenanceTask(x) };
  const pollInterval = opts.pollIntervalMs ?? 2_000;
  const recovery = superviseWorkers({
    pgPool: opts.pgPool,
    hub: o.hub,
    taskList,
    events,
    logger,
    pollIntervalMs: pollInterval,
    onDead: (id) => void x.ownIds.delete(id),
    onReplaced: (id) => emit({ type: 'worker-replaced', deadWorkerId: id }),
    onError: (during, e) => emit({ type: 'error', during, error: info(e, during) }),
  });
  const runner: Runner = await run({
    pgPool: opts.pgPool,
    schema: WORKER_SCHEMA,
    concurrency: opts.concurrency ?? 4,
    pollInterval,
    noHandleSignals: true,
    events,
    logger,
    taskList,
    crontab: `* * * * * ${MAINTENANCE_TASK} ?max=1`,
  });
  await runner.addJob(MAINTENANCE_TASK, {}, { jobKey: MAINTENANCE_JOB_KEY, maxAttempts: 1 });
  return {
    workerIds: () => [...x.ownIds],
    maintain: () => maintain(x),
    stop: async () => {
      await Promise.allSettled([recovery.stop(), runner.stop()]);
    },
    promise: runner.promise,
  };
}

/** What graphile-worker's messages say when the hub connection is lost (they carry no error object). */
const LOST_CONNECTION = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|terminating connection|connection error/i;

/** graphile-worker's complaint that one of its workers died: superviseWorkers replaces it and says so (`worker-replaced`). */
const REPLACED_WORKER = /^Worker exited, but pool is in continuous mode/;

/** graphile-worker's own log, reduced to its errors as events (failed runs are reported as `run-failed`). */
function quietLogger(emit: (e: ReplicationWorkerEvent) => void): Logger {
  return new Logger(() => (level, message, meta) => {
    if (String(level) !== 'error' || meta?.failure === true || REPLACED_WORKER.test(message)) return;
    const code = LOST_CONNECTION.test(message) ? 'E_CONNECTION' : toLockstepError(meta?.error ?? new Error(message), 'run the job queue').code;
    emit({ type: 'error', during: 'graphile-worker', error: { code, message } });
  });
}

function replicateTask(x: WorkerContext): Task {
  return async (payload, helpers) => {
    const { configId, once } = payload as { configId: string; once?: boolean };
    const cfg = await loadConfig(x, configId);
    if (!cfg || (!once && cfg.mode !== 'continuous')) return;
    try {
      const done = await runReplication(x.o, { configId, trigger: once ? 'manual' : 'schedule', workerId: helpers.job.locked_by, onProgress: x.opts.onProgress });
      x.emit({ type: 'run-completed', configId, run: done });
    } catch (e) {
      if (isLockstepError(e) && e.code === 'E_NOT_FOUND') return;
      if (!(isLockstepError(e) && e.code === 'E_LOCKED')) {
        const willRetry = helpers.job.attempts < helpers.job.max_attempts && helpers.job.key !== null;
        x.emit({ type: 'run-failed', configId, error: info(e, 'run a replication'), attempt: helpers.job.attempts, willRetry });
        throw e;
      }
      x.emit({ type: 'run-skipped', configId, reason: e.message });
    }
    if (!once && cfg.interval_seconds !== null) await scheduleNext(x, helpers, configId, cfg.interval_seconds);
  };
}

async function scheduleNext(x: WorkerContext, helpers: JobHelpers, configId: string, intervalSeconds: number): Promise<void> {
  const runAt = new Date(Date.now() + intervalSeconds * 1000);
  await helpers.addJob(REPLICATE_TASK, { configId }, { queueName: queueFor(configId), jobKey: jobKeyFor(configId), runAt, maxAttempts: JOB_MAX_ATTEMPTS });
  x.emit({ type: 'scheduled', configId, runAt: runAt.toISOString() });
}

async function loadConfig(x: WorkerContext, configId: string): ReturnType<typeof selectConfig> {
  const c = await x.o.hub();
  try {
    return await selectConfig(c, configId);
  } finally {
    await c.end().catch(() => undefined);
  }
}

function maintenanceTask(x: WorkerContext): Task {
  return async (_payload, helpers) => {
    await maintain(x);
    await helpers.addJob(MAINTENANCE_TASK, {}, { jobKey: MAINTENANCE_JOB_KEY, runAt: new Date(Date.now() + x.maintenanceMs), maxAttempts: 1 });
  };
}

/** Stale runs → FAILED, their dead workers' jobs freed (so they run again at once); every continuous configuration scheduled. */
async function maintain(x: WorkerContext): Promise<void> {
  try {
    const recovered = await recoverStaleRuns(x.o.hub, x.o.staleAfterMs);
    const dead = recovered.map((r) => r.workerId).filter((id): id is string => id !== null && !x.ownIds.has(id));
    const c = await x.o.hub();
    try {
      await forceUnlockWorkers(c, [...new Set(dead)]);
      for (const r of recovered) x.emit({ type: 'run-recovered', recovered: r });
      for (const s of await ensureScheduled(c)) x.emit({ type: 'scheduled', configId: s.configId, runAt: s.runAt });
    } finally {
      await c.end().catch(() => undefined);
    }
  } catch (e) {
    x.emit({ type: 'error', during: 'maintenance', error: info(e, 'maintain replications') });
  }
}
