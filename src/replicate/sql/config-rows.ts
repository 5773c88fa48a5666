import type pg from 'pg';
import type { ConnectionSettings } from '../../connection/connection-settings.js';
import type { FeedCursor } from '../../hub/sql/feed.js';
import type { ErrorInfo, ReplicationMode, ReplicationProgress, ReplicationStatus } from '../replication-types.js';

/** The target's settings as stored: everything but the password, which is kept apart, encrypted. */
export type StoredTarget = Omit<ConnectionSettings, 'password'>;

/** A row of `lockstep.replication_configs`, with the live progress of its current run. */
export interface ConfigRow {
  id: string;
  lock_key: number;
  name: string;
  owner: string;
  target: StoredTarget;
  target_password: string | null;
  target_schema: string;
  scope_table: string | null;
  scope_key: string | null;
  mode: ReplicationMode;
  interval_seconds: number | null;
  migrate: boolean;
  status: ReplicationStatus;
  current_run_id: string | null;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_success_at: Date | null;
  last_error: ErrorInfo | null;
  rows_copied: Record<string, number>;
  cursor_txid: string | null;
  cursor_seq: string | null;
  created_at: Date;
  updated_at: Date;
  progress: ReplicationProgress | null;
  run_heartbeat_at: Date | null;
  run_worker_id: string | null;
}

/** The fields a caller sets; the rest start empty. */
export interface NewConfigRow {
  id: string;
  name: string;
  owner: string;
  target: StoredTarget;
  target_password: string | null;
  target_schema: string;
  scope_table: string | null;
  scope_key: string | null;
  mode: ReplicationMode;
  interval_seconds: number | null;
  migrate: boolean;
}

const SELECT = `SELECT c.*, r.progress, r.heartbeat_at AS run_heartbeat_at, r.worker_id AS run_worker_id
  FROM lockstep.replication_configs c
  LEFT JOIN lockstep.replication_runs r ON r.id = c.current_run_id AND r.status = 'IN_PROGRESS'`;

export async function insertConfig(client: pg.ClientBase, c: NewConfigRow): Promise<void> {
  await client.query(
    `INSERT INTO lockstep.replication_configs
       (id, name, owner, target, target_password, target_schema, scope_table, scope_key, mode, interval_seconds, migrate)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11)`,
    [c.id, c.name, c.owner, JSON.stringify(c.target), c.target_password, c.target_schema, c.scope_table, c.scope_key, c.mode, c.interval_seconds, c.migrate],
  );
}

/** One configuration, or undefined. With `owner`, only if that owner's (so others' ids read as unknown). */
export async function selectConfig(client: pg.ClientBase, id: string, owner?: string): Promise<ConfigRow | undefined> {
  const { rows } = await client.query<ConfigRow>(`${SELECT} WHERE c.id::text = $1 AND ($2::text IS NULL OR c.owner = $2)`, [id, owner ?? null]);
  return rows[0];
}

export async function selectConfigs(client: pg.ClientBase, owner?: string): Promise<ConfigRow[]> {
  const { rows } = await client.query<ConfigRow>(`${SELECT} WHERE $1::text IS NULL OR c.owner = $1 ORDER BY c.created_at, c.id`, [owner ?? null]);
  return rows;
}

/** Continuous configurations (for the worker's scheduler). */
export async function selectContinuousConfigs(client: pg.ClientBase): Promise<ConfigRow[]> {
  const { rows } = await client.query<ConfigRow>(`${SELECT} WHERE c.mode = 'continuous' ORDER BY c.id`);
  return rows;
}

/** Configurations whose run in progress has not sent a heartbeat for `staleAfterMs`. */
export async function selectStaleConfigs(client: pg.ClientBase, staleAfterMs: number): Promise<ConfigRow[]> {
  const { rows } = await client.query<ConfigRow>(
    `SELECT c.*, r.progress, r.heartbeat_at AS run_heartbeat_at, r.worker_id AS run_worker_id
     FROM lockstep.replication_configs c LEFT JOIN lockstep.replication_runs r ON r.id = c.current_run_id
     WHERE c.status = 'IN_PROGRESS'
       AND coalesce(r.heartbeat_at, c.last_started_at, c.updated_at) < now() - make_interval(secs => $1::double precision / 1000)`,
    [staleAfterMs],
  );
  return rows;
}

export type ConfigPatch = Partial<
  Pick<NewConfigRow, 'name' | 'target' | 'target_password' | 'target_schema' | 'scope_table' | 'scope_key' | 'mode' | 'interval_seconds' | 'migrate'> & {
    status: ReplicationStatus;
    cursor: FeedCursor | null;
  }
>;

/** Changes the given fields (and `updated_at`). */
export async function updateConfig(client: pg.ClientBase, id: string, patch: ConfigPatch): Promise<void> {
  const sets: string[] = [];
  const values: unknown[] = [id];
  const set = (col: string, v: unknown, cast = ''): void => {
    values.push(v);
    sets.push(`${col} = $${values.length}${cast}`);
  };
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'cursor') {
      const c = v as FeedCursor | null;
      set('cursor_txid', c?.txid ?? null);
      set('cursor_seq', c?.seq ?? null);
    } else if (k === 'target') set('target', JSON.stringify(v), '::jsonb');
    else set(k, v);
  }
  if (sets.length === 0) return;
  await client.query(`UPDATE lockstep.replication_configs SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, values);
}

export async function deleteConfig(client: pg.ClientBase, id: string): Promise<boolean> {
  const r = await client.query('DELETE FROM lockstep.replication_configs WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}
