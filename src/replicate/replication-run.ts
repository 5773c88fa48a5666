import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { toLockstepError } from '../connection/describe-pg-error.js';
import { isLockstepError, LockstepError } from '../core/errors.js';
import { readFeedBound } from '../hub/sql/feed.js';
import type { HubDatasetInfo } from '../hub/sql/hub-meta.js';
import { interruptedRunError } from './interrupted-run.js';
import { createProgressTracker, type ProgressTracker } from './progress-tracker.js';
import { redactDeep, redactSecret } from './redact-secret.js';
import type { ResolvedReplicationOptions } from './replication-options.js';
import type { ErrorInfo, ProgressListener, ReplicationRunView, RunTrigger } from './replication-types.js';
import { scopeOf, toRunView } from './replication-views.js';
import { replicateToTarget } from './replicate-to-target.js';
import { startRunMonitor } from './run-monitor.js';
import { acquireConfigLock } from './sql/config-lock.js';
import { selectConfig, type ConfigRow } from './sql/config-rows.js';
import { ensureReplicationSchema } from './sql/replication-schema.js';
import { completeRun, failRun, inTransaction, markInterrupted, pruneRuns, selectRun, startRun } from './sql/run-rows.js';
import { beginSnapshot, readHubId } from './sql/source-reads.js';
import { checkTargetReachable } from './target-access.js';

/** One request to run a configuration now. */
export interface RunRequest {
  configId: string;
  /** Only run it if it belongs to this owner (the requester's identity never changes the scope). */
  owner?: string | undefined;
  trigger: RunTrigger;
  /** The graphile-worker worker id running it, for the history and crash recovery. */
  workerId?: string | null | undefined;
  /** Copy every row of the scope, as if it were the first run (fixes a target edited by hand). */
  full?: boolean | undefined;
  /** Overrides the configured lock timeout. */
  lockTimeoutMs?: number | undefined;
  onProgress?: ProgressListener | undefined;
}

/**
 * Runs one replication: takes the configuration's lock on the hub (`E_LOCKED` if another run holds it),
 * settles a run a dead process left IN_PROGRESS, records the run, copies the scope in one target
 * transaction from one hub snapshot, and records COMPLETED (counts, cursor, last error cleared) or FAILED
 * (the error, password redacted), which it then throws. See docs/spec/replication.md.
 */
export async function runReplication(o: ResolvedReplicationOptions, req: RunRequest): Promise<ReplicationRunView> {
  try {
    return await runWithConnections(o, req);
  } catch (e) {
    throw toLockstepError(e, 'run the replication'); // a hub lost before the run proper, too
  }
}

async function runWithConnections(o: ResolvedReplicationOptions, req: RunRequest): Promise<ReplicationRunView> {
  const status = await o.hub();
  let lock: pg.Client | undefined;
  try {
    const hub = await ensureReplicationSchema(status);
    const found = await selectConfig(status, req.configId, req.owner);
    if (!found) throw notFound(req.configId);
    lock = await o.hub();
    await lock.query(`SELECT set_config('application_name', $1, false)`, [`lockstep:replication:${req.workerId ?? `${req.trigger}-${process.pid}`}`.slice(0, 63)]);
    await lock.query('BEGIN');
    await lock.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [`${o.staleAfterMs}ms`]);
    await acquireConfigLock(lock, found.lock_key, req.lockTimeoutMs ?? o.lockTimeoutMs, found.name);
    const cfg = await selectConfig(status, req.configId);
    if (!cfg) throw notFound(req.configId);
    if (cfg.status === 'IN_PROGRESS') await inTransaction(status, () => markInterrupted(status, cfg.id, interruptedRunError(cfg, 'next-run')));
    const runId = randomUUID();
    await startRun(status, cfg.id, runId, req.trigger, req.workerId ?? null);
    await executeRun(o, req, { status, lock, hub, cfg, runId });
    await pruneRuns(status, cfg.id, o.historyLimit).catch(() => undefined);
    const done = await selectRun(status, runId);
    if (!done) throw notFound(req.configId);
    return toRunView(done);
  } finally {
    if (lock) {
      await lock.query('COMMIT').catch(() => undefined);
      await lock.end().catch(() => undefined);
    }
    await status.end().catch(() => undefined);
  }
}

function notFound(id: string): LockstepError {
  return new LockstepError('E_NOT_FOUND', `no replication configuration "${id}"; list them with: lockstep replicate list`);
}

interface RunContext {
  status: pg.Client;
  lock: pg.Client;
  hub: HubDatasetInfo;
  cfg: ConfigRow;
  runId: string;
}

async function executeRun(o: ResolvedReplicationOptions, req: RunRequest, x: RunContext): Promise<void> {
  const tracker = createProgressTracker(x.runId, x.cfg.id, Date.now);
  const monitor = startRunMonitor({ status: x.status, lock: x.lock, runId: x.runId, tracker, heartbeatMs: o.heartbeatMs, progressEveryMs: o.progressEveryMs, onProgress: req.onProgress });
  let password: string | undefined;
  let source: pg.Client | undefined;
  let target: pg.Client | undefined;
  try {
    password = x.cfg.target_password === null ? undefined : o.cipher.decrypt(x.cfg.target_password);
    const settings: ConnectionSettings = { ...x.cfg.target, ...(password === undefined ? {} : { password }) };
    await monitor.report(true);
    await checkTargetReachable(settings.host, o.policy, o.resolveHost);
    target = await o.connectTarget(settings, `replication:${x.cfg.name}`);
    source = await o.hub();
    // The bound first, then the snapshot: every transaction below the bound had finished before the
    // snapshot was taken, so its feed entries are in it (read inside the snapshot, a transaction could
    // commit between the two and the cursor would pass over its changes).
    const bound = await readFeedBound(source);
    await beginSnapshot(source);
    const hubId = await readHubId(source);
    const outcome = await replicateToTarget({
      source,
      target,
      status: x.status,
      hub: x.hub,
      hubId,
      bound,
      cfg: x.cfg,
      scope: scopeOf(x.cfg),
      runId: x.runId,
      full: req.full === true,
      batchSize: o.batchSize,
      tracker,
      monitor,
    });
    await completeRun(x.status, x.cfg.id, x.runId, { ...outcome, progress: tracker.snapshot() }, { table: x.cfg.scope_table, key: x.cfg.scope_key });
  } catch (e) {
    const err = failure(e, x.cfg, tracker, password);
    await target?.query('ROLLBACK').catch(() => undefined);
    await failRun(x.status, x.cfg.id, x.runId, errorInfo(err), tracker.snapshot()).catch(() => undefined);
    throw err;
  } finally {
    monitor.stop();
    await source?.end().catch(() => undefined);
    await target?.end().catch(() => undefined);
  }
}

/** Any error as a LockstepError saying where the run was, password removed, run id in its details. */
function failure(e: unknown, cfg: ConfigRow, tracker: ProgressTracker, password: string | undefined): LockstepError {
  const p = tracker.snapshot();
  const where = `${p.phase}${p.table ? ` ${p.table}` : ''}`;
  const context = `replication "${cfg.name}" failed (${where})`;
  const base = toLockstepError(e, context);
  const message = redactSecret(isLockstepError(e) ? `${context}: ${e.message}` : base.message, password);
  const details = redactDeep({ ...(base.details ?? {}), runId: p.runId, phase: p.phase, ...(p.table ? { table: p.table } : {}) }, password);
  return new LockstepError(base.code, message, { retryable: base.retryable, cause: e, details });
}

function errorInfo(e: LockstepError): ErrorInfo {
  return e.details === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, details: e.details };
}
