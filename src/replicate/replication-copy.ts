import type pg from 'pg';
import { LockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnDef, Dataset, TableDef } from '../dataset/dataset.js';
import { qualified } from '../hub/hub-schema.js';
import { FEED_START, readFeedBound, readFeedPage, type FeedCursor } from '../hub/sql/feed.js';
import { copyField, copyLinesInto, pipeCopy } from './copy-pipe.js';
import type { ProgressTracker } from './progress-tracker.js';
import { formatScope } from './replication-scope.js';
import type { ReplicationScope, RunKind } from './replication-types.js';
import { rowsByKeysSql, scopedRowsSql, scopeKeysSql } from './scope-sql.js';
import { readFeedHeadBelow, readScopeSummary } from './sql/source-reads.js';
import {
  CHANGED_KEYS,
  copyInto,
  countKeys,
  countRows,
  createKeyTable,
  createStage,
  deleteOutsideScope,
  dropStage,
  analyzeKeyTable,
  keysToWrite,
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
  /** Where the last committed run stopped in the hub's feed; undefined: copy everything. */
  cursor: FeedCursor | undefined;
  /** Tables to copy in full even in an incremental run (columns just added by `migrate`, tables just created). */
  refreshTables: ReadonlySet<string>;
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

type TablePlan = { mode: 'copy'; total: number } | { mode: 'merge'; total: number } | { mode: 'keys'; total: number; keys: string[] };

/**
 * Makes the target's tables hold exactly the scope's rows as the source snapshot shows them, inside the
 * caller's target transaction (which the caller commits): computes the scope on the hub, sends its keys,
 * writes changed and new rows in foreign-key order (COPY straight into empty tables; otherwise through a
 * staging table), deletes rows that left the scope in reverse order, then checks every table's row count
 * against the source. Throws on any difference; the caller rolls back.
 */
export async function copyScope(x: CopyScopeInput): Promise<CopyScopeResult> {
  const { source, target, dataset: ds } = x;
  x.progress.phase('scope');
  await x.report(true);
  const bound = await readFeedBound(source);
  const head = await readFeedHeadBelow(source, bound);
  const { counts, dangling } = await readScopeSummary(source, ds, x.hubSchema, x.scope);
  if (dangling.length > 0) throw notClosed(x.scope, dangling);
  const kind: RunKind = x.cursor ? 'incremental' : 'full';
  // The scope's keys find rows to delete and rows missing from the target. Into tables this run created
  // there is neither (they were empty and get exactly the scope's rows, which the final count check
  // confirms), so a first run into a fresh target does not send them.
  if (kind === 'incremental' || ds.tables.some((t) => !x.createdTables.has(t.name))) await sendScopeKeys(x, counts);
  if (x.cursor) await sendChangedKeys(x, x.cursor, bound);
  const tables = targetTables(ds);
  const plans = new Map<string, TablePlan>();
  for (const { table } of tables) plans.set(table.name, await planTable(x, kind, table, counts[table.name] ?? 0));
  x.progress.setTotal([...plans.values()].reduce((n, p) => n + p.total, 0));

  const rowsCopied: Record<string, number> = {};
  for (const { table, columns } of tables) {
    const plan = plans.get(table.name) as TablePlan;
    x.progress.startTable(table.name, plan.total);
    await x.report(true);
    rowsCopied[table.name] = await writeTable(x, table, columns, plan);
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
  const wrong = tables.filter(({ table }) => targetCounts[table.name] !== counts[table.name]).map(({ table }) => table.name);
  if (wrong.length > 0) {
    throw new LockstepError(
      'E_REPLICATION',
      `row counts differ after copying, so nothing was committed: ${wrong.map((t) => `${t}: source ${counts[t]}, target ${targetCounts[t]}`).join('; ')}`,
      { details: { sourceCounts: counts, targetCounts } },
    );
  }
  return { kind, cursor: laterCursor(head, x.cursor), rowsCopied, rowsDeleted, sourceCounts: counts, targetCounts };
}

function notClosed(scope: ReplicationScope, dangling: { table: string; key: string; references: string; referencedKey: string }[]): LockstepError {
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

/** The feed's keys changed after `cursor` and below `bound`, into the target's CHANGED_KEYS table. */
async function sendChangedKeys(x: CopyScopeInput, cursor: FeedCursor, bound: string): Promise<void> {
  const known = new Set(x.dataset.tables.map((t) => t.name));
  async function* lines(): AsyncGenerator<string> {
    let after = cursor;
    for (;;) {
      const page = await readFeedPage(x.source, after, bound, x.batchSize);
      for (const e of page) if (known.has(e.tbl)) yield `${copyField(e.tbl)}\t${copyField(e.row_key)}\n`;
      const last = page[page.length - 1];
      if (!last || page.length < x.batchSize) return;
      after = { txid: last.txid, seq: last.seq };
    }
  }
  await createKeyTable(x.target, CHANGED_KEYS);
  await copyLinesInto(x.target, `COPY pg_temp.${q(CHANGED_KEYS)} (tbl, key) FROM STDIN`, lines());
  await analyzeKeyTable(x.target, CHANGED_KEYS);
}

async function planTable(x: CopyScopeInput, kind: RunKind, table: TableDef, inScope: number): Promise<TablePlan> {
  if (kind === 'full' || x.refreshTables.has(table.name)) {
    const empty = await tableIsEmpty(x.target, x.targetSchema, table.name);
    return empty ? { mode: 'copy', total: inScope } : { mode: 'merge', total: inScope };
  }
  const keys = await keysToWrite(x.target, x.targetSchema, table);
  return { mode: 'keys', total: keys.length, keys };
}

/** Writes one table's rows as planned; returns the rows inserted or changed. */
async function writeTable(x: CopyScopeInput, table: TableDef, columns: ColumnDef[], plan: TablePlan): Promise<number> {
  const onRows = (n: number): Promise<void> => {
    x.progress.add(n);
    return x.report();
  };
  if (plan.mode === 'copy') {
    return pipeCopy(x.source, scopedRowsSql(x.dataset, x.hubSchema, x.scope, table, columns), x.target, copyInto(qualified(x.targetSchema, table.name), columns), onRows);
  }
  if (plan.total === 0) return 0;
  const stage = await createStage(x.target, table, columns);
  const into = copyInto(`pg_temp.${q(stage)}`, columns);
  if (plan.mode === 'merge') {
    await pipeCopy(x.source, scopedRowsSql(x.dataset, x.hubSchema, x.scope, table, columns), x.target, into, onRows);
  } else {
    for (let i = 0; i < plan.keys.length; i += x.batchSize) {
      const batch = plan.keys.slice(i, i + x.batchSize);
      const got = await pipeCopy(x.source, rowsByKeysSql(x.hubSchema, table, columns, batch), x.target, into, onRows);
      if (got !== batch.length)
        throw new LockstepError('E_REPLICATION', `${table.name}: asked the hub for ${batch.length} row(s) in scope and got ${got}; nothing was committed`);
    }
  }
  const written = await upsertFromStage(x.target, x.targetSchema, table, columns, stage);
  await dropStage(x.target, stage);
  return written;
}

function laterCursor(head: FeedCursor | undefined, previous: FeedCursor | undefined): FeedCursor {
  if (!head) return previous ?? FEED_START;
  if (!previous) return head;
  const h = [BigInt(head.txid), BigInt(head.seq)] as const;
  const p = [BigInt(previous.txid), BigInt(previous.seq)] as const;
  return h[0] > p[0] || (h[0] === p[0] && h[1] >= p[1]) ? head : previous;
}
