import { LockstepError } from '../core/errors.js';
import { SYNC_POLICIES } from '../core/sync-policy.js';
import { COLUMN_TYPES, type Dataset } from './dataset.js';
import { foreignKeyOrder } from './table-order.js';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED_PREFIX = /^_lockstep/;
const ON_DELETE = ['cascade', 'restrict', 'set null'];

type Problem = { path: string; message: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks an untrusted dataset definition (e.g. parsed from a user's JSON file) and returns it typed.
 * Every problem is reported with its JSON path, all at once.
 *
 * @example
 * const ds = validateDataset(JSON.parse(text)); // throws E_DATASET_INVALID naming `tables[1].primaryKey`
 */
export function validateDataset(input: unknown, source = 'dataset'): Dataset {
  const problems: Problem[] = [];
  const bad = (path: string, message: string): void => void problems.push({ path, message });
  if (!isObject(input)) throw invalid(source, [{ path: '$', message: 'must be a JSON object' }]);

  checkIdent(input.name, 'name', bad);
  if (!Number.isInteger(input.version) || (input.version as number) < 1) bad('version', 'must be a positive integer');
  if (!Array.isArray(input.tables) || input.tables.length === 0) {
    bad('tables', 'must be a non-empty array');
    throw invalid(source, problems);
  }
  const tableNames = new Set<string>();
  input.tables.forEach((t: unknown, i: number) => {
    const p = `tables[${i}]`;
    if (!isObject(t)) return bad(p, 'must be an object');
    if (checkIdent(t.name, `${p}.name`, bad)) {
      if (tableNames.has(t.name as string)) bad(`${p}.name`, `duplicate table "${String(t.name)}"`);
      tableNames.add(t.name as string);
    }
    if (!SYNC_POLICIES.includes(t.policy as never)) bad(`${p}.policy`, `must be one of ${SYNC_POLICIES.join(', ')}`);
    const cols = new Map<string, string>();
    if (!Array.isArray(t.columns) || t.columns.length === 0) bad(`${p}.columns`, 'must be a non-empty array');
    else
      t.columns.forEach((c: unknown, j: number) => {
        const cp = `${p}.columns[${j}]`;
        if (!isObject(c)) return bad(cp, 'must be an object');
        if (checkIdent(c.name, `${cp}.name`, bad)) {
          if (cols.has(c.name as string)) bad(`${cp}.name`, `duplicate column "${String(c.name)}"`);
          cols.set(c.name as string, String(c.type));
        }
        if (!COLUMN_TYPES.includes(c.type as never)) bad(`${cp}.type`, `must be one of ${COLUMN_TYPES.join(', ')}`);
        for (const flag of ['nullable', 'sensitive'] as const)
          if (c[flag] !== undefined && typeof c[flag] !== 'boolean') bad(`${cp}.${flag}`, 'must be true or false');
      });
    if (!Array.isArray(t.primaryKey) || t.primaryKey.length === 0) bad(`${p}.primaryKey`, 'must list at least one column');
    else
      t.primaryKey.forEach((k: unknown, j: number) => {
        if (typeof k !== 'string' || !cols.has(k)) bad(`${p}.primaryKey[${j}]`, `"${String(k)}" is not a column of this table`);
        else if (!['uuid', 'text', 'integer'].includes(cols.get(k) ?? ''))
          bad(`${p}.primaryKey[${j}]`, `a ${cols.get(k)} column cannot be a key (use uuid, text or integer)`);
        else if (Array.isArray(t.columns)) {
          const col = (t.columns as unknown[]).find((c): c is Record<string, unknown> => isObject(c) && c.name === k);
          if (col?.nullable === true) bad(`${p}.primaryKey[${j}]`, `key column "${k}" cannot be nullable`);
        }
      });
    if (t.foreignKeys !== undefined && !Array.isArray(t.foreignKeys)) bad(`${p}.foreignKeys`, 'must be an array');
    if (t.indexes !== undefined && !Array.isArray(t.indexes)) bad(`${p}.indexes`, 'must be an array');
    (Array.isArray(t.indexes) ? t.indexes : []).forEach((ix: unknown, j: number) => {
      if (!Array.isArray(ix) || ix.length === 0 || ix.some((c) => typeof c !== 'string' || !cols.has(c)))
        bad(`${p}.indexes[${j}]`, 'must be a non-empty list of this table\'s columns');
    });
  });
  // Foreign keys are checked once every table is known.
  input.tables.forEach((t: unknown, i: number) => {
    if (!isObject(t) || !Array.isArray(t.foreignKeys)) return;
    const own = columnsOf(t);
    t.foreignKeys.forEach((fk: unknown, j: number) => {
      const fp = `tables[${i}].foreignKeys[${j}]`;
      if (!isObject(fk) || !Array.isArray(fk.columns) || !isObject(fk.references)) return bad(fp, 'must have columns and references');
      fk.columns.forEach((c: unknown, k: number) => {
        if (typeof c !== 'string' || !own.has(c)) bad(`${fp}.columns[${k}]`, `"${String(c)}" is not a column of this table`);
      });
      const target = (input.tables as unknown[]).find((x) => isObject(x) && x.name === (fk.references as Record<string, unknown>).table);
      if (!isObject(target)) return bad(`${fp}.references.table`, `no table "${String(fk.references.table)}" in this dataset`);
      const refCols = fk.references.columns;
      if (!Array.isArray(refCols) || JSON.stringify(refCols) !== JSON.stringify(target.primaryKey))
        bad(`${fp}.references.columns`, `must be the primary key of "${String(target.name)}" (${JSON.stringify(target.primaryKey)})`);
      else if (refCols.length !== fk.columns.length) bad(fp, 'columns and references.columns must have the same length');
      if (fk.onDelete !== undefined && !ON_DELETE.includes(fk.onDelete as string))
        bad(`${fp}.onDelete`, `must be one of ${ON_DELETE.join(', ')}`);
      if (fk.onDelete === 'set null')
        for (const c of fk.columns) {
          // `columns` may be anything here (reported above): look only at well-formed entries.
          const col = (Array.isArray(t.columns) ? (t.columns as unknown[]) : []).find((x): x is Record<string, unknown> => isObject(x) && x.name === c);
          if (col && col.nullable !== true) bad(`${fp}.onDelete`, `"set null" needs column "${String(c)}" to be nullable`);
        }
    });
  });
  if (input.views !== undefined && !Array.isArray(input.views)) bad('views', 'must be an array');
  (Array.isArray(input.views) ? input.views : []).forEach((v: unknown, i: number) => {
    if (!isObject(v)) return bad(`views[${i}]`, 'must be an object');
    if (checkIdent(v.name, `views[${i}].name`, bad) && tableNames.has(v.name as string))
      bad(`views[${i}].name`, `"${String(v.name)}" is already a table`);
    if (typeof v.sql !== 'string' || !/^\s*select\b/i.test(v.sql)) bad(`views[${i}].sql`, 'must be a SELECT statement');
  });
  if (problems.length > 0) throw invalid(source, problems);
  const dataset = input as unknown as Dataset;
  try {
    foreignKeyOrder(dataset);
  } catch (e) {
    throw invalid(source, [{ path: 'tables', message: (e as Error).message }]);
  }
  return dataset;
}

function columnsOf(t: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(t.columns)) for (const c of t.columns) if (isObject(c) && typeof c.name === 'string') out.add(c.name);
  return out;
}

function checkIdent(v: unknown, path: string, bad: (p: string, m: string) => void): boolean {
  if (typeof v !== 'string' || !IDENT.test(v)) {
    bad(path, 'must be a lower-case identifier (a-z, 0-9, _; at most 63 characters; not starting with a digit)');
    return false;
  }
  if (RESERVED_PREFIX.test(v)) {
    bad(path, 'names starting with "_lockstep" are reserved');
    return false;
  }
  return true;
}

function invalid(source: string, problems: Problem[]): LockstepError {
  const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  return new LockstepError('E_DATASET_INVALID', `${source} is not a valid dataset:\n${lines}`, { details: { problems } });
}
