import type pg from 'pg';
import { quoteIdent as q } from '../../core/quote-ident.js';

/**
 * The replication jobs in graphile-worker's tables on the hub, through its public SQL functions
 * (`add_job`, `remove_job`, `force_unlock_workers`) and its `jobs` view.
 */

/** graphile-worker's schema in the hub database. */
export const WORKER_SCHEMA = 'lockstep_worker';
/** Runs one configuration (payload `{ configId, once? }`). */
export const REPLICATE_TASK = 'lockstep_replicate';
/** Recovers stale runs and keeps every continuous configuration scheduled. */
export const MAINTENANCE_TASK = 'lockstep_replication_maintenance';
export const MAINTENANCE_JOB_KEY = 'lockstep-replication-maintenance';
/** Attempts of a scheduled run before it counts as permanently failed (graphile-worker backs off between them). */
export const JOB_MAX_ATTEMPTS = 10;

/** One queue per configuration: graphile-worker runs a queue's jobs one at a time. */
export function queueFor(configId: string): string {
  return `lockstep-replicate:${configId}`;
}

/** The key of a continuous configuration's next scheduled run (at most one such job exists). */
export function jobKeyFor(configId: string): string {
  return `lockstep-replicate:${configId}`;
}

/** The key of a run asked for now (`queueRun`). */
export function onceJobKeyFor(configId: string): string {
  return `lockstep-replicate-now:${configId}`;
}

export interface ReplicationJobSpec {
  configId: string;
  runAt: Date | null;
  maxAttempts: number;
  once?: boolean;
}

export async function workerSchemaExists(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(`SELECT to_regprocedure($1) IS NOT NULL AS ok`, [`${WORKER_SCHEMA}.add_job(text,json,text,timestamptz,integer,text,integer,text[],text)`]);
  return rows[0]?.ok === true;
}

/** Adds (or, when not running, replaces) a configuration's job. */
export async function addReplicationJob(client: pg.ClientBase, s: ReplicationJobSpec): Promise<void> {
  await client.query(
    `SELECT ${q(WORKER_SCHEMA)}.add_job($1, $2::json, queue_name => $3, run_at => $4, max_attempts => $5, job_key => $6, job_key_mode => 'replace')`,
    [
      REPLICATE_TASK,
      JSON.stringify(s.once ? { configId: s.configId, once: true } : { configId: s.configId }),
      queueFor(s.configId),
      s.runAt,
      s.maxAttempts,
      s.once ? onceJobKeyFor(s.configId) : jobKeyFor(s.configId),
    ],
  );
}

/** Removes a configuration's pending jobs (a running one finishes and is not retried). */
export async function removeReplicationJobs(client: pg.ClientBase, configId: string): Promise<void> {
  await client.query(`SELECT ${q(WORKER_SCHEMA)}.remove_job($1)`, [jobKeyFor(configId)]);
  await client.query(`SELECT ${q(WORKER_SCHEMA)}.remove_job($1)`, [onceJobKeyFor(configId)]);
}

export interface ScheduledJob {
  run_at: Date;
  attempts: number;
  max_attempts: number;
  locked_at: Date | null;
  locked_by: string | null;
}

/** A continuous configuration's scheduled job, if any. */
export async function readReplicationJob(client: pg.ClientBase, configId: string): Promise<ScheduledJob | undefined> {
  const { rows } = await client.query<ScheduledJob>(
    `SELECT run_at, attempts, max_attempts, locked_at, locked_by FROM ${q(WORKER_SCHEMA)}.jobs WHERE key = $1`,
    [jobKeyFor(configId)],
  );
  return rows[0];
}

/** Frees the jobs and queues held by workers known to be dead, so other workers take them at once. */
export async function forceUnlockWorkers(client: pg.ClientBase, workerIds: readonly string[]): Promise<void> {
  if (workerIds.length === 0) return;
  await client.query(`SELECT ${q(WORKER_SCHEMA)}.force_unlock_workers($1::text[])`, [workerIds]);
}
