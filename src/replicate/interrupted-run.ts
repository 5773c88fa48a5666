import type { ConfigRow } from './sql/config-rows.js';
import type { ErrorInfo } from './replication-types.js';

/**
 * The error recorded for a run that stopped without finishing (its process was killed, crashed or lost
 * the hub). `detectedBy`: the next run found the lock free (`next-run`), or a worker found its heartbeat
 * stale (`heartbeat`).
 */
export function interruptedRunError(cfg: ConfigRow, detectedBy: 'next-run' | 'heartbeat'): ErrorInfo {
  const beat = cfg.run_heartbeat_at ? `its last heartbeat was at ${cfg.run_heartbeat_at.toISOString()}` : 'it never sent a heartbeat';
  const worker = cfg.run_worker_id ? ` on worker ${cfg.run_worker_id}` : '';
  const how = detectedBy === 'heartbeat' ? 'found stale by a worker' : 'found by the next run';
  return {
    code: 'E_REPLICATION',
    message:
      `the run started at ${cfg.last_started_at?.toISOString() ?? 'an unknown time'}${worker} stopped without finishing ` +
      `(its process died or lost its connection to the hub; ${beat}; ${how}). ` +
      'A run changes the target only when it commits at its very end, so the target holds a complete earlier state; the next run catches up.',
    details: { reason: 'interrupted', runId: cfg.current_run_id, workerId: cfg.run_worker_id, detectedBy },
  };
}
