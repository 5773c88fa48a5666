import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { toLockstepError } from '../connection/describe-pg-error.js';
import { LockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { HubDatasetInfo } from '../hub/sql/hub-meta.js';
import type { SchemaDifference } from '../hub/inspect-schema.js';
import { checkMode, checkName, checkOwner, checkSchemaName, MASKED_PASSWORD, type AddReplicationInput, type EditReplicationInput } from './config-input.js';
import { resolveReplicationOptions, type ReplicationOptions, type ResolvedReplicationOptions } from './replication-options.js';
import { runReplication } from './replication-run.js';
import { parseScope } from './replication-scope.js';
import type { ProgressListener, ReplicationConfigView, ReplicationRunView, ReplicationScope } from './replication-types.js';
import { toConfigView, toRunView } from './replication-views.js';
import { recoverStaleRuns, type RecoveredRun } from './stale-runs.js';
import { rootExistsSql } from './scope-sql.js';
import { tryConfigLock } from './sql/config-lock.js';
import { deleteConfig, insertConfig, selectConfig, selectConfigs, updateConfig, type ConfigPatch, type ConfigRow } from './sql/config-rows.js';
import { ensureReplicationSchema } from './sql/replication-schema.js';
import { selectRuns } from './sql/run-rows.js';
import { addReplicationJob, JOB_MAX_ATTEMPTS, removeReplicationJobs, workerSchemaExists } from './sql/worker-jobs.js';
import { checkTargetReachable, checkTargetUrl, splitPassword } from './target-access.js';
import { inspectTarget, targetDdl } from './target-schema.js';

export type ReplicationServiceOptions = ReplicationOptions;

/** Restricts a call to one owner's configurations: another owner's id reads as unknown (`E_NOT_FOUND`). */
export interface AccessOptions {
  owner?: string | undefined;
}

export interface RunNowOptions extends AccessOptions {
  /** Copy every row of the scope (repairs a target edited by hand). */
  full?: boolean;
  lockTimeoutMs?: number;
  onProgress?: ProgressListener;
}

/**
 * Replication configurations and runs on one hub: what the CLI and the HTTP server call. Every read
 * returns the target URL masked; the password is stored only encrypted with the given cipher.
 *
 * @example
 * const service = createReplicationService({ hub: () => connectHub(hubSettings), cipher, policy: { forbidPrivateAddresses: true } });
 * const cfg = await service.add({ name: 'backup', owner: parentId, url, scope: `users:${parentId}` });
 * const run = await service.run(cfg.id, { onProgress: (p) => console.error(p.table, p.rowsDone, p.rowsTotal) });
 */
export class ReplicationService {
  readonly options: ResolvedReplicationOptions;

  constructor(options: ReplicationServiceOptions) {
    this.options = resolveReplicationOptions(options);
  }

  /** Validates and saves a configuration (URL checked against the policy, scope root checked on the hub). */
  async add(input: AddReplicationInput): Promise<ReplicationConfigView> {
    return this.withHub(async (c, hub) => {
      const settings = checkTargetUrl(input.url, this.options.policy);
      const { stored, password } = splitPassword(settings);
      const scope = await this.checkScope(c, hub, input.scope);
      const id = randomUUID();
      await insertConfig(c, {
        id,
        name: checkName(input.name),
        owner: checkOwner(input.owner),
        target: stored,
        target_password: password === undefined ? null : this.options.cipher.encrypt(password),
        target_schema: checkSchemaName(input.targetSchema ?? hub.schema),
        scope_table: scope.kind === 'row' ? scope.table : null,
        scope_key: scope.kind === 'row' ? scope.key : null,
        ...checkMode(input.mode ?? 'manual', input.intervalSeconds),
        migrate: input.migrate === true,
      });
      await this.syncSchedule(c, id);
      return toConfigView(await this.row(c, id));
    });
  }

  /** Configurations, oldest first (only `owner`'s when given). */
  async list(opts: AccessOptions = {}): Promise<ReplicationConfigView[]> {
    return this.withHub(async (c) => (await selectConfigs(c, opts.owner)).map(toConfigView));
  }

  /** One configuration by id (or by a unique name), with its live progress while it runs. */
  async get(idOrName: string, opts: AccessOptions = {}): Promise<ReplicationConfigView> {
    return this.withHub(async (c) => toConfigView(await this.find(c, idOrName, opts)));
  }

  /** Changes a configuration; the URL and scope are checked as in `add`. Takes effect at the next run. */
  async edit(idOrName: string, patch: EditReplicationInput, opts: AccessOptions = {}): Promise<ReplicationConfigView> {
    return this.withHub(async (c, hub) => {
      const row = await this.find(c, idOrName, opts);
      const p: ConfigPatch = {};
      if (patch.name !== undefined) p.name = checkName(patch.name);
      if (patch.url !== undefined) {
        const { stored, password } = splitPassword(checkTargetUrl(patch.url, this.options.policy));
        p.target = stored;
        if (password !== MASKED_PASSWORD) p.target_password = password === undefined ? null : this.options.cipher.encrypt(password);
      }
      if (patch.scope !== undefined) {
        const scope = await this.checkScope(c, hub, patch.scope);
        p.scope_table = scope.kind === 'row' ? scope.table : null;
        p.scope_key = scope.kind === 'row' ? scope.key : null;
        // The target holds the old scope: an incremental run cannot get from it to the new one.
        if (p.scope_table !== row.scope_table || p.scope_key !== row.scope_key) p.cursor = null;
      }
      if (patch.targetSchema !== undefined) p.target_schema = checkSchemaName(patch.targetSchema);
      if (patch.migrate !== undefined) p.migrate = patch.migrate;
      if (patch.mode !== undefined || patch.intervalSeconds !== undefined) {
        const mode = patch.mode ?? row.mode;
        Object.assign(p, checkMode(mode, patch.intervalSeconds === undefined && mode === row.mode ? row.interval_seconds : patch.intervalSeconds));
      }
      await updateConfig(c, row.id, p);
      if (p.mode !== undefined) await this.syncSchedule(c, row.id);
      return toConfigView(await this.row(c, row.id));
    });
  }

  /** Deletes a configuration and its history (`E_LOCKED` while it runs). The target's tables and rows stay. */
  async remove(idOrName: string, opts: AccessOptions = {}): Promise<ReplicationConfigView> {
    return this.withHub(async (c) => {
      const row = await this.find(c, idOrName, opts);
      await c.query('BEGIN');
      try {
        if (!(await tryConfigLock(c, row.lock_key)))
          throw new LockstepError('E_LOCKED', `replication "${row.name}" is running; remove it when the run has finished`, { retryable: true });
        await deleteConfig(c, row.id);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
      if (await workerSchemaExists(c)) await removeReplicationJobs(c, row.id);
      return toConfigView(row);
    });
  }

  /**
   * Runs a configuration now, in this process. Resolves with the COMPLETED run; a failed run is recorded
   * as FAILED and its error thrown (`E_LOCKED` if it is already running: nothing is recorded then).
   */
  async run(idOrName: string, opts: RunNowOptions = {}): Promise<ReplicationRunView> {
    const id = await this.withHub(async (c) => (await this.find(c, idOrName, opts)).id);
    return runReplication(this.options, { configId: id, owner: opts.owner, trigger: 'manual', full: opts.full, lockTimeoutMs: opts.lockTimeoutMs, onProgress: opts.onProgress });
  }

  /** Asks the workers to run a configuration as soon as one is free (for servers: the request returns at once). */
  async queueRun(idOrName: string, opts: AccessOptions = {}): Promise<void> {
    await this.withHub(async (c) => {
      const row = await this.find(c, idOrName, opts);
      if (!(await workerSchemaExists(c))) throw new LockstepError('E_USAGE', 'no replication worker has ever started on this hub; start one with: lockstep worker');
      await addReplicationJob(c, { configId: row.id, runAt: null, maxAttempts: 1, once: true });
    });
  }

  /** The newest runs first. */
  async history(idOrName: string, opts: AccessOptions & { limit?: number } = {}): Promise<ReplicationRunView[]> {
    return this.withHub(async (c) => (await selectRuns(c, (await this.find(c, idOrName, opts)).id, opts.limit ?? 20)).map(toRunView));
  }

  /** The statements that create the target schema by hand, for a configuration's target schema or any other. */
  async schemaDdl(opts: AccessOptions & { id?: string; targetSchema?: string } = {}): Promise<string[]> {
    return this.withHub(async (c, hub) => {
      const schema = opts.targetSchema ?? (opts.id ? (await this.find(c, opts.id, opts)).target_schema : hub.schema);
      return targetDdl(hub.dataset, checkSchemaName(schema));
    });
  }

  /** Connects to a configuration's target and compares its tables with the dataset. Writes nothing. */
  async checkTarget(idOrName: string, opts: AccessOptions = {}): Promise<{ targetSchema: string; differences: SchemaDifference[]; missingTables: string[] }> {
    return this.withHub(async (c, hub) => {
      const row = await this.find(c, idOrName, opts);
      const password = row.target_password === null ? undefined : this.options.cipher.decrypt(row.target_password);
      await checkTargetReachable(row.target.host, this.options.policy, this.options.resolveHost);
      const target = await this.options.connectTarget({ ...row.target, ...(password === undefined ? {} : { password }) }, `replication:${row.name}`);
      try {
        const { differences, existing } = await inspectTarget(target, hub.dataset, row.target_schema);
        return { targetSchema: row.target_schema, differences, missingTables: hub.dataset.tables.map((t) => t.name).filter((t) => !existing.has(t)) };
      } finally {
        await target.end().catch(() => undefined);
      }
    });
  }

  /** Marks runs whose process died FAILED (see `recoverStaleRuns`). */
  recoverStaleRuns(): Promise<RecoveredRun[]> {
    return recoverStaleRuns(this.options.hub, this.options.staleAfterMs);
  }

  /** Runs `fn` on a fresh hub connection; a lost or refused connection is `E_CONNECTION`, never a raw error. */
  private async withHub<T>(fn: (c: pg.Client, hub: HubDatasetInfo) => Promise<T>): Promise<T> {
    let c: pg.Client | undefined;
    try {
      c = await this.options.hub();
      return await fn(c, await ensureReplicationSchema(c));
    } catch (e) {
      throw toLockstepError(e, 'read the replication configurations on the hub');
    } finally {
      await c?.end().catch(() => undefined);
    }
  }

  private async row(c: pg.ClientBase, id: string): Promise<ConfigRow> {
    const row = await selectConfig(c, id);
    if (!row) throw new LockstepError('E_NOT_FOUND', `no replication configuration "${id}"`);
    return row;
  }

  /** By id, else by name (which must be unique among the visible configurations). */
  private async find(c: pg.ClientBase, idOrName: string, opts: AccessOptions): Promise<ConfigRow> {
    const byId = await selectConfig(c, idOrName, opts.owner);
    if (byId) return byId;
    const named = (await selectConfigs(c, opts.owner)).filter((r) => r.name === idOrName);
    if (named.length > 1) throw new LockstepError('E_USAGE', `${named.length} replications are named "${idOrName}"; use the id (${named.map((r) => r.id).join(', ')})`);
    if (!named[0]) throw new LockstepError('E_NOT_FOUND', `no replication configuration "${idOrName}"; list them with: lockstep replicate list`);
    return named[0];
  }

  /** Parses the scope and checks that its root row is on the hub. */
  private async checkScope(c: pg.ClientBase, hub: HubDatasetInfo, raw: string | ReplicationScope): Promise<ReplicationScope> {
    const scope = typeof raw === 'string' ? parseScope(raw, hub.dataset) : parseScope(raw.kind === 'all' ? 'all' : `${raw.table}:${raw.key}`, hub.dataset);
    if (scope.kind === 'all') return scope;
    const { rows } = await c.query<{ ok: boolean }>(rootExistsSql(hub.dataset, hub.schema, scope));
    if (rows[0]?.ok !== true)
      throw new LockstepError('E_NOT_FOUND', `the scope's root row ${scope.table}:${scope.key} is not on the hub (${q(hub.schema)}.${q(scope.table)})`);
    return scope;
  }

  /** A continuous configuration gets a job now (if a worker has set up its schema); a manual one loses it. */
  private async syncSchedule(c: pg.ClientBase, id: string): Promise<void> {
    if (!(await workerSchemaExists(c))) return;
    const row = await this.row(c, id);
    if (row.mode === 'continuous') await addReplicationJob(c, { configId: id, runAt: null, maxAttempts: JOB_MAX_ATTEMPTS });
    else await removeReplicationJobs(c, id);
  }
}

/**
 * Creates the replication service for one hub.
 *
 * @example
 * const service = createReplicationService({ hub: () => connectHub(settings), cipher: createSecretBox(key) });
 */
export function createReplicationService(options: ReplicationServiceOptions): ReplicationService {
  return new ReplicationService(options);
}
