import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import type { HubDatasetInfo } from '../hub/sql/hub-meta.js';
import type { ProgressTracker } from './progress-tracker.js';
import { copyChanges } from './incremental-copy.js';
import { copyScope, notClosed } from './replication-copy.js';
import type { ReplicationScope } from './replication-types.js';
import type { RunMonitor } from './run-monitor.js';
import { REPLICATION_LOCK_CLASS } from './sql/config-lock.js';
import { selectConfig, type ConfigRow } from './sql/config-rows.js';
import { selectRun, type RunOutcome } from './sql/run-rows.js';
import { danglingReferences } from './sql/key-lookups.js';
import { finishCreatedTables, finishMigration, prepareTarget, type PreparedTarget } from './target-schema.js';
import { deleteTargetState, readTargetStates, writeTargetState, type TargetState } from './target-state.js';

export interface ReplicateToTargetInput {
  /** The hub inside the run's snapshot transaction. */
  source: pg.ClientBase;
  /** A fresh target connection (this function opens and commits its transaction). */
  target: pg.ClientBase;
  /** The hub, autocommit, for looking up other configurations. */
  status: pg.ClientBase;
  hub: HubDatasetInfo;
  hubId: string;
  /** The feed's bound, read just before the source snapshot was taken. */
  bound: string;
  cfg: ConfigRow;
  scope: ReplicationScope;
  runId: string;
  full: boolean;
  batchSize: number;
  tracker: ProgressTracker;
  monitor: RunMonitor;
}

/**
 * The target side of a run, all in one transaction: a lock on the target schema (two replications never
 * write one schema at once), the schema prepared (created, checked, or migrated on request), the rows
 * copied, the bookkeeping row written with the new feed position, every deferred constraint checked, and
 * — only if the run still holds its lock on the hub — COMMIT. Anything else rolls it all back.
 */
export async function replicateToTarget(x: ReplicateToTargetInput): Promise<Omit<RunOutcome, 'progress'>> {
  const { target, cfg } = x;
  const schema = cfg.target_schema;
  await target.query('BEGIN');
  await target.query('SET CONSTRAINTS ALL DEFERRED');
  await target.query('SET LOCAL jit = off'); // large statements over many rows: compiling them costs more than it saves
  // Room for the run's temporary key tables in memory (settable only before the session's first temporary
  // table: the run's connection is fresh); PostgreSQL's default is 8 MB, about 100,000 keys.
  await target.query(`SET LOCAL temp_buffers = '256MB'`);
  const { rows } = await target.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [REPLICATION_LOCK_CLASS, schema]);
  if (rows[0]?.ok !== true)
    throw new LockstepError('E_LOCKED', `another replication is writing to schema "${schema}" of this target right now; try again when it has finished`, { retryable: true });
  x.tracker.phase('schema');
  await x.monitor.report(true);
  const prepared = await prepareTarget(target, x.hub.dataset, schema, { migrate: cfg.migrate });
  const mine = await claimTarget(x, await readTargetStates(target, schema));
  // A table just created or given new columns needs every row, and a target holding another scope (the
  // scope was edited: that clears the hub's cursor) needs every row looked at: such runs are full ones.
  const reshaped = prepared.createdTables.length > 0 || prepared.addedColumns.length > 0;
  const incremental = !x.full && !reshaped && mine !== undefined && cfg.cursor_txid !== null;
  x.monitor.setKind(incremental ? 'incremental' : 'full');
  const input = {
    source: x.source,
    target,
    dataset: x.hub.dataset,
    hubSchema: x.hub.schema,
    targetSchema: schema,
    scope: x.scope,
    bound: x.bound,
    cursor: mine?.cursor,
    createdTables: new Set(prepared.createdTables),
    batchSize: x.batchSize,
    progress: x.tracker,
    report: (force?: boolean) => x.monitor.report(force),
  };
  const result =
    incremental && mine
      ? await copyChanges({ ...input, cursor: mine.cursor, previousCounts: await previousCounts(x, mine.runId) })
      : await copyScope(input);
  await addKeys(x, prepared);
  await finishMigration(target, schema, prepared);
  await writeTargetState(target, schema, { configId: cfg.id, hubId: x.hubId, cursor: result.cursor, runId: x.runId });
  await target.query('SET CONSTRAINTS ALL IMMEDIATE');
  x.tracker.phase('commit');
  await x.monitor.report(true);
  await x.monitor.confirmLock();
  await target.query('COMMIT');
  return result;
}

/**
 * The keys of the tables this run created (`finishCreatedTables`). When it created all of them (a first
 * run), this is where a scope that is not closed shows: a row in it references a row the target did not
 * get. That is reported as such, with examples, instead of as a foreign-key violation.
 */
async function addKeys(x: ReplicateToTargetInput, prepared: PreparedTarget): Promise<void> {
  const schema = x.cfg.target_schema;
  await x.target.query('SAVEPOINT lockstep_keys');
  try {
    await finishCreatedTables(x.target, x.hub.dataset, schema, prepared);
  } catch (e) {
    if ((e as { code?: unknown }).code !== '23503') throw e;
    await x.target.query('ROLLBACK TO SAVEPOINT lockstep_keys');
    const dangling = await danglingReferences(x.target, schema, x.hub.dataset.tables);
    if (dangling.length > 0) throw notClosed(x.scope, dangling);
    throw e;
  }
  await x.target.query('RELEASE SAVEPOINT lockstep_keys');
}

/**
 * The per-table row counts the target held after the run `runId` committed, as the hub recorded them —
 * undefined unless the hub has that run COMPLETED with a count for every table (a run that died between
 * its target commit and its hub update recorded none).
 */
async function previousCounts(x: ReplicateToTargetInput, runId: string): Promise<Record<string, number> | undefined> {
  const run = await selectRun(x.status, runId);
  if (run?.status !== 'COMPLETED' || run.config_id !== x.cfg.id) return undefined;
  const counts = run.target_counts;
  return x.hub.dataset.tables.every((t) => typeof counts[t.name] === 'number') ? counts : undefined;
}

/**
 * This configuration's state in the target, if it came from this hub. A schema another existing
 * configuration replicates into is refused (each would delete the other's rows); the state of a
 * configuration that no longer exists is dropped, so a re-created configuration can take over.
 */
async function claimTarget(x: ReplicateToTargetInput, states: TargetState[]): Promise<TargetState | undefined> {
  for (const s of states) {
    if (s.configId === x.cfg.id) continue;
    const other = s.hubId === x.hubId ? await selectConfig(x.status, s.configId) : undefined;
    if (other || s.hubId !== x.hubId)
      throw new LockstepError(
        'E_REPLICATION',
        `schema "${x.cfg.target_schema}" of the target already receives ${other ? `replication "${other.name}" (${other.id})` : 'a replication from another hub'}; ` +
          'two replications must not share a target schema: choose another target schema',
        { details: { otherConfigId: s.configId } },
      );
    await deleteTargetState(x.target, x.cfg.target_schema, s.configId);
  }
  return states.find((s) => s.configId === x.cfg.id && s.hubId === x.hubId);
}
