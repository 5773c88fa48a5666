import type pg from 'pg';
import type { Dataset, ForeignKeyDef, TableDef } from '../dataset/dataset.js';
import { foreignKeyOrder } from '../dataset/table-order.js';
import type { ReplicationScope } from './replication-types.js';
import { childKeys, presentKeys, readRowsByKey, type FetchedRow } from './sql/key-lookups.js';
import type { DanglingReference } from './sql/source-reads.js';
import { replicatedColumns } from './target-schema.js';

/**
 * What an incremental run does to one table, decided from the feed alone (docs/spec/replication.md,
 * "An incremental run"). Candidates are the rows whose presence in the target may have to change: rows
 * the feed names, and rows under a row that entered or left the scope. Every other row of the target is
 * in the scope exactly when it was after the last run, so it is not looked at.
 */
export interface TableChanges {
  candidates: string[];
  /** Candidates in the scope in the run's snapshot. */
  inScope: Set<string>;
  /** Candidates the target held before the run. */
  heldBefore: Set<string>;
  /** Rows to write: in scope, and changed on the hub or not in the target (they entered the scope). */
  upsert: string[];
  /** Rows to delete: in the target, and out of the scope (deleted on the hub, or left the scope). */
  remove: string[];
  /**
   * Rows deleted on the hub, not looked up in the target: deleted if there (then they count as held
   * before). Their children in the target are candidates already: the hub's delete cascaded to them or
   * cleared their reference, so the feed names them. In a table that references itself they are looked
   * up instead (a delete there can cascade to a row of a later batch).
   */
  removeIfHeld: string[];
  /** The replicated columns of each row to write, as read from the hub: COPY text lines. */
  lines: Map<string, string>;
}

export interface IncrementalPlan {
  tables: Map<string, TableChanges>;
  /** Rows in scope whose foreign key points outside it (checked on candidates only: see the spec). */
  dangling: DanglingReference[];
}

export interface PlanInput {
  /** The hub inside the run's snapshot. */
  source: pg.ClientBase;
  /** The target inside the run's transaction, still as the last run left it. */
  target: pg.ClientBase;
  dataset: Dataset;
  hubSchema: string;
  targetSchema: string;
  scope: ReplicationScope;
  /** Keys per table the feed names as changed since the cursor. */
  changed: ReadonlyMap<string, ReadonlySet<string>>;
  /** Of those, the keys whose latest entry is a delete: gone from the snapshot, so not looked up on the hub. */
  deleted: ReadonlyMap<string, ReadonlySet<string>>;
  batchSize: number;
}

interface Ref {
  fk: ForeignKeyDef;
  parent: TableDef;
}

/**
 * Decides, table by table in foreign-key order, which rows enter, stay in or leave the scope. A row is in
 * scope when it is the root or one of its foreign keys points at a row in scope; for a parent the feed
 * does not name and no moved ancestor reaches, "in scope" is "in the target". A row whose membership
 * flips brings its children in: from the hub (snapshot) when it entered, from the target when it left.
 * Cost: O(rows changed + rows under the rows that entered or left), all by index.
 */
