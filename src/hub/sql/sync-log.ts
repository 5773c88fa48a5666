import type pg from 'pg';

export interface HubLogEntry {
  id: string;
  deviceId: string | null;
  deviceName: string | null;
  dbRole: string;
  operation: string;
  startedAt: string;
  finishedAt: string;
  result: string;
  counts: unknown;
  error: unknown;
}

export interface HubLogInput {
  deviceId: string;
  deviceName: string;
  operation: string;
  startedAt: Date;
  result: 'ok' | 'failed' | 'conflicts';
  counts?: unknown;
  error?: { code: string; message: string } | null;
  /** Set for a run that wrote to the hub: its presence after commit is how a device knows the run landed. */
  runId?: string;
}

export async function insertHubLog(client: pg.ClientBase, e: HubLogInput): Promise<void> {
  await client.query(
    `INSERT INTO lockstep.sync_log (device_id, device_name, operation, started_at, result, counts, error, run_id)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)`,
    [e.deviceId, e.deviceName, e.operation, e.startedAt, e.result, JSON.stringify(e.counts ?? null), JSON.stringify(e.error ?? null), e.runId ?? null],
  );
}

/** True if the hub committed the run `runId` (its log row exists). */
export async function runCommitted(client: pg.ClientBase, runId: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM lockstep.sync_log WHERE run_id = $1', [runId]);
  return (rowCount ?? 0) > 0;
}

export async function readHubLog(client: pg.ClientBase, limit: number): Promise<HubLogEntry[]> {
  const { rows } = await client.query<Record<string, unknown>>(
    `SELECT id::text, device_id, device_name, db_role, operation, started_at, finished_at, result, counts, error
     FROM lockstep.sync_log ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    deviceId: (r.device_id as string | null) ?? null,
    deviceName: (r.device_name as string | null) ?? null,
    dbRole: String(r.db_role),
    operation: String(r.operation),
    startedAt: (r.started_at as Date).toISOString(),
    finishedAt: (r.finished_at as Date).toISOString(),
    result: String(r.result),
    counts: r.counts,
    error: r.error,
  }));
}

export async function registerDevice(client: pg.ClientBase, id: string, name: string): Promise<void> {
  await client.query(
    `INSERT INTO lockstep.devices (id, name, last_sync_at, last_role) VALUES ($1, $2, now(), current_user)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_sync_at = now(), last_role = current_user`,
    [id, name],
  );
}
