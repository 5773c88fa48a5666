import type pg from 'pg';
import { LockstepError } from '../../core/errors.js';

/** Advisory locks `(REPLICATION_LOCK_CLASS, lock_key)` on the hub: one per configuration. */
export const REPLICATION_LOCK_CLASS = 1280070513;

/** Who holds a configuration's lock (application name and since when), if anyone. */
export async function describeConfigLockHolder(client: pg.ClientBase, lockKey: number): Promise<string> {
  const { rows } = await client.query<{ application_name: string; xact_start: Date | null }>(
    `SELECT a.application_name, a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2`,
    [REPLICATION_LOCK_CLASS, lockKey],
  );
  const r = rows[0];
  if (!r) return 'another run';
  return `"${r.application_name || 'an unnamed client'}"${r.xact_start ? ` (since ${r.xact_start.toISOString()})` : ''}`;
}

/**
 * Takes a configuration's lock for the current transaction, waiting at most `timeoutMs` (0: not at all).
 * It is released at commit or rollback, and by PostgreSQL when the holder's connection dies, so a crashed
 * process never keeps it. Fails `E_LOCKED` naming the holder.
 */
export async function acquireConfigLock(client: pg.ClientBase, lockKey: number, timeoutMs: number, name: string): Promise<void> {
  if (timeoutMs <= 0) {
    if (await tryConfigLock(client, lockKey)) return;
    throw await lockedError(client, lockKey, name, 0);
  }
  await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.round(timeoutMs)}ms`]);
  try {
    await client.query('SAVEPOINT lockstep_config_lock');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [REPLICATION_LOCK_CLASS, lockKey]);
    await client.query('RELEASE SAVEPOINT lockstep_config_lock');
  } catch (e) {
    if ((e as { code?: string }).code !== '55P03') throw e;
    await client.query('ROLLBACK TO SAVEPOINT lockstep_config_lock');
    throw await lockedError(client, lockKey, name, timeoutMs, e);
  } finally {
    await client.query(`SELECT set_config('lock_timeout', '0', true)`).catch(() => undefined);
  }
}

/** Takes the lock for the current transaction if it is free; never waits. */
export async function tryConfigLock(client: pg.ClientBase, lockKey: number): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS ok', [REPLICATION_LOCK_CLASS, lockKey]);
  return rows[0]?.ok === true;
}

async function lockedError(client: pg.ClientBase, lockKey: number, name: string, waitedMs: number, cause?: unknown): Promise<LockstepError> {
  const holder = await describeConfigLockHolder(client, lockKey);
  return new LockstepError(
    'E_LOCKED',
    `replication "${name}" is already running (held by ${holder}${waitedMs > 0 ? `; waited ${waitedMs} ms` : ''}); wait for it to finish, then try again`,
    { retryable: true, cause, details: { holder } },
  );
}
