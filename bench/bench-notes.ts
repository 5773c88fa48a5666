// The "where targets are missed, and why" section of BENCHMARKS.md: what profiling showed, with the
// measurements (taken on this machine while other work shared it; see the load line above the table).
export const NOTES = `## Where targets are missed, and why

Measurements below come from profiling runs on this machine (per statement, 1,000,000 rows, other work
sharing the machine), not from the table above.

* **Replication, initial (target ≤ 1.2 × \`pg_dump | psql\`).** Before this round a run spent most of its time
  outside copying: PostgreSQL JIT-compiled every large scope statement (the scope summary of 100,000 rows took
  4.6 s with JIT, 0.2 s without), the scope was a row-by-row recursive query evaluated again for every table,
  and the first run paid a deferred foreign-key check and index updates per row. Now a run turns JIT off in
  its own transactions, computes the scope table by table with hash joins (a table reads its rows straight
  from its parents' scope; only the self-referencing \`users\` is recursive), creates new tables bare and adds
  primary keys, foreign keys and indexes after the rows (as pg_dump does), and sends no scope keys and deletes
  nothing when every table is new. Before, a family of 100,000 rows took 16.2 s (14 × pg_dump's 1.2 s);
  1,000,000 rows took 44.7 s after the first two changes and 24.2 s after all of them. What is left, per
  statement: the scope summary (rows per table, and the check that no row in scope points outside it) about
  8 s, three passes over the two big tables; and streaming those two tables 5–6 s each, about 2–3 × a plain
  \`SELECT *\` of them, because each row is matched against its parents' scope. pg_dump reads whole tables and
  checks nothing. Next step: count and check closure on the rows as they arrive instead of in a separate pass.
* **Replication, incremental (target < 5 % of the initial run).** To find rows that entered or left the scope
  (which no row change records) and rows deleted by hand from the target, an incremental run sends every key
  of the scope and compares; \`docs/spec/replication.md\` specifies this ("an incremental run transfers the
  scope's keys"), so the cost is O(scope), not O(changes). 1,000,000 rows with 1 % changed: the summary 8.2 s,
  the scope's keys 3.8 s, one pass per table over the keys to find rows to write (0.4–3.6 s), deletes by
  anti-join (1.8–2.2 s per big table); the 10,000 changed rows themselves take under a second. An index on the
  million text keys took 9 s to build (collation-aware sort) and is gone: every use is a hash join. Meeting
  5 % needs a protocol change, not tuning: derive scope entries and exits from the feed (a row enters or
  leaves only when it or an ancestor changes) and repair hand-deleted rows only in \`--full\` runs.
* **Initial push and initial pull.** Each synced row costs two writes on the hub (the row and its
  \`row_versions\` entry, which is what makes every later sync O(changes) and crash-safe), and on the device a
  checked, indexed STRICT table with change-capture triggers plus the in-flight journal. Pushes of rows the hub
  has never seen already go through COPY (both tables). The pull still reads row data through \`to_jsonb\`
  page by page and looks each row up in SQLite before writing it; JIT is not a factor there (200,000 rows:
  38.2 s with JIT on, 41.6 s off, within the noise). Not changed in this round.
* **Incremental sync under load.** The figure is a median of 5 syncs of 100 changes; on a loaded 2-core machine a
  single sync's round trips (lock, feed, pending rows, log) stretch, so it can exceed 100 ms without growing
  with the data: compare the three sizes.
* **Concurrent devices.** Each device now runs in its own process (as real devices do), so \`maxRssMb\` is one
  device's peak, not the sum of twenty (319 MB before, all in one process). Devices apply one at a time (the
  hub's sync lock), and twenty Node processes share 2 cores here, so throughput is lower than with all devices
  in one process.
`;
