import type pg from 'pg';
import type { FeedCursor } from '../../hub/sql/feed.js';
import type { ErrorInfo, ReplicationProgress, RunKind, RunStatus, RunTrigger } from '../replication-types.js';

/** A row of `lockstep.replication_runs`. */
export interface RunRow {
  id: string;
  config_id: string;
  trigger: RunTrigger;
  kind: RunKind | null;
  status: RunStatus;
  worker_id: string | null;
  started_at: Date;
  finished_at: Date | null;
  heartbeat_at: Date;
  rows_copied: Record<string, number>;
  rows_deleted: Record<string, number>;
  source_counts: Record<string, number>;
  target_counts: Record<string, number>;
  progress: ReplicationProgress | null;
  error: ErrorInfo | null;
}

/** What a finished run hands to `completeRun`. */
export interface RunOutcome {
  kind: RunKind;
  rowsCopied: Record<string, number>;
  rowsDeleted: Record<string, number>;
  sourceCounts: Record<string, number>;
  targetCounts: Record<string, number>;
  cursor: FeedCursor;
  progress: ReplicationProgress;
}

export async function inTransaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const r = await fn();
    await client.query('COMMIT');
    return r;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** IDLE/COMPLETED/FAILED → IN_PROGRESS: a new run row, and the configuration points at it. */
export async function startRun(client: pg.ClientBase, configId: string, runId: string, trigger: RunTrigger, workerId: string | null): Promise<void> {
  await inTransaction(client, async () => {
    await client.query(`INSERT INTO lockstep.replication_runs (id, config_id, trigger, status, worker_id) VALUES ($1, $2, $3, 'IN_PROGRESS', $4)`, [
      runId,
      configId,
      trigger,
      workerId,
    ]);
    await client.query(
      `UPDATE lockstep.replication_configs SET status = 'IN_PROGRESS', current_run_id = $2, last_started_at = now(), updated_at = now() WHERE id = $1`,
      [configId, runId],
    );
  });
}

/** The run is alive: a fresh heartbeat and its latest progress, for other processes to show. */
export async function heartbeatRun(client: pg.ClientBase, runId: string, progress: ReplicationProgress, kind: RunKind | null): Promise<void> {
  await client.query(
    `UPDATE lockstep.replication_runs SET heartbeat_at = now(), progress = $2::jsonb, kind = coalesce($3, kind) WHERE id = $1 AND status = 'IN_PROGRESS'`,
    [runId, JSON.stringify(progress), kind],
  );
}

/**
 * IN_PROGRESS → COMPLETED: counts, cursor, timestamps; the last error is cleared. The cursor is kept only
 * if the scope is still the one the run copied (`scope`: its table and key): an edit made meanwhile
 * leaves it cleared, so the next run is a full one.
 */
export async function completeRun(
  client: pg.ClientBase,
  configId: string,
  runId: string,
  o: RunOutcome,
  scope: { table: string | null; key: string | null },
): Promise<void> {
  await inTransaction(client, async () => {
    await client.query(
      `UPDATE lockstep.replication_runs SET status = 'COMPLETED', kind = $2, finished_at = now(), heartbeat_at = now(),
         rows_copied = $3::jsonb, rows_deleted = $4::jsonb, source_counts = $5::jsonb, target_counts = $6::jsonb, progress = $7::jsonb, error = NULL
       WHERE id = $1`,
      [runId, o.kind, JSON.stringify(o.rowsCopied), JSON.stringify(o.rowsDeleted), JSON.stringify(o.sourceCounts), JSON.stringify(o.targetCounts), JSON.stringify(o.progress)],
    );
    await client.query(
      `UPDATE lockstep.replication_configs SET status = 'COMPLETED', current_run_id = NULL, last_finished_at = now(), last_success_at = now(),
         last_error = NULL, rows_copied = $3::jsonb, updated_at = now(),
         cursor_txid = CASE WHEN same_scope THEN $4 END, cursor_seq = CASE WHEN same_scope THEN $5 END
       FROM (SELECT scope_table IS NOT DISTINCT FROM $6 AND scope_key IS NOT DISTINCT FROM $7 AS same_scope
             FROM lockstep.replication_configs WHERE id = $1) s
       WHERE id = $1 AND current_run_id = $2`,
      [configId, runId, JSON.stringify(o.rowsCopied), o.cursor.txid, o.cursor.seq, scope.table, scope.key],
    );
  });
}

/** IN_PROGRESS → FAILED, for this run (only if the configuration still points at it). */
export async function failRun(client: pg.ClientBase, configId: string, runId: string, error: ErrorInfo, progress: ReplicationProgress | null): Promise<void> {
  await inTransaction(client, async () => {
    await client.query(
      `UPDATE lockstep.replication_runs SET status = 'FAILED', finished_at = now(), error = $2::jsonb, progress = coalesce($3::jsonb, progress)
       WHERE id = $1 AND status = 'IN_PROGRESS'`,
      [runId, JSON.stringify(error), progress ? JSON.stringify(progress) : null],
    );
    await client.query(
      `UPDATE lockstep.replication_configs SET status = 'FAILED', current_run_id = NULL, last_finished_at = now(), last_error = $3::jsonb, updated_at = now()
       WHERE id = $1 AND current_run_id = $2`,
      [configId, runId, JSON.stringify(error)],
    );
  });
}

/**
 * A run left IN_PROGRESS by a process that died → FAILED with `error`. Call it inside a transaction that
 * holds the configuration's lock: then that run is certainly over. Returns the interrupted run's id.
 */
export async function markInterrupted(client: pg.ClientBase, configId: string, error: ErrorInfo): Promise<string | null | undefined> {
  const { rows } = await client.query<{ current_run_id: string | null }>(
    `SELECT current_run_id FROM lockstep.replication_configs WHERE id = $1 AND status = 'IN_PROGRESS' FOR UPDATE`,
    [configId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.current_run_id)
    await client.query(`UPDATE lockstep.replication_runs SET status = 'FAILED', finished_at = now(), error = $2::jsonb WHERE id = $1 AND status = 'IN_PROGRESS'`, [
      row.current_run_id,
      JSON.stringify(error),
    ]);
  await client.query(
    `UPDATE lockstep.replication_configs SET status = 'FAILED', current_run_id = NULL, last_finished_at = now(), last_error = $2::jsonb, updated_at = now() WHERE id = $1`,
    [configId, JSON.stringify(error)],
  );
  return row.current_run_id;
}

/** The newest runs of a configuration first. */
export async function selectRuns(client: pg.ClientBase, configId: string, limit: number): Promise<RunRow[]> {
  const { rows } = await client.query<RunRow>(`SELECT * FROM lockstep.replication_runs WHERE config_id = $1 ORDER BY started_at DESC, id LIMIT $2`, [configId, limit]);
  return rows;
}

export async function selectRun(client: pg.ClientBase, runId: string): Promise<RunRow | undefined> {
  const { rows } = await client.query<RunRow>(`SELECT * FROM lockstep.replication_runs WHERE id = $1`, [runId]);
  return rows[0];
}

/** Keeps the newest `keep` finished runs of a configuration. */
export async function pruneRuns(client: pg.ClientBase, configId: string, keep: number): Promise<void> {
  await client.query(
    `DELETE FROM lockstep.replication_runs WHERE config_id = $1 AND status <> 'IN_PROGRESS' AND id NOT IN (
       SELECT id FROM lockstep.replication_runs WHERE config_id = $1 ORDER BY started_at DESC LIMIT $2)`,
    [configId, keep],
  );
}
