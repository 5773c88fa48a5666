import { createHash } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent as q } from '../../../src/core/quote-ident.js';
import { rowFromPg, rowFromSqlite } from '../../../src/dataset/canonical-value.js';
import type { Row } from '../../../src/core/row.js';
import type { Dataset, TableDef } from '../../../src/dataset/dataset.js';
import { rowKeyOf } from '../../../src/dataset/row-key.js';
import type { LocalStore } from '../../../src/store/local-store.js';
import { withClient } from '../../helpers/sync-fixtures.js';

function keyOrder(t: TableDef): string {
  return t.primaryKey.map((c) => q(c)).join(', ');
}

/** Every dataset table of a device, canonical values, in key order. */
export function deviceTables(store: LocalStore): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of store.dataset.tables)
    out[t.name] = (store.db.prepare(`SELECT * FROM ${q(t.name)} ORDER BY ${keyOrder(t)}`).all() as Record<string, unknown>[]).map((r) => rowFromSqlite(t, r));
  return out;
}

/** Every dataset table of the hub, canonical values, in key order (text keys sorted as SQLite does: bytewise). */
export async function hubTables(c: pg.ClientBase, dataset: Dataset, schema = dataset.name): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of dataset.tables) {
    const order = t.primaryKey.map((k) => `${q(k)}::text COLLATE "C"`).join(', ');
    const { rows } = await c.query(`SELECT * FROM ${q(schema)}.${q(t.name)} ORDER BY ${order}`);
    out[t.name] = rows.map((r: Record<string, unknown>) => rowFromPg(t, r));
  }
  return out;
}

/**
 * The device's unsynced changes: what must survive every failure. `deferred` lists rows the engine removed
 * here while their parent's delete is in conflict (kept on the hub, fetched again later: sync spec, I15).
 */
export function unsynced(store: LocalStore): { pending: unknown[]; inflight: unknown[]; deferred: unknown[] } {
  const hasDeferred = store.db.prepare(`SELECT 1 FROM sqlite_master WHERE name = '_lockstep_deferred'`).get() !== undefined;
  return {
    pending: store.db.prepare('SELECT tbl, row_key, hlc, base FROM _lockstep_pending ORDER BY tbl, row_key').all(),
    inflight: store.db.prepare('SELECT tbl, row_key, hlc, base FROM _lockstep_inflight ORDER BY tbl, row_key').all(),
    deferred: hasDeferred ? store.db.prepare('SELECT tbl, row_key FROM _lockstep_deferred ORDER BY tbl, row_key').all() : [],
  };
}

/** The hub's data and change feed (not its logs, which record failed runs too). */
export async function hubDump(url: string, dataset: Dataset): Promise<string> {
  return withClient(url, async (c) => {
    const data = await hubTables(c, dataset);
    const feed = (await c.query('SELECT tbl, row_key, hlc, origin, deleted FROM lockstep.row_versions ORDER BY tbl, row_key')).rows;
    return JSON.stringify({ data, feed });
  });
}

/** Tables that record what was tried (failed runs included), not data: left out of `databaseDigest`. */
const LOG_TABLES = new Set(['lockstep.sync_log', 'lockstep.devices', 'lockstep.replication_runs']);

/**
 * A digest per table of a PostgreSQL database (data, not logs or graphile-worker's job tables): compare two
 * to show that nothing changed, and which table did.
 */
export async function databaseDigest(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const tables = (
      await c.query<{ s: string; t: string }>(
        `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema', 'lockstep_worker') ORDER BY 1, 2`,
      )
    ).rows;
    const out: Record<string, string> = {};
    for (const { s, t } of tables) {
      if (LOG_TABLES.has(`${s}.${t}`)) continue;
      const { rows } = await c.query<{ j: string }>(`SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') AS j FROM ${q(s)}.${q(t)} x`);
      out[`${s}.${t}`] = createHash('sha256').update(rows[0]?.j ?? '').digest('hex').slice(0, 16);
    }
    return out;
  });
}

/** Integrity of a SQLite file: page structure and foreign keys. */
export function sqliteIntegrity(store: LocalStore): { integrity: string; foreignKeyViolations: number } {
  const integrity = (store.db.pragma('integrity_check', { simple: true }) as string) ?? '';
  const fk = store.db.pragma('foreign_key_check') as unknown[];
  return { integrity, foreignKeyViolations: fk.length };
}

export function countRows(tables: Record<string, unknown[]>): number {
  return Object.values(tables).reduce((n, rows) => n + rows.length, 0);
}

/**
 * Checks that no unsynced change was lost between `before` and now: every pending or in-flight change of
 * `before` is still pending, in flight or deferred, or the device's row equals the hub's (the run settled
 * it: the hub already had it, or the change was undone). Returns the problems found.
 */
export function lostChanges(
  before: { pending: unknown[]; inflight: unknown[] },
  after: { pending: unknown[]; inflight: unknown[]; deferred?: unknown[] },
  device: Record<string, unknown[]>,
  hub: Record<string, unknown[]>,
  dataset: Dataset,
): string[] {
  const keyOf = (rows: { tbl: string; row_key: string }[]): Set<string> => new Set(rows.map((r) => `${r.tbl}\u0000${r.row_key}`));
  const still = keyOf([...after.pending, ...after.inflight, ...(after.deferred ?? [])] as { tbl: string; row_key: string }[]);
  const problems: string[] = [];
  for (const p of [...(before.pending as { tbl: string; row_key: string }[]), ...(before.inflight as { tbl: string; row_key: string }[])]) {
    if (still.has(`${p.tbl}\u0000${p.row_key}`)) continue;
    const t = dataset.tables.find((x) => x.name === p.tbl);
    if (!t) continue;
    const find = (rows: unknown[] | undefined): unknown => (rows ?? []).find((r) => rowKeyOf(t, r as Row) === p.row_key) ?? null;
    const local = find(device[p.tbl]);
    const remote = find(hub[p.tbl]) as Row | null;
    if (local === null && remote !== null && waitsForParentDelete(t, remote, still, device, dataset)) continue;
    if (JSON.stringify(local) !== JSON.stringify(remote)) problems.push(`${p.tbl} ${p.row_key}: no longer pending, device ${JSON.stringify(local)} ≠ hub ${JSON.stringify(remote)}`);
  }
  return problems;
}

/**
 * A child removed here with its parent: its own pending delete may be settled (the engine saw the hub's
 * cascade) while the parent's delete is still pending or in flight; the parent's delete carries it.
 */
function waitsForParentDelete(t: TableDef, remote: Row, tracked: Set<string>, device: Record<string, unknown[]>, dataset: Dataset): boolean {
  return (t.foreignKeys ?? []).some((fk) => {
    if (fk.onDelete !== 'cascade') return false;
    const parent = dataset.tables.find((x) => x.name === fk.references.table);
    if (!parent) return false;
    const parentRow: Row = {};
    fk.references.columns.forEach((c, i) => (parentRow[c] = remote[fk.columns[i] as string] ?? null));
    const key = rowKeyOf(parent, parentRow);
    const gone = !(device[parent.name] ?? []).some((r) => rowKeyOf(parent, r as Row) === key);
    return gone && tracked.has(`${parent.name}\u0000${key}`);
  });
}
