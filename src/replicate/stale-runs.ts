import { interruptedRunError } from './interrupted-run.js';
import type { HubConnector } from './replication-options.js';
import { tryConfigLock } from './sql/config-lock.js';
import { selectStaleConfigs } from './sql/config-rows.js';
import { ensureReplicationSchema } from './sql/replication-schema.js';
import { markInterrupted } from './sql/run-rows.js';

/** A run found dead and marked FAILED. */
export interface RecoveredRun {
  configId: string;
  name: string;
  runId: string | null;
  /** The graphile-worker worker that was running it, if a worker was. */
  workerId: string | null;
}

/**
 * Finds runs left IN_PROGRESS whose heartbeat is older than `staleAfterMs` and marks them FAILED with a
 * clear reason — but only after taking the configuration's lock without waiting: a run that still holds
 * it is alive (merely slow), and is left alone.
 *
 * @example
 * for (const r of await recoverStaleRuns(hub, 60_000)) console.log(`run ${r.runId} of ${r.name} was dead`);
 */
export async function recoverStaleRuns(hub: HubConnector, staleAfterMs: number): Promise<RecoveredRun[]> {
  const client = await hub();
  try {
    await ensureReplicationSchema(client);
    const out: RecoveredRun[] = [];
    for (const cfg of await selectStaleConfigs(client, staleAfterMs)) {
      await client.query('BEGIN');
      try {
        if (await tryConfigLock(client, cfg.lock_key)) {
          const runId = await markInterrupted(client, cfg.id, interruptedRunError(cfg, 'heartbeat'));
          if (runId !== undefined) out.push({ configId: cfg.id, name: cfg.name, runId, workerId: cfg.run_worker_id });
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
    return out;
  } finally {
    await client.end().catch(() => undefined);
  }
}
