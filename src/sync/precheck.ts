import type pg from 'pg';
import { isLockstepError, type ErrorCode } from '../core/errors.js';
import { describeDifference, inspectSchema } from '../hub/inspect-schema.js';
import { readHubDataset } from '../hub/sql/hub-meta.js';
import { describeHolder, isSyncLockFree, readLockHolder } from '../hub/sql/sync-lock.js';
import type { LocalStore } from '../store/local-store.js';
import { runSync } from './sync-run.js';

export interface PrecheckItem {
  name: 'connection' | 'hub schema' | 'local integrity' | 'lock' | 'constraints';
  ok: boolean;
  code?: ErrorCode;
  message: string;
}

export interface PrecheckReport {
  ok: boolean;
  checks: PrecheckItem[];
}

/**
 * Checks, without changing anything, that a sync can run: the connection is stable, the hub's tables
 * and columns match the dataset, the local file is sound, no other device is applying, and the pending
 * changes satisfy every constraint (a full rehearsal of the sync, rolled back).
 */
export async function precheck(store: LocalStore, connect: () => Promise<pg.Client>, opts: { batchSize: number }): Promise<PrecheckReport> {
  const checks: PrecheckItem[] = [];
  const fail = (name: PrecheckItem['name'], e: unknown): void => {
    const code = isLockstepError(e) ? e.code : 'E_INTERNAL';
    checks.push({ name, ok: false, code, message: e instanceof Error ? e.message : String(e) });
  };
  checks.push(localIntegrity(store));
  let client: pg.Client;
  try {
    client = await connect();
  } catch (e) {
    fail('connection', e);
    return { ok: false, checks };
  }
  try {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await client.query('SELECT 1');
      times.push(performance.now() - t0);
    }
    checks.push({ name: 'connection', ok: true, message: `connected; round trip ${Math.max(...times).toFixed(1)} ms at most over 3 tries` });
    const schemaOk = await hubSchema(store, client, checks);
    if (!(await isSyncLockFree(client))) {
      const holder = await readLockHolder(client);
      checks.push({ name: 'lock', ok: false, code: 'E_LOCKED', message: `${describeHolder(holder)} is syncing now; wait for it to finish` });
    } else {
      checks.push({ name: 'lock', ok: true, message: 'no other device is syncing' });
      if (schemaOk) {
        try {
          const r = await runSync(store, client, 'sync', { dryRun: false, rehearse: true, lockTimeoutMs: 1000, batchSize: opts.batchSize });
          checks.push({ name: 'constraints', ok: true, message: `a rehearsal of the sync (${r.totals.conflicts} conflict(s)) satisfied every constraint; nothing was kept` });
        } catch (e) {
          fail('constraints', e);
        }
      }
    }
  } catch (e) {
    fail('connection', e);
  } finally {
    await client.end().catch(() => undefined);
  }
  return { ok: checks.every((c) => c.ok), checks };
}

function localIntegrity(store: LocalStore): PrecheckItem {
  const quick = store.db.pragma('quick_check') as { quick_check: string }[];
  if (quick[0]?.quick_check !== 'ok')
    return { name: 'local integrity', ok: false, code: 'E_STORE_CORRUPT', message: `the local file is damaged: ${quick.map((q) => q.quick_check).join('; ')}` };
  const fk = store.db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  if (fk.length > 0)
    return {
      name: 'local integrity',
      ok: false,
      code: 'E_INTEGRITY',
      message: `${fk.length} local row(s) point at missing rows, e.g. ${fk
        .slice(0, 3)
        .map((f) => `${f.table} rowid ${f.rowid} → ${f.parent}`)
        .join(', ')}`,
    };
  return { name: 'local integrity', ok: true, message: 'the local file and its foreign keys are sound' };
}

async function hubSchema(store: LocalStore, client: pg.Client, checks: PrecheckItem[]): Promise<boolean> {
  const info = await readHubDataset(client);
  if (!info) {
    checks.push({ name: 'hub schema', ok: false, code: 'E_HUB_NOT_INITIALISED', message: 'the hub has no Lockstep schema; run: lockstep hub init' });
    return false;
  }
  if (info.dataset.name !== store.dataset.name) {
    checks.push({ name: 'hub schema', ok: false, code: 'E_DATASET_MISMATCH', message: `the hub holds dataset "${info.dataset.name}", this device "${store.dataset.name}"` });
    return false;
  }
  const tables = store.dataset.tables.map((table) => ({ table, columns: table.columns }));
  const { differences } = await inspectSchema(client, info.schema, tables, { requireTables: true });
  if (differences.length > 0) {
    checks.push({
      name: 'hub schema',
      ok: false,
      code: 'E_HUB_SCHEMA',
      message: `the hub's tables differ from the dataset: ${differences.map(describeDifference).join('; ')}`,
    });
    return false;
  }
  checks.push({ name: 'hub schema', ok: true, message: `schema "${info.schema}" has every table and column of "${store.dataset.name}"` });
  return true;
}
