import type pg from 'pg';

/** A position in the hub's change feed: every change at or before it has been seen. */
export interface FeedCursor {
  txid: string;
  seq: string;
}

export const FEED_START: FeedCursor = { txid: '0', seq: '0' };

export interface FeedEntry {
  tbl: string;
  row_key: string;
  hlc: string;
  origin: string | null;
  deleted: boolean;
  txid: string;
  seq: string;
}

/**
 * The feed's safe upper bound now: the oldest transaction still running. Every change from an older
 * transaction is final and visible, so reading below this bound never skips a change that commits later.
 */
export async function readFeedBound(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ bound: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS bound`);
  return rows[0]?.bound ?? '0';
}

/** Up to `limit` feed entries after `after` and below `bound`, in feed order. Cost: O(limit) via the feed index. */
export async function readFeedPage(client: pg.ClientBase, after: FeedCursor, bound: string, limit: number): Promise<FeedEntry[]> {
  const { rows } = await client.query<FeedEntry>(
    // Order by the columns, not the text aliases (text would sort '10' before '9').
    `SELECT v.tbl, v.row_key, v.hlc, v.origin, v.deleted, v.txid::text AS txid, v.seq::text AS seq
     FROM lockstep.row_versions v
     WHERE (v.txid, v.seq) > ($1::xid8, $2::bigint) AND v.txid < $3::xid8
     ORDER BY v.txid, v.seq LIMIT $4`,
    [after.txid, after.seq, bound, limit],
  );
  return rows;
}

/** The newest position in the feed (for plan fingerprints). */
export async function readFeedHead(client: pg.ClientBase): Promise<FeedCursor> {
  const { rows } = await client.query<FeedCursor>(
    `SELECT v.txid::text AS txid, v.seq::text AS seq FROM lockstep.row_versions v ORDER BY v.txid DESC, v.seq DESC LIMIT 1`,
  );
  return rows[0] ?? FEED_START;
}
