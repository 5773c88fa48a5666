import { LockstepError } from '../core/errors.js';
import type { Dataset } from '../dataset/dataset.js';
import type { ReplicationScope } from './replication-types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Reads a scope written as `all` or `<table>:<key>` and checks it against the dataset: the table exists,
 * the key has as many parts as the table's primary key, and UUID keys are well formed (lower case).
 *
 * @example
 * parseScope('users:6f1c2d3e-…', learning); // { kind: 'row', table: 'users', key: '6f1c2d3e-…' }
 * parseScope('all', learning); // { kind: 'all' }
 */
export function parseScope(text: string, dataset: Dataset): ReplicationScope {
  const raw = text.trim();
  if (raw === 'all') return { kind: 'all' };
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1)
    throw new LockstepError('E_USAGE', `scope must be "all" or "<table>:<key>" (e.g. users:<parent id>), not "${text}"`);
  const table = raw.slice(0, colon);
  const key = raw.slice(colon + 1);
  const def = dataset.tables.find((t) => t.name === table);
  if (!def) throw new LockstepError('E_USAGE', `scope table "${table}" is not in dataset "${dataset.name}" (tables: ${dataset.tables.map((t) => t.name).join(', ')})`);
  const parts = def.primaryKey.length === 1 ? [key] : parseComposite(key, def.primaryKey.length, table);
  def.primaryKey.forEach((col, i) => {
    const type = def.columns.find((c) => c.name === col)?.type;
    const part = parts[i] ?? '';
    if (type === 'uuid' && !UUID.test(part)) throw new LockstepError('E_USAGE', `scope key "${part}" is not a lower-case UUID (${table}.${col})`);
    if (type === 'integer' && !/^-?\d+$/.test(part)) throw new LockstepError('E_USAGE', `scope key "${part}" is not a whole number (${table}.${col})`);
  });
  return { kind: 'row', table, key };
}

function parseComposite(key: string, n: number, table: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== n || !parsed.every((p) => typeof p === 'string'))
    throw new LockstepError('E_USAGE', `table "${table}" has a ${n}-column key: write the scope key as a JSON array of ${n} strings`);
  return parsed as string[];
}

/**
 * The text form of a scope, as `parseScope` reads it.
 *
 * @example
 * formatScope({ kind: 'row', table: 'users', key: 'abc' }); // 'users:abc'
 */
export function formatScope(scope: ReplicationScope): string {
  return scope.kind === 'all' ? 'all' : `${scope.table}:${scope.key}`;
}
