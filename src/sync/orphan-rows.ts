import { quoteIdent as q } from '../core/quote-ident.js';
import type { Row } from '../core/row.js';
import { rowFromSqlite } from '../dataset/canonical-value.js';
import type { ForeignKeyDef, TableDef } from '../dataset/dataset.js';
import { keyParts, parentKeysOf, rowKeyOf } from '../dataset/row-key.js';
import { fetchServerRows } from '../hub/sql/server-rows.js';
import type { LocalStore } from '../store/local-store.js';
import { RunState } from './run-state.js';

/**
 * Rows this device knows the hub holds but cannot keep yet, because a parent they reference is deleted
 * here (a local delete not yet synced, or one in conflict with an edit on the hub).
 */
const DEFERRED_DDL = `CREATE TABLE IF NOT EXISTS _lockstep_deferred (tbl TEXT NOT NULL, row_key TEXT NOT NULL,
  PRIMARY KEY (tbl, row_key)) STRICT, WITHOUT ROWID`;

interface ChildLink {
  child: TableDef;
  fk: ForeignKeyDef;
}

/**
 * Keeps the device's foreign keys whole at the end of a write run (see "Rows whose parent is deleted
 * here" in docs/spec/sync.md). A row can arrive from the hub (or be restored, or merged) while its parent
 * is deleted on this device: the parent's delete is pending, or was just sent up, or conflicts with an
 * edit on the hub. Such an **orphan** is settled against the hub's current version, which already holds
 * this run's writes:
 * - gone from the hub (the hub's `ON DELETE CASCADE` took it with the parent sent up): removed here too;
 * - on the hub with every parent present here (`SET NULL` cleared the reference): taken as it is;
 * - on the hub, parent still deleted here (a conflict): removed here and *deferred*, with its own orphans.
 * Deferred rows are fetched again at the start of this step in every later run, and taken as soon as
 * their parents are back (the user kept the hub's version) or dropped when the hub deletes them.
 * Costs O(local deletes + deferred rows), looked up through the foreign-key indexes; nothing is scanned.
 */
export async function settleOrphanRows(state: RunState): Promise<void> {
  const { store } = state;
  store.db.exec(DEFERRED_DDL);
  await retryDeferred(state);
  const links = childLinks(store);
  let frontier = absentParents(state, links);
  const removals: { table: TableDef; key: string }[] = [];
  const seen = new Set<string>(); // a row is settled once, even where references form a cycle
  while (frontier.length > 0) {
    const orphans = new Map<string, Set<string>>();
    for (const { table, key } of frontier) {
      for (const link of links.get(table.name) ?? []) {
        const set = orphans.get(link.child.name) ?? new Set<string>();
        for (const childKey of localChildren(store, table, key, link)) set.add(childKey);
        orphans.set(link.child.name, set);
      }
    }
    frontier = [];
    for (const [name, keys] of orphans) {
      if (keys.size === 0) continue;
      const table = store.table(name);
      const server = await fetchServerRows(state.client, state.hubSchema, table, [...keys]);
      for (const key of keys) {
        if (seen.has(`${name}\u0000${key}`)) continue;
        seen.add(`${name}\u0000${key}`);
        const remote = server.get(key)?.row ?? null;
        if (remote !== null && parentsPresent(store, table, remote)) {
          store.applyRows(table, [{ key, row: remote }]);
          continue;
        }
        if (remote !== null) store.db.prepare('INSERT OR IGNORE INTO _lockstep_deferred (tbl, row_key) VALUES (?, ?)').run(name, key);
        removals.push({ table, key });
        frontier.push({ table, key });
      }
    }
  }
  // Children before parents, so no local cascade removes a row this step has not looked at.
  const position = new Map(store.order.map((n, i) => [n, i]));
  removals.sort((a, b) => (position.get(b.table.name) ?? 0) - (position.get(a.table.name) ?? 0));
  for (const { table, key } of removals) store.applyRows(table, [{ key, row: null }]);
}

/** Takes the deferred rows whose parents are back, and forgets those the hub no longer holds. */
async function retryDeferred(state: RunState): Promise<void> {
  const { store } = state;
  const forget = store.db.prepare('DELETE FROM _lockstep_deferred WHERE tbl = ? AND row_key = ?');
  for (const name of store.order) {
    const keys = (store.db.prepare('SELECT row_key FROM _lockstep_deferred WHERE tbl = ?').all(name) as { row_key: string }[]).map((r) => r.row_key);
    if (keys.length === 0) continue;
    const table = store.table(name);
    const server = await fetchServerRows(state.client, state.hubSchema, table, keys);
    for (const key of keys) {
      const remote = server.get(key)?.row ?? null;
      if (remote !== null && !parentsPresent(store, table, remote)) continue;
      if (remote !== null && !store.isPending(name, key)) {
        RunState.count(state.counts(name).down, store.statementsFor(table).get(key), remote);
        store.applyRows(table, [{ key, row: remote }]);
      }
      forget.run(name, key);
    }
  }
}

/** For each table, the foreign keys that reference it. */
function childLinks(store: LocalStore): Map<string, ChildLink[]> {
  const out = new Map<string, ChildLink[]>();
  for (const name of store.order) {
    const child = store.table(name);
    for (const fk of child.foreignKeys ?? []) {
      const list = out.get(fk.references.table) ?? [];
      list.push({ child, fk });
      out.set(fk.references.table, list);
    }
  }
  return out;
}

/** Referenced rows this device has deleted and not yet seen confirmed: pending or in flight, absent locally. */
function absentParents(state: RunState, links: Map<string, ChildLink[]>): { table: TableDef; key: string }[] {
  const { store } = state;
  const out: { table: TableDef; key: string }[] = [];
  for (const name of links.keys()) {
    const table = store.table(name);
    const keys = store.db
      .prepare('SELECT row_key FROM _lockstep_pending WHERE tbl = ? UNION SELECT row_key FROM _lockstep_inflight WHERE tbl = ? AND run_id = ?')
      .all(name, name, state.runId) as { row_key: string }[];
    for (const { row_key } of keys) if (store.statementsFor(table).get(row_key) === null) out.push({ table, key: row_key });
  }
  return out;
}

/** Keys of the local rows of `link.child` that reference `parentKey` of `parent` (through the FK index). */
function localChildren(store: LocalStore, parent: TableDef, parentKey: string, link: ChildLink): string[] {
  const parts = keyParts(parent, parentKey);
  const types = new Map(link.child.columns.map((c) => [c.name, c.type]));
  const where = link.fk.columns.map((c) => `${q(c)} = ${types.get(c) === 'integer' ? 'CAST(? AS INTEGER)' : '?'}`).join(' AND ');
  const values = link.fk.references.columns.map((rc) => parts[parent.primaryKey.indexOf(rc)] ?? null);
  const rows = store.db.prepare(`SELECT * FROM ${q(link.child.name)} WHERE ${where}`).all(...values) as Record<string, unknown>[];
  return rows.map((r) => rowKeyOf(link.child, rowFromSqlite(link.child, r)));
}

/** True when every parent `row` references exists in the device's file (a NULL reference needs none). */
function parentsPresent(store: LocalStore, table: TableDef, row: Row): boolean {
  return parentKeysOf(table, row, (n) => store.table(n)).every((p) => store.statementsFor(store.table(p.table)).get(p.key) !== null);
}
