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
 * The feed's safe upper bound now: the oldest transaction *of this database* still running (else the
 * snapshot's xmax). Every change from an older transaction is final and visible, so reading below this
 * bound never skips a change that commits later. Transactions of other databases on the same server
 * cannot write this hub, so they never hold the feed back (transaction ids are server-wide, so the plain
 * snapshot xmin would let any idle transaction anywhere on the server stall every hub).
 * `pg_locks` and `pg_stat_activity.datname` are readable by every role, so a least-privilege device role
 * sees every running writer.
 */
export async function readFeedBound(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ bound: string }>(
    `WITH snap AS (SELECT pg_current_snapshot() AS s),
     running_here AS (
       SELECT l.transactionid::text::bigint AS x32
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted AND a.datname = current_database()
       UNION ALL
       SELECT transaction::text::bigint FROM pg_prepared_xacts WHERE database = current_database()
     )
     SELECT COALESCE(
       (SELECT min(x)::text FROM snap, pg_snapshot_xip(snap.s) AS x
        WHERE (x::text::bigint % 4294967296) IN (SELECT x32 FROM running_here)),
       (SELECT pg_snapshot_xmax(s)::text FROM snap)) AS bound`,
  );
  return rows[0]?.bound ?? '0';
}

/**
 * Up to `limit` feed entries after `after` and below `bound`, in feed order, leaving out the entries of
 * `skipTables` (tables the caller reads another way). Cost: O(limit) via the feed index.
 */
export async function readFeedPage(
  client: pg.ClientBase,
  after: FeedCursor,
  bound: string,
  limit: number,
  skipTables: readonly string[] = [],
): Promise<FeedEntry[]> {
  const { rows } = await client.query<FeedEntry>(
    // Order by the columns, not the text aliases (text would sort '10' before '9').
    `SELECT v.tbl, v.row_key, v.hlc, v.origin, v.deleted, v.txid::text AS txid, v.seq::text AS seq
     FROM lockstep.row_versions v
     WHERE (v.txid, v.seq) > ($1::xid8, $2::bigint) AND v.txid < $3::xid8${skipTables.length > 0 ? ' AND v.tbl <> ALL($5::text[])' : ''}
     ORDER BY v.txid, v.seq LIMIT $4`,
    skipTables.length > 0 ? [after.txid, after.seq, bound, limit, skipTables] : [after.txid, after.seq, bound, limit],
  );
  return rows;
}

/** True when `a` comes after `b` in feed order. */
export function isAfter(a: FeedCursor, b: FeedCursor): boolean {
  const ta = BigInt(a.txid);
  const tb = BigInt(b.txid);
  return ta > tb || (ta === tb && BigInt(a.seq) > BigInt(b.seq));
}

/** The newest position in the feed (for plan fingerprints). */
export async function readFeedHead(client: pg.ClientBase): Promise<FeedCursor> {
  const { rows } = await client.query<FeedCursor>(
    `SELECT v.txid::text AS txid, v.seq::text AS seq FROM lockstep.row_versions v ORDER BY v.txid DESC, v.seq DESC LIMIT 1`,
  );
  return rows[0] ?? FEED_START;
}
