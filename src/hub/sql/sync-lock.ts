import type pg from 'pg';
import { LockstepError } from '../../core/errors.js';

/** The advisory lock (per hub database) held by the one device applying changes. */
export const SYNC_LOCK = [1280070512, 1] as const;

export interface LockHolder {
  application: string;
  since: string | null;
  clientAddr: string | null;
}

/** Who holds the sync lock now, if anyone. */
export async function readLockHolder(client: pg.ClientBase): Promise<LockHolder | undefined> {
  const { rows } = await client.query<{ application_name: string; xact_start: Date | null; client_addr: string | null }>(
    `SELECT a.application_name, a.xact_start, host(a.client_addr) AS client_addr
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2`,
    [SYNC_LOCK[0], SYNC_LOCK[1]],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { application: r.application_name || 'an unnamed client', since: r.xact_start?.toISOString() ?? null, clientAddr: r.client_addr };
}

export function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'another device';
  const name = h.application.startsWith('lockstep:') ? `device "${h.application.slice(9)}"` : `"${h.application}"`;
  return `${name}${h.clientAddr ? ` at ${h.clientAddr}` : ''}${h.since ? ` (since ${h.since})` : ''}`;
}

/**
 * Takes the sync lock for the current transaction, waiting up to `timeoutMs`. The lock is released at
 * commit or rollback, and by PostgreSQL when the holder's connection dies, so a crashed device never
 * blocks the others for longer than it takes the server to notice the dead connection.
 */
export async function acquireSyncLock(client: pg.ClientBase, timeoutMs: number): Promise<void> {
  await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.round(timeoutMs))}ms`]);
  try {
    await client.query('SAVEPOINT lockstep_lock');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...SYNC_LOCK]);
    await client.query('RELEASE SAVEPOINT lockstep_lock');
  } catch (e) {
    if ((e as { code?: string }).code !== '55P03') throw e;
    await client.query('ROLLBACK TO SAVEPOINT lockstep_lock');
    const holder = await readLockHolder(client);
    throw new LockstepError(
      'E_LOCKED',
      `${describeHolder(holder)} is syncing with this hub; waited ${timeoutMs} ms. Try again when it has finished, or raise --lock-timeout`,
      { retryable: true, cause: e, details: { holder: holder ?? null } },
    );
  } finally {
    await client.query(`SELECT set_config('lock_timeout', '0', true)`).catch(() => undefined);
  }
}

/** True if nobody holds the sync lock right now (checked without waiting; takes and releases it). */
export async function isSyncLockFree(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [...SYNC_LOCK]);
  const ok = rows[0]?.ok === true;
  if (ok) await client.query('SELECT pg_advisory_unlock($1, $2)', [...SYNC_LOCK]);
  return ok;
}
