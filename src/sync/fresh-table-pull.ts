import { FEED_START, type FeedCursor } from '../hub/sql/feed.js';
import { readTableFeedSummary, streamFreshTableRows } from '../hub/sql/fresh-table-rows.js';
import { BulkInsert } from '../store/bulk-insert.js';
import { holdsNothingOf } from '../store/fresh-table.js';
import type { RunState } from './run-state.js';

/**
 * The tables a run can read whole from the hub: this device has never pulled (its cursor is at the
 * start of the feed) and holds no row and no change of them. For those the down phase's per-row
 * decision is always the same — take the hub's row if it is live and not this device's own push — so
 * nothing is looked up, on either side. Decided before anything is written.
 */
export function freshTables(state: RunState, cursor: FeedCursor): string[] {
  if (cursor.txid !== FEED_START.txid || cursor.seq !== FEED_START.seq) return [];
  return state.store.order.filter((name) => holdsNothingOf(state.store.db, name));
}

/**
 * Brings one fresh table (see `freshTables`) to the hub's version: one streamed `COPY` of the live rows
 * joined with their feed entries, written in primary-key order with multi-row inserts, capture off.
 * Counts and notes every row like the per-row path. Returns the table's last feed entry read (null if
 * none), and moves the run's clock past every timestamp in the table's part of the feed.
 */
export async function pullFreshTable(state: RunState, name: string, after: FeedCursor, bound: string): Promise<FeedCursor | null> {
  const { store, client } = state;
  const table = store.table(name);
  const summary = await readTableFeedSummary(client, name, after, bound);
  state.seen(summary.maxHlc);
  if (summary.last === null) return null;
  const down = state.counts(name).down;
  const insert = state.write ? new BulkInsert(store.db, table) : undefined;
  await streamFreshTableRows(
    { client, schema: state.hubSchema, table, after, bound, deviceId: store.deviceId },
    (f) => {
      down.add++;
      state.note('down', name, f[1] as string, null, f[0] as string);
      insert?.add(f, 2);
    },
    (work) => (insert ? store.withoutCapture(work) : work()),
  );
  if (insert) store.withoutCapture(() => insert.flush());
  return summary.last;
}
