import type Database from 'better-sqlite3';
import { quoteIdent as q } from '../core/quote-ident.js';

/**
 * True when this device holds no row of `table` and no local change of it (a delete leaves one), so
 * every row the hub sends for it is new here and nothing needs looking up. O(1).
 */
export function holdsNothingOf(db: Database.Database, table: string): boolean {
  if (db.prepare(`SELECT 1 FROM ${q(table)} LIMIT 1`).get() !== undefined) return false;
  return db.prepare('SELECT 1 FROM _lockstep_pending WHERE tbl = ? LIMIT 1').get(table) === undefined;
}
