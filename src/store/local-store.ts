import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LockstepError } from '../core/errors.js';
import { formatHlc, observeHlc, tickHlc } from '../core/hlc.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { Row } from '../core/row.js';
import { rowFromSqlite, rowFromSqliteValues, toSqlite } from '../dataset/canonical-value.js';
import type { Dataset, TableDef } from '../dataset/dataset.js';
import { foreignKeyOrder } from '../dataset/table-order.js';
import { validateDataset } from '../dataset/validate-dataset.js';
import { describeSqliteError } from './describe-sqlite-error.js';
import { checkLocalTables } from './check-local-tables.js';
import { METADATA_DDL, datasetDdl, keyExpr } from './store-schema.js';
import { TableStatements } from './table-statements.js';

/** A locally changed row, with the version it had when this device last agreed with the hub. */
export interface PendingChange {
  table: TableDef;
  key: string;
  hlc: string;
  base: Row | null;
  local: Row | null;
}

export interface InitStoreOptions {
  path: string;
  dataset: Dataset;
  deviceName: string;
}

/**
 * A device's SQLite file: the dataset's tables (plain tables any program may write), and Lockstep's
 * `_lockstep_*` tables that record every change, the device's clock, its hub cursor, conflicts and log.
 *
 * @example
 * const store = LocalStore.init({ path: 'class.db', dataset: classroom, deviceName: 'front-desk' });
 * store.db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(newId(), 'Ann', now);
 */
export class LocalStore {
  readonly order: string[];
  private readonly statements = new Map<string, TableStatements>();
  private readonly cached = new Map<string, Database.Statement>();
  private readonly tableByName: Map<string, TableDef>;

