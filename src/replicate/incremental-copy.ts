import { LockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { ColumnDef, TableDef } from '../dataset/dataset.js';
import type { FeedCursor } from '../hub/sql/feed.js';
import { copyLinesInto } from './copy-pipe.js';
import { planIncremental, type IncrementalPlan, type TableChanges } from './incremental-plan.js';
import { checkCounts, laterCursor, notClosed, type CopyScopeInput, type CopyScopeResult } from './replication-copy.js';
import { deleteKeys, presentKeys } from './sql/key-lookups.js';
import { readFeedAfter, readFeedHeadBelow } from './sql/source-reads.js';
import { copyInto, countRows, createStage, dropStage, upsertFromStageReturningInserted } from './sql/target-writes.js';
import { targetTables } from './target-schema.js';

export interface CopyChangesInput extends CopyScopeInput {
  /** Where the last committed run stopped in the hub's feed. */
  cursor: FeedCursor;
  /**
   * Rows per table the target held after the last committed run, as the hub recorded them; undefined
   * when the hub did not record that run as COMPLETED (it died after its target commit): then counted.
   */
  previousCounts: Record<string, number> | undefined;
}

/**
 * An incremental run, O(rows changed): reads the feed after the cursor, decides from it which rows
 * enter, change in or leave the scope (`planIncremental`), writes those in foreign-key order and deletes
 * the others in reverse order, then checks every row it looked at (in the target exactly when in scope)
 * and the per-table counts that follow from the last run's. Inside the caller's target transaction; any
 * difference throws and the caller rolls back.
 */
export async function copyChanges(x: CopyChangesInput): Promise<CopyScopeResult> {
  x.progress.phase('scope');
  await x.report(true);
  const head = await readFeedHeadBelow(x.source, x.bound);
  const plan = await planIncremental({ ...x, ...(await readChangedKeys(x)) });
  if (plan.dangling.length > 0) throw notClosed(x.scope, plan.dangling);
  const tables = targetTables(x.dataset);
  x.progress.setTotal([...plan.tables.values()].reduce((n, p) => n + p.upsert.length, 0));

  const rowsCopied: Record<string, number> = {};
  const inserted = new Map<string, Set<string>>();
  for (const { table, columns } of tables) {
    const p = plan.tables.get(table.name);
    x.progress.startTable(table.name, p?.upsert.length ?? 0);
    await x.report(true);
    const done = p && p.upsert.length > 0 ? await writeChanges(x, table, columns, p) : { written: 0, inserted: [] };
    rowsCopied[table.name] = done.written;
    inserted.set(table.name, new Set(done.inserted));
  }
  x.progress.phase('delete');
  await x.report(true);
  const rowsDeleted: Record<string, number> = {};
  const deletedNow = new Map<string, number>();
  for (const { table } of [...tables].reverse()) {
    const p = plan.tables.get(table.name);
    const keys = p ? [...p.remove, ...p.removeIfHeld] : [];
    const gone = new Set<string>();
    for (let i = 0; i < keys.length; i += x.batchSize) for (const k of await deleteKeys(x.target, x.targetSchema, table, keys.slice(i, i + x.batchSize))) gone.add(k);
    // A row deleted on the hub that the target held: held before, like the looked-up ones.
    for (const k of p?.removeIfHeld ?? []) if (gone.has(k)) p?.heldBefore.add(k);
    rowsDeleted[table.name] = (p?.remove.length ?? 0) + (p?.removeIfHeld.filter((k) => gone.has(k)).length ?? 0);
    deletedNow.set(table.name, p ? p.remove.filter((k) => gone.has(k)).length : 0);
  }

  x.progress.phase('verify');
  await x.report(true);
  const before = x.previousCounts ?? (await countTarget(x));
  const { sourceCounts, targetCounts, wrongRows } = await verify(x, plan, inserted, deletedNow, before);
  checkCounts(sourceCounts, targetCounts, wrongRows.length > 0 ? `; rows that should ${wrongRows.slice(0, 5).join(', ')}` : '');
  return { kind: 'incremental', cursor: laterCursor(head, x.cursor), rowsCopied, rowsDeleted, sourceCounts, targetCounts };
}

/** The planned rows of one table, as read from the hub, through a stage into the target; returns the rows written and the keys inserted. */
async function writeChanges(x: CopyChangesInput, table: TableDef, columns: ColumnDef[], p: TableChanges): Promise<{ written: number; inserted: string[] }> {
  const stage = await createStage(x.target, table, columns);
  const lines = p.upsert.map((k) => p.lines.get(k) as string);
  const staged = await copyLinesInto(x.target, copyInto(`pg_temp.${q(stage)}`, columns), lines);
  if (staged !== lines.length) throw new LockstepError('E_REPLICATION', `${table.name}: staged ${staged} of ${lines.length} row(s); nothing was committed`);
  x.progress.add(staged);
  await x.report();
  const done = await upsertFromStageReturningInserted(x.target, x.targetSchema, table, columns, stage);
  await dropStage(x.target, stage);
  return done;
}

/** The keys the feed names after the cursor (every entry this snapshot shows), per dataset table; and which of them are deletes. */
async function readChangedKeys(x: CopyChangesInput): Promise<{ changed: Map<string, Set<string>>; deleted: Map<string, Set<string>> }> {
  const changed = new Map<string, Set<string>>(x.dataset.tables.map((t) => [t.name, new Set<string>()]));
  const deleted = new Map<string, Set<string>>(x.dataset.tables.map((t) => [t.name, new Set<string>()]));
  let after = x.cursor;
  for (;;) {
    const page = await readFeedAfter(x.source, after, x.batchSize);
    for (const e of page) {
      changed.get(e.tbl)?.add(e.row_key);
      if (e.deleted) deleted.get(e.tbl)?.add(e.row_key);
    }
    const last = page[page.length - 1];
    if (!last || page.length < x.batchSize) return { changed, deleted };
    after = { txid: last.txid, seq: last.seq };
    await x.report();
  }
}

async function countTarget(x: CopyChangesInput): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of x.dataset.tables) out[t.name] = await countRows(x.target, x.targetSchema, t.name);
  return out;
}

