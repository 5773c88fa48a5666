import type pg from 'pg';
import { parentKeysOf } from '../dataset/row-key.js';
import type { TableDef } from '../dataset/dataset.js';
import type { PendingChange } from '../store/local-store.js';
import type { RunState } from './run-state.js';

/**
 * For a push (which brings nothing down): finds which rows that this page's changes reference are not on
 * the hub — deleted there by another device — so the changes that reference them wait, pending, until a
 * pull or sync brings the delete (and its cascade) down. Parents of other tables only (they are settled
 * before this table, so a parent this run sends up is already on the hub). One indexed look-up per page.
 */
export async function checkParentsOnHub(state: RunState, table: TableDef, page: readonly PendingChange[]): Promise<void> {
  const wanted = new Map<string, Set<string>>();
  for (const p of page) {
    if (p.local === null) continue;
    for (const ref of parentKeysOf(table, p.local, (n) => state.store.table(n))) {
      if (ref.table === table.name || state.knowsOnHub(ref.table, ref.key)) continue;
      const set = wanted.get(ref.table) ?? new Set<string>();
      set.add(ref.key);
      wanted.set(ref.table, set);
    }
  }
  for (const [parent, keys] of wanted) {
    const present = await presentOnHub(state.client, parent, [...keys]);
    for (const key of keys) {
      if (present.has(key)) state.markPresentOnHub(parent, key);
      else state.markAbsentOnHub(parent, key);
    }
  }
}

async function presentOnHub(client: pg.ClientBase, table: string, keys: string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ row_key: string }>(
    'SELECT row_key FROM lockstep.row_versions WHERE tbl = $1 AND row_key = ANY($2::text[]) AND NOT deleted',
    [table, keys],
  );
  return new Set(rows.map((r) => r.row_key));
}
