import type pg from 'pg';
import { LockstepError, isLockstepError } from '../core/errors.js';
import { toLockstepError } from '../connection/describe-pg-error.js';
import { FEED_START, type FeedCursor } from '../hub/sql/feed.js';
import { readHubDataset } from '../hub/sql/hub-meta.js';
import { acquireSyncLock } from '../hub/sql/sync-lock.js';
import { insertHubLog, registerDevice } from '../hub/sql/sync-log.js';
import type { LocalStore } from '../store/local-store.js';
import { describeSqliteError } from '../store/describe-sqlite-error.js';
import { runDownPhase } from './down-phase.js';
import { writeLocalLog } from './local-log.js';
import { settleOrphanRows } from './orphan-rows.js';
import { runPendingPhase } from './pending-phase.js';
import { recoverInflight } from './recover-inflight.js';
import { RunState, type RunOperation } from './run-state.js';
import { finishCounts, type SyncReport } from './sync-report.js';

export interface RunFlags {
  /** Read both sides and report; write nothing anywhere. */
  dryRun: boolean;
  /** Do everything, check the constraints at commit, then roll both sides back (precheck). */
  rehearse?: boolean;
  /** A pull may discard local changes only with this set. */
  discardLocal?: boolean;
  /** Refuse unless the fresh plan has exactly this fingerprint (applying a saved preview). */
  expectFingerprint?: string;
  lockTimeoutMs: number;
  batchSize: number;
}

const CURSOR_KEY = 'cursor';
const HUB_ID_KEY = 'hub_id';

/** True once this device has completed a run against a hub. */
export function hasSyncedBefore(store: LocalStore): boolean {
  return store.getMeta(HUB_ID_KEY) !== undefined;
}

export function readCursor(store: LocalStore): FeedCursor | undefined {
  return store.getMetaJson(CURSOR_KEY, 'hub cursor', isFeedCursor);
}

function isFeedCursor(v: unknown): v is FeedCursor {
  const c = v as Partial<FeedCursor> | null;
  return typeof c === 'object' && c !== null && typeof c.txid === 'string' && /^\d+$/.test(c.txid) && typeof c.seq === 'string' && /^\d+$/.test(c.seq);
}

/**
 * One push, pull or sync (or a preview of one) between a device and the hub.
 *
 * Writes happen in one hub transaction (holding the sync lock) and one SQLite transaction; the hub
 * commits first. A crash between the two commits leaves the device's changes pending; the next run
 * finds the hub already has them and converges without duplicating anything (see docs/spec/sync.md).
 */
