import { LockstepError } from '../core/errors.js';
import type { ReplicationMode, ReplicationScope } from './replication-types.js';

/**
 * A new replication configuration, as a caller gives it.
 *
 * @example
 * const input: AddReplicationInput = { name: 'backup', owner: parentId, url: 'postgres://me:pw@db.example.com/backup',
 *   scope: `users:${parentId}`, mode: 'continuous', intervalSeconds: 300 };
 */
export interface AddReplicationInput {
  name: string;
  /** Who owns it (e.g. the app's user id). Only this owner sees and runs it when the API is asked with `owner`. */
  owner: string;
  /** The target: postgres://user:password@host:port/database?sslmode=… (the password is stored encrypted). */
  url: string;
  /** `all`, `<table>:<key>` or a parsed scope. */
  scope: string | ReplicationScope;
  /** Default `manual`. */
  mode?: ReplicationMode;
  /** Seconds between runs; required for `continuous`. */
  intervalSeconds?: number | null;
  /** Schema in the target database; default: the dataset's name. */
  targetSchema?: string;
  /** Let runs add missing columns to existing target tables. Default false. */
  migrate?: boolean;
}

/**
 * Changes to a configuration; absent fields stay. A URL whose password is `****` (as the API shows it)
 * keeps the stored password.
 */
export type EditReplicationInput = Partial<Omit<AddReplicationInput, 'owner'>>;

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
    throw new LockstepError('E_USAGE', 'a replication needs a name of 1 to 200 characters');
  return name.trim();
}

export function checkOwner(owner: unknown): string {
  if (typeof owner !== 'string' || owner.trim() === '' || owner.length > 200) throw new LockstepError('E_USAGE', 'a replication needs an owner (1 to 200 characters)');
  return owner.trim();
}

/** A PostgreSQL schema name Lockstep will create and quote: letters, digits and underscores, ≤ 63. */
export function checkSchemaName(schema: unknown): string {
  if (typeof schema !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema) || schema.toLowerCase().startsWith('pg_'))
    throw new LockstepError('E_USAGE', `target schema must be 1 to 63 letters, digits or underscores, not starting with a digit or pg_; not "${String(schema)}"`);
  return schema;
}

/** The mode and its interval: `continuous` needs one (≥ 1 s); `manual` has none. */
export function checkMode(mode: unknown, intervalSeconds: unknown): { mode: ReplicationMode; interval_seconds: number | null } {
  if (mode !== 'manual' && mode !== 'continuous') throw new LockstepError('E_USAGE', `mode must be manual or continuous, not "${String(mode)}"`);
  if (mode === 'manual') return { mode, interval_seconds: null };
  if (typeof intervalSeconds !== 'number' || !Number.isSafeInteger(intervalSeconds) || intervalSeconds < 1)
    throw new LockstepError('E_USAGE', 'continuous replication needs an interval of at least 1 second (e.g. --interval 5m)');
  return { mode, interval_seconds: intervalSeconds };
}

/** The password the API shows in place of a stored one; given back in an edit, it keeps the stored password. */
export const MASKED_PASSWORD = '****';