export async function planIncremental(x: PlanInput): Promise<IncrementalPlan> {
  const tables = new Map(x.dataset.tables.map((t) => [t.name, t]));
  const decided = new Map<string, Map<string, boolean>>();
  const held = new Map<string, Map<string, boolean>>();
  const extra = new Map<string, Set<string>>();
  const dangling: DanglingReference[] = [];
  const rowScope = x.scope.kind === 'row' ? x.scope : undefined;
  const root = rowScope ? { table: rowScope.table, key: normalKey(tables.get(rowScope.table) as TableDef, rowScope.key) } : undefined;

  const wasHeld = (table: string, key: string): boolean => held.get(table)?.get(key) === true;
  const inScope = (table: string, key: string): boolean => decided.get(table)?.get(key) ?? wasHeld(table, key);
  async function lookUpHeld(t: TableDef, keys: Iterable<string>): Promise<void> {
    const cache = held.get(t.name) ?? new Map<string, boolean>();
    held.set(t.name, cache);
    const missing = [...new Set(keys)].filter((k) => !cache.has(k));
    await inBatches(missing, x.batchSize, async (batch) => {
      const found = new Set(await presentKeys(x.target, x.targetSchema, t, batch));
      for (const k of batch) cache.set(k, found.has(k));
    });
  }

  async function planTable(t: TableDef): Promise<TableChanges | undefined> {
    const changed = x.changed.get(t.name) ?? new Set<string>();
    const cand = new Set([...changed, ...(extra.get(t.name) ?? [])]);
    if (cand.size === 0) return undefined;
    // In scope `all` every row is in scope: only whether it still exists matters.
    const refs: Ref[] = rowScope ? (t.foreignKeys ?? []).map((fk) => ({ fk, parent: tables.get(fk.references.table) as TableDef })) : [];
    const selfRefs = refs.filter((r) => r.parent === t);
    // Rows deleted on the hub are looked up in the target only where a delete can cascade within the table.
    const selfReferencing = (t.foreignKeys ?? []).some((fk) => fk.references.table === t.name);
    const rows = new Map<string, FetchedRow>();
    const expanded = new Set<string>();
    const gone = x.deleted.get(t.name) ?? new Set<string>();
    const columns = replicatedColumns(t);
    let pending = [...cand];
    let member = new Set<string>();
    for (;;) {
      // The hub and the target are different servers: read both at once.
      const alive = pending.filter((k) => !gone.has(k));
      await Promise.all([
        inBatches(alive, x.batchSize, async (batch) => {
          for (const [k, v] of await readRowsByKey(x.source, x.hubSchema, t, refs, columns, batch)) rows.set(k, v);
        }),
        lookUpHeld(t, selfReferencing ? pending : alive),
      ]);
      for (const [i, r] of refs.entries()) {
        const parents = pending.map((k) => rows.get(k)?.refs[i]).filter((p): p is string => typeof p === 'string');
        await lookUpHeld(r.parent, r.parent === t ? parents.filter((p) => !cand.has(p)) : parents.filter((p) => !decided.get(r.parent.name)?.has(p)));
      }
      member = membership(t, cand, rows, refs);
      if (selfRefs.length === 0) break;
      // Rows of this table under a row that entered or left join the candidates, until none is new.
      const flipped = [...cand].filter((k) => !expanded.has(k) && member.has(k) !== wasHeld(t.name, k));
      for (const k of flipped) expanded.add(k);
      const more = new Set<string>();
      for (const r of selfRefs) for (const k of await flippedChildren(t, t, r.fk, flipped, member)) if (!cand.has(k)) more.add(k);
      if (more.size === 0) break;
      pending = [...more];
      for (const k of more) cand.add(k);
    }
    decided.set(t.name, new Map([...cand].map((k) => [k, member.has(k)])));
    if (rowScope) checkClosed(t, cand, rows, refs, member);
    return changes(t, cand, changed, member, rows, selfReferencing ? new Set<string>() : gone);
  }

  /** Candidates in scope: existing rows that are the root, or point at a row in scope (through other candidates too). */
  function membership(t: TableDef, cand: ReadonlySet<string>, rows: Map<string, FetchedRow>, refs: Ref[]): Set<string> {
    const member = new Set<string>();
    const waiting = new Map<string, string[]>();
    for (const k of cand) {
      const r = rows.get(k)?.refs;
      if (!r) continue; // gone from the hub
      const direct =
        !rowScope ||
        (root?.table === t.name && root.key === k) ||
        refs.some(({ parent }, i) => {
          const p = r[i];
          if (p === null || p === undefined) return false;
          return parent === t ? !cand.has(p) && wasHeld(t.name, p) : inScope(parent.name, p);
        });
      if (direct) member.add(k);
      else
        refs.forEach(({ parent }, i) => {
          const p = r[i];
          if (parent === t && typeof p === 'string' && cand.has(p)) waiting.set(p, [...(waiting.get(p) ?? []), k]);
        });
    }
    const queue = [...member];
    for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
      for (const k of waiting.get(p) ?? []) {
        if (member.has(k)) continue;
        member.add(k);
        queue.push(k);
      }
    }
    return member;
  }

  /** Children through `fk` of the flipped rows of `parent`: on the hub for rows that entered, in the target for rows that left. */
  async function flippedChildren(parent: TableDef, child: TableDef, fk: ForeignKeyDef, flipped: string[], member: ReadonlySet<string>): Promise<string[]> {
    const entered = flipped.filter((k) => member.has(k));
    const left = flipped.filter((k) => !member.has(k));
    const out: string[] = [];
    await inBatches(entered, x.batchSize, async (b) => void out.push(...(await childKeys(x.source, x.hubSchema, child, fk, parent, b))));
    await inBatches(left, x.batchSize, async (b) => void out.push(...(await childKeys(x.target, x.targetSchema, child, fk, parent, b))));
    return out;
  }

  function checkClosed(t: TableDef, cand: ReadonlySet<string>, rows: Map<string, FetchedRow>, refs: Ref[], member: ReadonlySet<string>): void {
    for (const k of member) {
      const r = rows.get(k)?.refs ?? [];
      refs.forEach(({ parent }, i) => {
        const p = r[i];
        if (p === null || p === undefined) return;
        const ok = parent === t ? (cand.has(p) ? member.has(p) : wasHeld(t.name, p)) : inScope(parent.name, p);
        if (!ok && dangling.length < 20) dangling.push({ table: t.name, key: k, references: parent.name, referencedKey: p });
      });
    }
  }

  function changes(
    t: TableDef,
    cand: ReadonlySet<string>,
    changed: ReadonlySet<string>,
    member: ReadonlySet<string>,
    rows: Map<string, FetchedRow>,
    unlooked: ReadonlySet<string>,
  ): TableChanges {
    const candidates = [...cand].sort();
    const heldBefore = new Set(candidates.filter((k) => wasHeld(t.name, k)));
    const upsert = candidates.filter((k) => member.has(k) && (changed.has(k) || !heldBefore.has(k)));
    return {
      candidates,
      inScope: new Set(member),
      heldBefore,
      upsert,
      remove: candidates.filter((k) => !member.has(k) && heldBefore.has(k)),
      removeIfHeld: candidates.filter((k) => unlooked.has(k)),
      lines: new Map(upsert.map((k) => [k, rows.get(k)?.line as string])),
    };
  }

  const out = new Map<string, TableChanges>();
  for (const name of foreignKeyOrder(x.dataset)) {
    const t = tables.get(name) as TableDef;
    const planned = await planTable(t);
    if (!planned) continue;
    out.set(name, planned);
    if (!rowScope) continue;
    // Rows of later tables under a row of this one that entered or left the scope become their candidates.
    const flipped = planned.candidates.filter((k) => planned.inScope.has(k) !== planned.heldBefore.has(k));
    if (flipped.length === 0) continue;
    for (const child of x.dataset.tables) {
      if (child === t) continue;
      for (const fk of child.foreignKeys ?? []) {
        if (fk.references.table !== name) continue;
        const set = extra.get(child.name) ?? new Set<string>();
        extra.set(child.name, set);
        for (const k of await flippedChildren(t, child, fk, flipped, planned.inScope)) set.add(k);
      }
    }
  }
  return { tables: out, dangling };
}

/** A scope key in the feed's text form: integers without leading zeros, composite keys as compact JSON. */
function normalKey(t: TableDef, key: string): string {
  if (t.primaryKey.length > 1) return JSON.stringify(JSON.parse(key) as unknown);
  const type = t.columns.find((c) => c.name === t.primaryKey[0])?.type;
  return type === 'integer' ? BigInt(key).toString() : key;
}

async function inBatches(keys: readonly string[], size: number, fn: (batch: string[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < keys.length; i += size) await fn(keys.slice(i, i + size));
}
