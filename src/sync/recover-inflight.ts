import type pg from 'pg';
import { runCommitted } from '../hub/sql/sync-log.js';
import type { LocalStore } from '../store/local-store.js';

/**
 * Finishes runs a crash interrupted between the device's commit and the hub's. Call with the sync lock
 * held, so the interrupted hub transaction has certainly ended: if its log row exists it committed and
 * the in-flight changes are synced; otherwise they are pending again. Returns the runs it settled.
 */
export async function recoverInflight(store: LocalStore, client: pg.ClientBase): Promise<{ finished: string[]; restored: string[] }> {
  const out = { finished: [] as string[], restored: [] as string[] };
  for (const runId of store.inflightRuns()) {
    if (await runCommitted(client, runId)) {
      store.finishInflight(runId);
      out.finished.push(runId);
    } else {
      store.restoreInflight(runId);
      out.restored.push(runId);
    }
  }
  return out;
}
