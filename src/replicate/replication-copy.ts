import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnDef, Dataset, TableDef } from '../dataset/dataset.js';
import { qualified } from '../hub/hub-schema.js';
import { FEED_START, type FeedCursor } from '../hub/sql/feed.js';
import { pipeCopy } from './copy-pipe.js';
import type { ProgressTracker } from './progress-tracker.js';
import { formatScope } from './replication-scope.js';
import type { ReplicationScope, RunKind } from './replication-types.js';
import { scopedRowsSql, scopeKeysSql } from './scope-sql.js';
import { estimateRows, readFeedHeadBelow, readScopeSummary } from './sql/source-reads.js';
import {
  analyzeKeyTable,
  copyInto,
  countKeys,
  countRows,
  createKeyTable,
  createStage,
  deleteOutsideScope,
  dropStage,
  SCOPE_KEYS,
  tableIsEmpty,
  upsertFromStage,
} from './sql/target-writes.js';
import { targetTables } from './target-schema.js';

export interface CopyScopeInput {
  /** The hub, inside the run's REPEATABLE READ READ ONLY transaction. */
  source: pg.ClientBase;
  /** The target, inside the run's one transaction. */
  target: pg.ClientBase;
  dataset: Dataset;
  hubSchema: string;
  targetSchema: string;
  scope: ReplicationScope;
  /** The feed's bound, read before the snapshot was taken: every entry below it is in the snapshot. */
  bound: string;
  /** Where the last committed run stopped in the hub's feed, if any (a full run never moves it back). */
  cursor: FeedCursor | undefined;
  /** Tables this run created (empty, seen by no one else until the run commits). */
  createdTables: ReadonlySet<string>;
  batchSize: number;
  progress: ProgressTracker;
  /** Publishes progress (throttled unless `force`) and fails if the run lost its lock. */
  report: (force?: boolean) => Promise<void>;
}

export interface CopyScopeResult {
  kind: RunKind;
  cursor: FeedCursor;
  rowsCopied: Record<string, number>;
  rowsDeleted: Record<string, number>;
  sourceCounts: Record<string, number>;
  targetCounts: Record<string, number>;
}

/**
 * A full run: makes the target's tables hold exactly the scope's rows as the source snapshot shows them,
 * inside the caller's target transaction (which the caller commits). Into tables this run created (all of
 * them: a first run) it streams each table's scope rows with COPY and nothing else: the rows each COPY
 * carried are the scope's counts, and the foreign keys the caller adds afterwards check that the scope is
 * closed. Otherwise it computes the scope's counts and checks closure on the hub first, sends the scope's
 * keys, writes every row (COPY straight into empty tables; otherwise through a staging table, only rows
 * that differ), deletes rows outside the scope in reverse order, then checks every table's row count
 * against the source. Throws on any difference; the caller rolls back. Incremental runs are `copyChanges`.
 */
export async function copyScope(x: CopyScopeInput): Promise<CopyScopeResult> {
  const { source, target, dataset: ds } = x;
  x.progress.phase('scope');
  await x.report(true);
  const head = await readFeedHeadBelow(source, x.bound);
  const tables = targetTables(ds);
  const allCreated = ds.tables.every((t) => x.createdTables.has(t.name));
  // Counted and checked as the rows arrive (first run), else on the hub before writing anything.
  const counts = allCreated ? await estimateCounts(x) : await summarize(x);
  const plans = new Map<string, 'copy' | 'merge'>();
  for (const { table } of tables) plans.set(table.name, (await tableIsEmpty(target, x.targetSchema, table.name)) ? 'copy' : 'merge');
  x.progress.setTotal(tables.reduce((n, { table }) => n + (counts[table.name] ?? 0), 0));

  const rowsCopied: Record<string, number> = {};
  for (const { table, columns } of tables) {
    x.progress.startTable(table.name, counts[table.name] ?? 0);
    await x.report(true);
    rowsCopied[table.name] = await writeScopeRows(x, table, columns, plans.get(table.name) ?? 'merge');
    x.progress.finishTable();
    await x.report(true);
  }
  if (allCreated) {
    // Each table was empty and created by this run, and each COPY stored exactly the rows it was sent.
    x.progress.phase('verify');
    await x.report(true);
    return { kind: 'full', cursor: laterCursor(head, x.cursor), rowsCopied, rowsDeleted: zeros(tables), sourceCounts: rowsCopied, targetCounts: { ...rowsCopied } };
  }
  x.progress.phase('delete');
  await x.report(true);
  const rowsDeleted: Record<string, number> = {};
  for (const { table } of [...tables].reverse()) {
    // A table this run created holds exactly what it just copied from the scope: nothing to delete.
    rowsDeleted[table.name] = x.createdTables.has(table.name) ? 0 : await deleteOutsideScope(target, x.targetSchema, table);
  }

  x.progress.phase('verify');
  await x.report(true);
  const targetCounts: Record<string, number> = {};
  for (const { table } of tables) targetCounts[table.name] = await countRows(target, x.targetSchema, table.name);
  checkCounts(counts, targetCounts);
  return { kind: 'full', cursor: laterCursor(head, x.cursor), rowsCopied, rowsDeleted, sourceCounts: counts, targetCounts };
}