/**
 * After the writes, every row the run looked at must be in the target exactly when it is in scope:
 * every row the plan wrote that the target did not hold must have been inserted (a trigger may swallow
 * it), and every row it deleted must be gone (looked up only when fewer went than planned). The counts
 * follow from the last run's: rows held before, minus the candidates held before, plus the candidates
 * in scope (source) or held now (target). Rows no candidate reaches did not change.
 */
async function verify(
  x: CopyChangesInput,
  plan: IncrementalPlan,
  inserted: ReadonlyMap<string, ReadonlySet<string>>,
  deletedNow: ReadonlyMap<string, number>,
  before: Record<string, number>,
): Promise<{ sourceCounts: Record<string, number>; targetCounts: Record<string, number>; wrongRows: string[] }> {
  const sourceCounts: Record<string, number> = {};
  const targetCounts: Record<string, number> = {};
  const wrongRows: string[] = [];
  for (const { table } of targetTables(x.dataset)) {
    const p = plan.tables.get(table.name);
    const was = before[table.name] ?? 0;
    sourceCounts[table.name] = targetCounts[table.name] = was;
    if (!p) continue;
    const added = inserted.get(table.name) ?? new Set<string>();
    const missing = p.upsert.filter((k) => !p.heldBefore.has(k) && !added.has(k));
    const stillThere = (deletedNow.get(table.name) ?? 0) < p.remove.length ? await stillHeld(x, table, p.remove) : [];
    const kept = p.candidates.filter((k) => p.heldBefore.has(k) && p.inScope.has(k)).length;
    sourceCounts[table.name] = was - p.heldBefore.size + p.inScope.size;
    targetCounts[table.name] = was - p.heldBefore.size + kept + added.size + stillThere.length;
    wrongRows.push(...missing.map((k) => `be in the target: ${table.name}:${k}`), ...stillThere.map((k) => `be gone from the target: ${table.name}:${k}`));
  }
  if (wrongRows.length > 0 && Object.keys(sourceCounts).every((t) => sourceCounts[t] === targetCounts[t]))
    throw new LockstepError('E_REPLICATION', `the target does not hold what the run wrote, so nothing was committed: rows that should ${wrongRows.slice(0, 5).join(', ')}`, {
      details: { sourceCounts, targetCounts },
    });
  return { sourceCounts, targetCounts, wrongRows };
}

async function stillHeld(x: CopyChangesInput, table: TableDef, keys: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i += x.batchSize) out.push(...(await presentKeys(x.target, x.targetSchema, table, keys.slice(i, i + x.batchSize))));
  return out;
}
