import type pg from 'pg';
import { selectContinuousConfigs } from './sql/config-rows.js';
import { addReplicationJob, JOB_MAX_ATTEMPTS, readReplicationJob } from './sql/worker-jobs.js';

/**
 * Gives every continuous configuration a scheduled job if it has none, or if its job failed permanently
 * (all attempts used): due one interval after its last run finished (at once if that is past). A job that
 * is waiting, retrying or running is left alone, so retries keep their backoff.
 */
export async function ensureScheduled(client: pg.ClientBase): Promise<{ configId: string; runAt: string }[]> {
  const out: { configId: string; runAt: string }[] = [];
  for (const cfg of await selectContinuousConfigs(client)) {
    const job = await readReplicationJob(client, cfg.id);
    if (job && (job.locked_at !== null || job.attempts < job.max_attempts)) continue;
    const last = cfg.last_finished_at?.getTime() ?? 0;
    const runAt = new Date(Math.max(Date.now(), last + (cfg.interval_seconds ?? 0) * 1000));
    await addReplicationJob(client, { configId: cfg.id, runAt, maxAttempts: JOB_MAX_ATTEMPTS });
    out.push({ configId: cfg.id, runAt: runAt.toISOString() });
  }
  return out;
}
