import type pg from 'pg';
import type { FeedCursor } from '../hub/sql/feed.js';
import { qualified } from '../hub/hub-schema.js';
import { STATE_TABLE } from './target-schema.js';

/**
 * What a replication last committed to a target schema, written in the same target transaction as the
 * rows: so the target itself says which hub, which feed position and which run its rows come from.
 */
export interface TargetState {
  configId: string;
  hubId: string;
  cursor: FeedCursor;
  runId: string;
}

/** Every replication's state in the target schema (empty when the table is missing). */
export async function readTargetStates(client: pg.ClientBase, schema: string): Promise<TargetState[]> {
  const exists = await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified(schema, STATE_TABLE)]);
  if (exists.rows[0]?.ok !== true) return [];
  const { rows } = await client.query<{ config_id: string; hub_id: string; cursor_txid: string; cursor_seq: string; run_id: string }>(
    `SELECT config_id, hub_id, cursor_txid, cursor_seq, run_id FROM ${qualified(schema, STATE_TABLE)}`,
  );
  return rows.map((r) => ({ configId: r.config_id, hubId: r.hub_id, cursor: { txid: r.cursor_txid, seq: r.cursor_seq }, runId: r.run_id }));
}

export async function writeTargetState(client: pg.ClientBase, schema: string, s: TargetState): Promise<void> {
  await client.query(
    `INSERT INTO ${qualified(schema, STATE_TABLE)} (config_id, hub_id, cursor_txid, cursor_seq, run_id, replicated_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (config_id) DO UPDATE SET hub_id = excluded.hub_id, cursor_txid = excluded.cursor_txid,
       cursor_seq = excluded.cursor_seq, run_id = excluded.run_id, replicated_at = excluded.replicated_at`,
    [s.configId, s.hubId, s.cursor.txid, s.cursor.seq, s.runId],
  );
}

export async function deleteTargetState(client: pg.ClientBase, schema: string, configId: string): Promise<void> {
  await client.query(`DELETE FROM ${qualified(schema, STATE_TABLE)} WHERE config_id = $1`, [configId]);
}
