import type { Dataset } from './dataset.js';

/**
 * Table names so that every table comes after the tables it references (self-references allowed).
 * Inserts run in this order, deletes in reverse. Throws on a cycle between different tables.
 */
export function foreignKeyOrder(dataset: Dataset): string[] {
  const deps = new Map<string, Set<string>>();
  for (const t of dataset.tables) {
    deps.set(t.name, new Set((t.foreignKeys ?? []).map((fk) => fk.references.table).filter((r) => r !== t.name)));
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`foreign keys form a cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const d of deps.get(name) ?? []) visit(d, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const t of dataset.tables) visit(t.name, []);
  return order;
}
