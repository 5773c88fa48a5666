import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import type { HubDatasetInfo } from '../hub/sql/hub-meta.js';
import type { ProgressTracker } from './progress-tracker.js';
import { copyScope } from './replication-copy.js';
import type { ReplicationScope } from './replication-types.js';
import type { RunMonitor } from './run-monitor.js';
import { REPLICATION_LOCK_CLASS } from './sql/config-lock.js';
import { selectConfig, type ConfigRow } from './sql/config-rows.js';
import type { RunOutcome } from './sql/run-rows.js';
import { finishCreatedTables, finishMigration, prepareTarget } from './target-schema.js';
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
  const cursor = x.full || !mine ? undefined : mine.cursor;
  x.monitor.setKind(cursor ? 'incremental' : 'full');
  const result = await copyScope({
    source: x.source,
    target,
    dataset: x.hub.dataset,
    hubSchema: x.hub.schema,
    targetSchema: schema,
    scope: x.scope,
    cursor,
    // Tables this run created are empty and have no keys yet: they are filled in full, by COPY.
    refreshTables: new Set([...prepared.addedColumns.map((a) => a.table), ...prepared.createdTables]),
    createdTables: new Set(prepared.createdTables),
    batchSize: x.batchSize,
    progress: x.tracker,
    report: (force) => x.monitor.report(force),
  });
  await finishCreatedTables(target, x.hub.dataset, schema, prepared);
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
