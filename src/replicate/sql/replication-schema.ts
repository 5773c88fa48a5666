import type pg from 'pg';
import { LockstepError } from '../../core/errors.js';
import { readHubDataset, type HubDatasetInfo } from '../../hub/sql/hub-meta.js';

/** Version of the replication tables in the hub's `lockstep` schema (hub_meta key `replication_schema_version`). */
export const REPLICATION_SCHEMA_VERSION = 1;

const SCHEMA_LOCK = [1280070512, 3] as const;

/**
 * The replication tables in the hub's metadata schema: configurations (the target password only encrypted)
 * and their runs (history, heartbeat and live progress). Every statement is idempotent.
 */
export const REPLICATION_DDL = `
CREATE SEQUENCE IF NOT EXISTS lockstep.replication_lock_seq AS integer;
CREATE TABLE IF NOT EXISTS lockstep.replication_configs (
  id uuid PRIMARY KEY,
  lock_key integer NOT NULL UNIQUE DEFAULT nextval('lockstep.replication_lock_seq'),
  name text NOT NULL,
  owner text NOT NULL,
  target jsonb NOT NULL,
  target_password text,
  target_schema text NOT NULL,
  scope_table text,
  scope_key text,
  mode text NOT NULL CHECK (mode IN ('manual', 'continuous')),
  interval_seconds integer CHECK (interval_seconds IS NULL OR interval_seconds >= 1),
  migrate boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'IDLE' CHECK (status IN ('IDLE', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
  current_run_id uuid,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  last_success_at timestamptz,
  last_error jsonb,
  rows_copied jsonb NOT NULL DEFAULT '{}',
  cursor_txid text,
  cursor_seq text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((mode = 'continuous') = (interval_seconds IS NOT NULL)),
  CHECK ((scope_table IS NULL) = (scope_key IS NULL))
);
CREATE INDEX IF NOT EXISTS replication_configs_owner_idx ON lockstep.replication_configs (owner);
CREATE TABLE IF NOT EXISTS lockstep.replication_runs (
  id uuid PRIMARY KEY,
  config_id uuid NOT NULL REFERENCES lockstep.replication_configs (id) ON DELETE CASCADE,
  trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
  kind text CHECK (kind IN ('full', 'incremental')),
  status text NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'FAILED')),
  worker_id text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  rows_copied jsonb NOT NULL DEFAULT '{}',
  rows_deleted jsonb NOT NULL DEFAULT '{}',
  source_counts jsonb NOT NULL DEFAULT '{}',
  target_counts jsonb NOT NULL DEFAULT '{}',
  progress jsonb,
  error jsonb
);
CREATE INDEX IF NOT EXISTS replication_runs_config_idx ON lockstep.replication_runs (config_id, started_at DESC);
`;

/**
 * Creates the replication tables on an initialised hub when missing (under a lock, so concurrent callers
 * do not race), and returns the hub's dataset. Fails `E_HUB_NOT_INITIALISED` on a database without a hub.
 *
 * @example
 * const { dataset, schema } = await ensureReplicationSchema(client);
 */
export async function ensureReplicationSchema(client: pg.ClientBase): Promise<HubDatasetInfo> {
  const hub = await readHubDataset(client);
  if (!hub) throw new LockstepError('E_HUB_NOT_INITIALISED', 'this database is not a Lockstep hub; run: lockstep hub init --url … --dataset …');
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT to_regclass('lockstep.replication_runs') IS NOT NULL AND EXISTS (
       SELECT 1 FROM lockstep.hub_meta WHERE key = 'replication_schema_version' AND value = to_jsonb($1::int)) AS ok`,
    [REPLICATION_SCHEMA_VERSION],
  );
  if (rows[0]?.ok) return hub;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...SCHEMA_LOCK]);
    await client.query(REPLICATION_DDL);
    await client.query(
      `INSERT INTO lockstep.hub_meta (key, value) VALUES ('replication_schema_version', to_jsonb($1::int))
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [REPLICATION_SCHEMA_VERSION],
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return hub;
}
