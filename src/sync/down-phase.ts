import { rowsEqual, type Row } from '../core/row.js';
import { fetchServerRows } from '../hub/sql/server-rows.js';
import { isAfter, readFeedBound, readFeedPage, type FeedCursor, type FeedEntry } from '../hub/sql/feed.js';
import { freshTables, pullFreshTable } from './fresh-table-pull.js';
import { RunState } from './run-state.js';

/**
 * Reads the hub's changes since `cursor` (in pages, O(changes)) and brings every row that has no local
 * change of its own to the hub's version. Rows changed locally are left to the pending phase, which
 * settles them against the hub's current version. Tables a first pull finds empty here are read whole
 * in one stream instead (see `fresh-table-pull.ts`). Returns the new cursor.
 */
export async function runDownPhase(state: RunState, cursor: FeedCursor): Promise<FeedCursor> {
  const bound = await readFeedBound(state.client);
  const fresh = freshTables(state, cursor);
  let last = cursor;
  for (const name of fresh) {
    const read = await pullFreshTable(state, name, cursor, bound);
    if (read !== null && isAfter(read, last)) last = read;
  }
  if (fresh.length < state.store.order.length) {
    const read = await readChanges(state, cursor, bound, fresh);
    if (isAfter(read, last)) last = read;
  }
  return last;
}

/** The per-row path: the feed in pages, each row looked up on both sides. Returns the last entry read. */
async function readChanges(state: RunState, cursor: FeedCursor, bound: string, skipTables: readonly string[]): Promise<FeedCursor> {
  const { store, client } = state;
  const me = store.deviceId;
  let after = cursor;
  for (;;) {
    const page = await readFeedPage(client, after, bound, state.batchSize, skipTables);
    if (page.length === 0) break;
    const last = page[page.length - 1] as FeedEntry;
    after = { txid: last.txid, seq: last.seq };
    const byTable = new Map<string, FeedEntry[]>();
    for (const e of page) {
      state.seen(e.hlc);
      // Our own pushes are already here; rows changed locally are settled by the pending phase.
      if (e.origin === me || store.isPending(e.tbl, e.row_key)) continue;
      const list = byTable.get(e.tbl) ?? [];
      list.push(e);
      byTable.set(e.tbl, list);
    }
    for (const name of store.order) {
      const entries = byTable.get(name);
      if (!entries) continue;
      const table = store.table(name);
      const server = await fetchServerRows(client, state.hubSchema, table, entries.map((e) => e.row_key));
      const local = store.statementsFor(table);
      const columns = table.columns.map((c) => c.name);
      const writes: { key: string; row: Row | null }[] = [];
      for (const e of entries) {
        const remote = server.get(e.row_key)?.row ?? null;
        const mine = local.get(e.row_key);
        if (rowsEqual(mine, remote, columns)) continue;
        RunState.count(state.counts(name).down, mine, remote);
        state.note('down', name, e.row_key, null, e.hlc);
        writes.push({ key: e.row_key, row: remote });
      }
      if (state.write) store.applyRows(table, writes);
    }
  }
  return after;
}
