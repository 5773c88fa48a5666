import { rowsEqual, type Row } from '../core/row.js';
import { fetchServerRows } from '../hub/sql/server-rows.js';
import { readFeedBound, readFeedPage, type FeedCursor, type FeedEntry } from '../hub/sql/feed.js';
import { RunState } from './run-state.js';

/**
 * Reads the hub's changes since `cursor` (in pages, O(changes)) and brings every row that has no local
 * change of its own to the hub's version. Rows changed locally are left to the pending phase, which
 * settles them against the hub's current version. Returns the new cursor.
 */
export async function runDownPhase(state: RunState, cursor: FeedCursor): Promise<FeedCursor> {
  const { store, client } = state;
  const bound = await readFeedBound(client);
  const me = store.deviceId;
  let after = cursor;
  for (;;) {
    const page = await readFeedPage(client, after, bound, state.batchSize);
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