  private constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly dataset: Dataset,
  ) {
    this.order = foreignKeyOrder(dataset);
    this.tableByName = new Map(dataset.tables.map((t) => [t.name, t]));
  }

  /** Creates the store (or adopts an existing app database, recording its rows as local changes). */
  static init(options: InitStoreOptions): LocalStore {
    const dataset = validateDataset(options.dataset);
    const db = openFile(options.path, true);
    try {
      db.exec(METADATA_DDL);
      const existing = readMeta(db, 'dataset');
      if (existing !== undefined) {
        const ds = JSON.parse(existing) as Dataset;
        if (ds.name !== dataset.name)
          throw new LockstepError('E_STORE_EXISTS', `${options.path} already holds dataset "${ds.name}", not "${dataset.name}"`);
        db.close();
        return LocalStore.open(options.path);
      }
      const preexisting = new Set(
        (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name),
      );
      const deviceId = randomUUID();
      db.transaction(() => {
        checkLocalTables(db, dataset, preexisting);
        db.exec(datasetDdl(dataset, foreignKeyOrder(dataset)));
        writeMeta(db, 'dataset', JSON.stringify(dataset));
        writeMeta(db, 'device_id', deviceId);
        writeMeta(db, 'device_name', options.deviceName);
        writeMeta(db, 'created_at', new Date().toISOString());
        db.prepare('INSERT OR REPLACE INTO _lockstep_clock (id, node, wall, counter) VALUES (1, ?, 0, 0)').run(deviceId);
        adoptExistingRows(db, dataset, preexisting, deviceId);
      })();
      return new LocalStore(db, options.path, dataset);
    } catch (e) {
      if (db.open) db.close();
      throw describeSqliteError(e, options.path);
    }
  }

  /** Opens an initialised store. */
  static open(path: string): LocalStore {
    if (!existsSync(path))
      throw new LockstepError('E_STORE_NOT_FOUND', `no Lockstep store at ${path}; create one with: lockstep init --db ${path} --dataset NAME`);
    const db = openFile(path, false);
    try {
      const ds = readMeta(db, 'dataset');
      if (ds === undefined) throw new LockstepError('E_STORE_NOT_FOUND', `${path} is not a Lockstep store; run lockstep init first`);
      let dataset: Dataset;
      try {
        dataset = validateDataset(JSON.parse(ds), `${path} (stored dataset)`);
      } catch (e) {
        throw new LockstepError('E_STORE_CORRUPT', `the dataset stored in ${path} is damaged; restore a backup`, { cause: e });
      }
      if (readMeta(db, 'device_id') === undefined) throw new LockstepError('E_STORE_CORRUPT', `${path} has no device id; restore a backup`);
      return new LocalStore(db, path, dataset);
    } catch (e) {
      if (db.open) db.close();
      throw describeSqliteError(e, path);
    }
  }

  get deviceId(): string {
    return readMeta(this.db, 'device_id') as string;
  }

  get deviceName(): string {
    return readMeta(this.db, 'device_name') as string;
  }

  table(name: string): TableDef {
    const t = this.tableByName.get(name);
    if (!t) throw new LockstepError('E_NOT_FOUND', `dataset "${this.dataset.name}" has no table "${name}"`);
    return t;
  }

  statementsFor(table: TableDef): TableStatements {
    let s = this.statements.get(table.name);
    if (!s) {
      s = new TableStatements(this.db, table);
      this.statements.set(table.name, s);
    }
    return s;
  }

  getMeta(key: string): string | undefined {
    return readMeta(this.db, key);
  }

  /**
   * A JSON metadata value checked by `valid`; one that does not parse or check out is `E_STORE_CORRUPT`
   * naming `what`, never a raw parse error.
   */
  getMetaJson<T>(key: string, what: string, valid: (v: unknown) => v is T): T | undefined {
    const raw = this.getMeta(key);
    if (raw === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    if (!valid(value)) throw new LockstepError('E_STORE_CORRUPT', `the ${what} saved in ${this.path} is damaged; restore a backup of the file (or, for the connection, run lockstep connect again)`);
    return value;
  }

  setMeta(key: string, value: string | undefined): void {
    if (value === undefined) this.db.prepare('DELETE FROM _lockstep_meta WHERE key = ?').run(key);
    else writeMeta(this.db, key, value);
  }

  /** Up to `limit` pending changes of `table` after `afterKey`, in key order. */
  pendingPage(table: TableDef, afterKey: string, limit: number): PendingChange[] {
    return this.statementsFor(table)
      .pending(afterKey, limit)
      .map((p) => ({
        table,
        key: p.key,
        hlc: p.hlc,
        base: p.base === null ? null : rowFromSqlite(table, JSON.parse(p.base) as Record<string, unknown>),
        local: p.exists ? rowFromSqliteValues(table, p.values) : null,
      }));
  }

  pendingCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM _lockstep_pending').get() as { n: number }).n;
  }

  isPending(table: string, key: string): boolean {
    return this.stmt('SELECT 1 FROM _lockstep_pending WHERE tbl = ? AND row_key = ?').get(table, key) !== undefined;
  }

  /** A prepared statement, compiled once per store. */
  private stmt(sql: string): Database.Statement {
    let s = this.cached.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cached.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` with change capture off (the engine's own writes are not local changes). Caller holds a transaction. */
  withoutCapture<T>(fn: () => T): T {
    this.stmt('UPDATE _lockstep_control SET capture = 0 WHERE id = 1').run();
    try {
      return fn();
    } finally {
      this.stmt('UPDATE _lockstep_control SET capture = 1 WHERE id = 1').run();
    }
  }

  clearPending(table: string, key: string): void {
    this.stmt('DELETE FROM _lockstep_pending WHERE tbl = ? AND row_key = ?').run(table, key);
  }

  /** Changes sent to the hub by run `runId`: out of pending, into the in-flight journal until the hub commits. */
  markInflight(runId: string, table: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    const json = JSON.stringify(keys);
    this.stmt(
      `INSERT INTO _lockstep_inflight (run_id, tbl, row_key, hlc, base)
       SELECT ?, p.tbl, p.row_key, p.hlc, p.base FROM _lockstep_pending p
       WHERE p.tbl = ? AND p.row_key IN (SELECT value FROM json_each(?))`,
    ).run(runId, table, json);
    this.clearPendingKeys(table, keys);
  }

  /**
   * `markInflight` for every pending change of `table` with a key in (`afterKey`, `lastKey`]: a page of
   * `pendingPage` sent whole, moved with two range statements instead of a list of keys.
   */
  markInflightRange(runId: string, table: string, afterKey: string, lastKey: string): void {
    this.stmt(
      `INSERT INTO _lockstep_inflight (run_id, tbl, row_key, hlc, base)
       SELECT ?, tbl, row_key, hlc, base FROM _lockstep_pending WHERE tbl = ? AND row_key > ? AND row_key <= ?`,
    ).run(runId, table, afterKey, lastKey);
    this.stmt('DELETE FROM _lockstep_pending WHERE tbl = ? AND row_key > ? AND row_key <= ?').run(table, afterKey, lastKey);
  }

  /** Deletes the pending changes of `keys` (one statement). */
  clearPendingKeys(table: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.stmt('DELETE FROM _lockstep_pending WHERE tbl = ? AND row_key IN (SELECT value FROM json_each(?))').run(table, JSON.stringify(keys));
  }

  inflightRuns(): string[] {
    return (this.stmt('SELECT DISTINCT run_id FROM _lockstep_inflight').all() as { run_id: string }[]).map((r) => r.run_id);
  }

  /** The hub committed run `runId`: its changes are synced. */
  finishInflight(runId: string): void {
    this.stmt('DELETE FROM _lockstep_inflight WHERE run_id = ?').run(runId);
  }

  /**
   * The hub did not commit run `runId`: its changes are pending again. A row changed since keeps its newer
   * timestamp but gets back the older base, since the hub never saw the version in between.
   */
  restoreInflight(runId: string): void {
    this.db.transaction(() => {
      this.stmt(
        `INSERT INTO _lockstep_pending (tbl, row_key, hlc, base) SELECT tbl, row_key, hlc, base FROM _lockstep_inflight WHERE run_id = ?
         ON CONFLICT (tbl, row_key) DO UPDATE SET base = excluded.base`,
      ).run(runId);
      this.finishInflight(runId);
    })();
  }

  /** Makes `base` the version a pending change is merged against (after the user resolved a conflict). */
  setPendingBase(table: TableDef, key: string, base: Row | null, hlc: string): void {
    const raw = base === null ? null : JSON.stringify(Object.fromEntries(table.columns.map((c) => [c.name, toSqlite(c.type, base[c.name])])));
    this.db
      .prepare(
        `INSERT INTO _lockstep_pending (tbl, row_key, hlc, base) VALUES (?, ?, ?, ?)
         ON CONFLICT (tbl, row_key) DO UPDATE SET base = excluded.base, hlc = excluded.hlc`,
      )
      .run(table.name, key, hlc, raw);
  }

  /** A fresh timestamp from this device's clock (ticks and stores it). */
  nextHlc(now = Date.now()): string {
    const c = this.db.prepare('SELECT node, wall, counter FROM _lockstep_clock WHERE id = 1').get() as { node: string; wall: number; counter: number };
    const next = tickHlc(c, now);
    this.db.prepare('UPDATE _lockstep_clock SET wall = ?, counter = ? WHERE id = 1').run(next.wall, next.counter);
    return formatHlc({ ...next, node: c.node });
  }

  /** Moves this device's clock past a timestamp seen from another device. */
  observe(hlc: string): void {
    const c = this.db.prepare('SELECT wall, counter FROM _lockstep_clock WHERE id = 1').get() as { wall: number; counter: number };
    const next = observeHlc(c, hlc);
    if (next !== c) this.db.prepare('UPDATE _lockstep_clock SET wall = ?, counter = ? WHERE id = 1').run(next.wall, next.counter);
  }

  /** Writes a batch of rows as they are on the hub (capture off; caller holds a transaction). */
  applyRows(table: TableDef, rows: readonly { key: string; row: Row | null }[]): void {
    const s = this.statementsFor(table);
    this.withoutCapture(() => {
      for (const r of rows) {
        if (r.row === null) s.delete(r.key);
        else s.put(r.row);
      }
    });
  }

  /** Counts the rows of every dataset table. */
  rowCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.order) out[name] = (this.db.prepare(`SELECT count(*) AS n FROM ${q(name)}`).get() as { n: number }).n;
    return out;
  }

  /** Copies the whole file to `dest` (a consistent online backup). */
  async backup(dest: string): Promise<void> {
    await this.db.backup(dest);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function openFile(path: string, create: boolean): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: !create });
  } catch (e) {
    throw describeSqliteError(e, path);
  }
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // Safe in WAL mode: a power cut may lose the last commit, which the sync protocol re-sends idempotently.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db.close();
    throw describeSqliteError(e, path);
  }
  return db;
}

function readMeta(db: Database.Database, key: string): string | undefined {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_lockstep_meta'`).get();
  if (!exists) return undefined;
  return (db.prepare('SELECT value FROM _lockstep_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

function writeMeta(db: Database.Database, key: string, value: string): void {
  db.prepare('INSERT INTO _lockstep_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

/** Rows the app wrote before Lockstep was installed become local changes, so the first push sends them. */
function adoptExistingRows(db: Database.Database, dataset: Dataset, preexisting: Set<string>, deviceId: string): void {
  const hlc = formatHlc({ wall: Date.now(), counter: 0, node: deviceId });
  for (const t of dataset.tables) {
    if (!preexisting.has(t.name)) continue;
    db.prepare(
      `INSERT OR IGNORE INTO _lockstep_pending (tbl, row_key, hlc, base) SELECT ?, ${keyExpr(t, 'NEW').replaceAll('NEW.', 't.')}, ?, NULL FROM ${q(t.name)} t`,
    ).run(t.name, hlc);
  }
}
