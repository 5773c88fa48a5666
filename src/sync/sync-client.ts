import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import type { Row } from '../core/row.js';
import { readHubLog, type HubLogEntry } from '../hub/sql/sync-log.js';
import type { LocalStore } from '../store/local-store.js';
import { backupLocalStore } from '../store/local-backup.js';
import { readLocalLog, type LocalLogEntry } from './local-log.js';
import { precheck, type PrecheckReport } from './precheck.js';
import { listConflicts, resolveAllConflicts, resolveConflict, type Keep } from './resolve-conflict.js';
import type { RunOperation } from './run-state.js';
import { resolveSyncOptions, type ResolvedSyncOptions, type SyncOptions } from './sync-options.js';
import type { ConflictInfo, SyncReport } from './sync-report.js';
import { runSync } from './sync-run.js';
import { recoverInflight } from './recover-inflight.js';
import { acquireSyncLock } from '../hub/sql/sync-lock.js';

/** A preview saved to apply later exactly as it was seen (`preview --save`, then `--plan`). */
export interface SavedPlan {
  format: 'lockstep-plan';
  version: 1;
  deviceId: string;
  plannedFor: RunOperation;
  fingerprint: string;
  createdAt: string;
  report: SyncReport;
}

export interface SyncClientOptions extends SyncOptions {
  store: LocalStore;
  /** Opens a new connection to the hub (the client is ended by the sync client). */
  connect: () => Promise<pg.Client>;
}

export interface PullResult extends SyncReport {
  backup: string | undefined;
}

/**
 * Preview, push, pull and sync a device's store with its hub; resolve conflicts; read the logs.
 *
 * @example
 * const client = createSyncClient({ store, connect: () => connectHub(settings) });
 * const preview = await client.preview();
 * if (preview.totals.conflicts === 0) await client.sync();
 */
export class SyncClient {
  readonly options: ResolvedSyncOptions;

  constructor(private readonly o: SyncClientOptions) {
    this.options = resolveSyncOptions(o.store.path, o);
  }

  get store(): LocalStore {
    return this.o.store;
  }

  /** What `operation` would do now, per table. Writes nothing anywhere. */
  async preview(operation: RunOperation = 'sync'): Promise<SyncReport> {
    return this.run(operation, { dryRun: true });
  }

  /** Wraps a preview so it can be saved and applied later with `plan`. */
  savePlan(report: SyncReport): SavedPlan {
    return {
      format: 'lockstep-plan',
      version: 1,
      deviceId: this.store.deviceId,
      plannedFor: report.plannedFor,
      fingerprint: report.fingerprint,
      createdAt: new Date().toISOString(),
      report,
    };
  }

  /** Sends local changes to the hub. Hub changes are not brought down (rows the hub wins stay pending). */
  async push(opts: { plan?: SavedPlan } = {}): Promise<SyncReport> {
    return this.run('push', { dryRun: false, plan: opts.plan });
  }

  /** Makes the device equal to the hub. Discarding unsynced local changes needs `discardLocal`. */
  async pull(opts: { discardLocal?: boolean; plan?: SavedPlan } = {}): Promise<PullResult> {
    const backup = await backupLocalStore(this.store, this.options.backupDir, 'pre-pull', this.options.backupRetention);
    const report = await this.run('pull', { dryRun: false, plan: opts.plan, discardLocal: opts.discardLocal ?? false });
    return { ...report, backup };
  }

  /** Both ways: push local changes, bring hub changes down, leave conflicts for `resolve`. */
  async sync(opts: { plan?: SavedPlan } = {}): Promise<SyncReport> {
    return this.run('sync', { dryRun: false, plan: opts.plan });
  }

  precheck(): Promise<PrecheckReport> {
    return precheck(this.store, this.o.connect, { batchSize: this.options.batchSize });
  }

  conflicts(): ConflictInfo[] {
    return listConflicts(this.store);
  }

  resolve(table: string, id: string, keep: Keep, set?: Row): Row | null {
    return resolveConflict(this.store, table, id, keep, set);
  }

  resolveAll(keep: 'local' | 'server'): number {
    return resolveAllConflicts(this.store, keep);
  }

  /** The local log, and the hub's when it can be reached. */
  async log(limit = 20): Promise<{ local: LocalLogEntry[]; hub: HubLogEntry[] | null; hubError?: string }> {
    const local = readLocalLog(this.store, limit);
    try {
      const c = await this.o.connect();
      try {
        return { local, hub: await readHubLog(c, limit) };
      } finally {
        await c.end().catch(() => undefined);
      }
    } catch (e) {
      return { local, hub: null, hubError: e instanceof Error ? e.message : String(e) };
    }
  }

  private async run(
    operation: RunOperation,
    f: { dryRun: boolean; plan?: SavedPlan | undefined; discardLocal?: boolean },
  ): Promise<SyncReport> {
    if (f.plan) this.checkPlan(f.plan, operation);
    const client = await this.o.connect();
    try {
      return await runSync(this.store, client, operation, {
        dryRun: f.dryRun,
        discardLocal: f.discardLocal ?? false,
        expectFingerprint: f.plan?.fingerprint,
        lockTimeoutMs: this.options.lockTimeoutMs,
        batchSize: this.options.batchSize,
      });
    } catch (e) {
      if (this.store.inflightRuns().length > 0) await this.settleInflight();
      throw e;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** After a failed hub commit: settle the in-flight changes now if the hub can say whether it committed. */
  private async settleInflight(): Promise<void> {
    let client: pg.Client | undefined;
    try {
      client = await this.o.connect();
      await client.query('BEGIN');
      await acquireSyncLock(client, this.options.lockTimeoutMs);
      await recoverInflight(this.store, client);
      await client.query('COMMIT');
    } catch {
      // The hub cannot tell now; the next run settles them first thing.
    } finally {
      await client?.end().catch(() => undefined);
    }
  }

  private checkPlan(plan: SavedPlan, operation: RunOperation): void {
    if (plan.format !== 'lockstep-plan' || plan.version !== 1 || typeof plan.fingerprint !== 'string')
      throw new LockstepError('E_PLAN_INVALID', 'this file is not a Lockstep plan (make one with: lockstep preview --save FILE)');
    if (plan.deviceId !== this.store.deviceId) throw new LockstepError('E_PLAN_INVALID', 'this plan was made on another device');
    if (plan.plannedFor !== operation)
      throw new LockstepError('E_PLAN_INVALID', `this plan was made for "${plan.plannedFor}", not "${operation}"; run lockstep ${plan.plannedFor} --plan FILE`);
  }
}

export function createSyncClient(options: SyncClientOptions): SyncClient {
  return new SyncClient(options);
}