/** The scope's counts and closure, on the hub; then its keys, into the target. */
async function summarize(x: CopyScopeInput): Promise<Record<string, number>> {
  const { counts, dangling } = await readScopeSummary(x.source, x.dataset, x.hubSchema, x.scope);
  if (dangling.length > 0) throw notClosed(x.scope, dangling);
  await sendScopeKeys(x, counts);
  return counts;
}

/** The planner's estimate of each table's scope rows: progress totals until each table is copied. */
async function estimateCounts(x: CopyScopeInput): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { table, columns } of targetTables(x.dataset)) out[table.name] = await estimateRows(x.source, scopedRowsSql(x.dataset, x.hubSchema, x.scope, table, columns));
  return out;
}

function zeros(tables: { table: TableDef }[]): Record<string, number> {
  return Object.fromEntries(tables.map(({ table }) => [table.name, 0]));
}

/** Fails with both numbers unless every table's target count equals the source scope's. */
export function checkCounts(sourceCounts: Record<string, number>, targetCounts: Record<string, number>, more = ''): void {
  const wrong = Object.keys(sourceCounts).filter((t) => targetCounts[t] !== sourceCounts[t]);
  if (wrong.length === 0) return;
  throw new LockstepError(
    'E_REPLICATION',
    `row counts differ after copying, so nothing was committed: ${wrong.map((t) => `${t}: source ${sourceCounts[t]}, target ${targetCounts[t]}`).join('; ')}${more}`,
    { details: { sourceCounts, targetCounts } },
  );
}

export function notClosed(scope: ReplicationScope, dangling: { table: string; key: string; references: string; referencedKey: string }[]): LockstepError {
  const examples = dangling.slice(0, 5).map((d) => `${d.table}:${d.key} → ${d.references}:${d.referencedKey}`);
  return new LockstepError(
    'E_REPLICATION',
    `the scope ${formatScope(scope)} is not closed: rows in it reference rows outside it (${examples.join(', ')}); ` +
      `copying them would break the target's foreign keys. Root the scope at the top-level account (e.g. the parent, not a learner)`,
    { details: { dangling } },
  );
}

/** Every key of the scope, into the target's SCOPE_KEYS table; fails unless each table's number is `counts`'. */
async function sendScopeKeys(x: CopyScopeInput, counts: Record<string, number>): Promise<void> {
  await createKeyTable(x.target, SCOPE_KEYS);
  await pipeCopy(x.source, scopeKeysSql(x.dataset, x.hubSchema, x.scope), x.target, `COPY pg_temp.${q(SCOPE_KEYS)} (tbl, key) FROM STDIN`, () => x.report());
  await analyzeKeyTable(x.target, SCOPE_KEYS);
  const sent = await countKeys(x.target, SCOPE_KEYS);
  for (const t of x.dataset.tables) {
    if ((sent[t.name] ?? 0) !== counts[t.name])
      throw new LockstepError('E_REPLICATION', `the scope of ${t.name} has ${counts[t.name]} row(s) on the hub but ${sent[t.name] ?? 0} arrived; nothing was committed`);
  }
}

/** Every scope row of `table` (COPY straight into an empty table, else through a stage); returns the rows inserted or changed. */
async function writeScopeRows(x: CopyScopeInput, table: TableDef, columns: ColumnDef[], mode: 'copy' | 'merge'): Promise<number> {
  const select = scopedRowsSql(x.dataset, x.hubSchema, x.scope, table, columns);
  const onRows = rowsListener(x);
  if (mode === 'copy') return pipeCopy(x.source, select, x.target, copyInto(qualified(x.targetSchema, table.name), columns), onRows);
  const stage = await createStage(x.target, table, columns);
  await pipeCopy(x.source, select, x.target, copyInto(`pg_temp.${q(stage)}`, columns), onRows);
  const written = await upsertFromStage(x.target, x.targetSchema, table, columns, stage);
  await dropStage(x.target, stage);
  return written;
}

function rowsListener(x: Pick<CopyScopeInput, 'progress' | 'report'>): (n: number) => Promise<void> {
  return (n) => {
    x.progress.add(n);
    return x.report();
  };
}

export function laterCursor(head: FeedCursor | undefined, previous: FeedCursor | undefined): FeedCursor {
  if (!head) return previous ?? FEED_START;
  if (!previous) return head;
  const h = [BigInt(head.txid), BigInt(head.seq)] as const;
  const p = [BigInt(previous.txid), BigInt(previous.seq)] as const;
  return h[0] > p[0] || (h[0] === p[0] && h[1] >= p[1]) ? head : previous;
}