export async function runSync(store: LocalStore, client: pg.ClientBase, operation: RunOperation, flags: RunFlags): Promise<SyncReport> {
  const started = new Date();
  const write = !flags.dryRun;
  let hubOpen = false;
  let localOpen = false;
  try {
    await client.query(write ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    hubOpen = true;
    if (write) {
      await client.query(`SELECT set_config('idle_in_transaction_session_timeout', '60000', true)`);
      await acquireSyncLock(client, flags.lockTimeoutMs);
    }
    const hub = await checkHub(store, client);
    if (write) await recoverInflight(store, client);
    store.db.exec(write ? 'BEGIN IMMEDIATE' : 'BEGIN');
    localOpen = true;
    const cursor = readCursor(store);
    const state = new RunState(store, client, hub.schema, operation, write, flags.batchSize);
    let newCursor = cursor ?? FEED_START;
    if (operation !== 'push') newCursor = await runDownPhase(state, newCursor);
    await runPendingPhase(state);
    if (write) await settleOrphanRows(state);

    const report = buildReport(state, flags.dryRun ? 'preview' : operation, operation, cursor === undefined, started);
    if (flags.expectFingerprint !== undefined && flags.expectFingerprint !== report.fingerprint)
      throw new LockstepError('E_PLAN_STALE', 'the data changed since this plan was saved (on this device or on the hub); preview again and save a new plan');
    if (operation === 'pull' && report.totals.discards > 0 && !flags.discardLocal)
      throw new LockstepError(
        'E_UNSYNCED_CHANGES',
        `pull would discard ${report.totals.discards} local change(s) not yet on the hub (e.g. ${report.discarded
          .slice(0, 5)
          .map((d) => `${d.table} ${d.id}`)
          .join(', ')}); push or sync them first, or pull with --yes to discard them`,
        { details: { discarded: report.discarded } },
      );
    if (!write) {
      await finish(store, client, 'ROLLBACK');
      return report;
    }
    if (state.maxSeenHlc) store.observe(state.maxSeenHlc);
    if (operation !== 'push') store.setMeta(CURSOR_KEY, JSON.stringify(newCursor));
    store.setMeta(HUB_ID_KEY, hub.hubId);
    const result = report.totals.conflicts > 0 ? 'conflicts' : 'ok';
    await registerDevice(client, store.deviceId, store.deviceName);
    await insertHubLog(client, {
      deviceId: store.deviceId,
      deviceName: store.deviceName,
      operation,
      startedAt: started,
      result,
      counts: report.tables,
      runId: state.runId,
    });
    writeLocalLog(store, { operation, startedAt: started, result, counts: report.tables });
    // Check every deferred constraint now, so a violation fails before either side commits.
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
    if (flags.rehearse) {
      await finish(store, client, 'ROLLBACK');
      return report;
    }
    // The device commits first, with what it sent kept in flight; then the hub. See the spec.
    store.db.exec('COMMIT');
    localOpen = false;
    await client.query('COMMIT');
    hubOpen = false;
    store.finishInflight(state.runId);
    return report;
  } catch (e) {
    const err = isLockstepError(e) ? e : isSqliteError(e) ? describeSqliteError(e, store.path) : toLockstepError(e, 'sync with the hub');
    if (localOpen && store.db.inTransaction) store.db.exec('ROLLBACK');
    if (hubOpen) await client.query('ROLLBACK').catch(() => undefined);
    if (write && !flags.rehearse) await logFailure(store, client, operation, started, err);
    throw err;
  }
}

async function finish(store: LocalStore, client: pg.ClientBase, how: 'ROLLBACK'): Promise<void> {
  if (store.db.inTransaction) store.db.exec(how);
  await client.query(how);
}

function isSqliteError(e: unknown): boolean {
  return String((e as { code?: unknown }).code ?? '').startsWith('SQLITE');
}

async function checkHub(store: LocalStore, client: pg.ClientBase): Promise<{ schema: string; hubId: string }> {
  const info = await readHubDataset(client);
  if (!info) throw new LockstepError('E_HUB_NOT_INITIALISED', 'the hub database has no Lockstep schema yet; run: lockstep hub init');
  if (info.dataset.name !== store.dataset.name)
    throw new LockstepError('E_DATASET_MISMATCH', `the hub holds dataset "${info.dataset.name}" but this device holds "${store.dataset.name}"`);
  const { rows } = await client.query<{ id: string }>(`SELECT value #>> '{}' AS id FROM lockstep.hub_meta WHERE key = 'hub_id'`);
  const hubId = rows[0]?.id ?? '';
  const known = store.getMeta(HUB_ID_KEY);
  if (known !== undefined && known !== hubId)
    throw new LockstepError(
      'E_HUB_SCHEMA',
      'this device was synced with a different hub (its id changed, e.g. the hub was re-created); create a new device store or restore the original hub',
    );
  return { schema: info.schema, hubId };
}

function buildReport(state: RunState, operation: SyncReport['operation'], plannedFor: RunOperation, firstSync: boolean, started: Date): SyncReport {
  return {
    operation,
    plannedFor,
    applied: operation !== 'preview',
    firstSync,
    tables: state.tables,
    ...finishCounts(state.tables),
    conflicts: state.conflicts,
    discarded: state.discarded,
    fingerprint: state.fingerprint(),
    durationMs: Date.now() - started.getTime(),
  };
}

async function logFailure(store: LocalStore, client: pg.ClientBase, operation: RunOperation, startedAt: Date, err: LockstepError): Promise<void> {
  const error = { code: err.code, message: err.message };
  try {
    writeLocalLog(store, { operation, startedAt, result: 'failed', error });
  } catch {
    // The local file may be the thing that failed (read-only, full); the error is still thrown to the caller.
  }
  try {
    await insertHubLog(client, { deviceId: store.deviceId, deviceName: store.deviceName, operation, startedAt, result: 'failed', error });
  } catch {
    // The hub may be unreachable; the local log keeps the record.
  }
}
