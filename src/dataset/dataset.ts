import type { SyncPolicy } from '../core/sync-policy.js';

/** Column types Lockstep carries identically between SQLite, PostgreSQL and JSON. */
export type ColumnType = 'uuid' | 'text' | 'integer' | 'real' | 'boolean' | 'timestamp' | 'json';
export const COLUMN_TYPES: readonly ColumnType[] = ['uuid', 'text', 'integer', 'real', 'boolean', 'timestamp', 'json'];

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** Default false: the column is NOT NULL. Primary-key columns are never nullable. */
  nullable?: boolean;
  /** Never copied by replication (e.g. a password hash). Still synced between a user's own devices. */
  sensitive?: boolean;
}

export type OnDelete = 'cascade' | 'restrict' | 'set null';

export interface ForeignKeyDef {
  columns: string[];
  references: { table: string; columns: string[] };
  onDelete?: OnDelete;
}

export interface TableDef {
  name: string;
  policy: SyncPolicy;
  columns: ColumnDef[];
  primaryKey: string[];
  foreignKeys?: ForeignKeyDef[];
  /** Extra indexes, each a list of columns (foreign-key columns are indexed automatically). */
  indexes?: string[][];
}

/** A read-only view over the tables, e.g. totals derived from append-only events. SQL must run on both engines. */
export interface ViewDef {
  name: string;
  sql: string;
}

/**
 * A dataset: the tables an app keeps in step, their keys, relations and sync policies.
 *
 * @example
 * const ds: Dataset = { name: 'notes', version: 1, tables: [{ name: 'notes', policy: 'lww',
 *   primaryKey: ['id'], columns: [{ name: 'id', type: 'uuid' }, { name: 'body', type: 'text' }] }] };
 */
export interface Dataset {
  name: string;
  version: number;
  description?: string;
  tables: TableDef[];
  views?: ViewDef[];
}
