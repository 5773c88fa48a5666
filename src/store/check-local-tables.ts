import type Database from 'better-sqlite3';
import { LockstepError } from '../core/errors.js';
import { quoteIdent as q } from '../core/quote-ident.js';
import type { Dataset } from '../dataset/dataset.js';

const AFFINITY: Record<string, string> = {
  uuid: 'TEXT',
  text: 'TEXT',
  integer: 'INTEGER',
  real: 'REAL',
  boolean: 'INTEGER',
  timestamp: 'TEXT',
  json: 'TEXT',
};

/** Refuses to adopt app tables whose columns differ from the dataset (Lockstep never alters them). */
export function checkLocalTables(db: Database.Database, dataset: Dataset, existing: Set<string>): void {
  const problems: string[] = [];
  for (const t of dataset.tables) {
    if (!existing.has(t.name)) continue;
    const cols = db.prepare(`PRAGMA table_info(${q(t.name)})`).all() as { name: string; type: string; pk: number }[];
    const byName = new Map(cols.map((c) => [c.name, c]));
    for (const c of t.columns) {
      const actual = byName.get(c.name);
      if (!actual) problems.push(`${t.name}.${c.name}: missing column`);
      else if (actual.type.toUpperCase() !== AFFINITY[c.type])
        problems.push(`${t.name}.${c.name}: type ${actual.type || '(none)'}, expected ${AFFINITY[c.type]}`);
    }
    const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    if (JSON.stringify(pk) !== JSON.stringify(t.primaryKey)) problems.push(`${t.name}: primary key (${pk.join(', ')}), expected (${t.primaryKey.join(', ')})`);
  }
  if (problems.length > 0)
    throw new LockstepError('E_SCHEMA_MISMATCH', `existing tables differ from dataset "${dataset.name}":\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      details: { problems },
    });
}
