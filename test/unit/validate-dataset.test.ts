import { describe, expect, it } from 'vitest';
import { isLockstepError } from '../../src/core/errors.js';
import { classroom } from '../../src/dataset/classroom.js';
import { learning } from '../../src/dataset/learning.js';
import { validateDataset } from '../../src/dataset/validate-dataset.js';

function problems(input: unknown): string[] {
  try {
    validateDataset(input, 'my.json');
  } catch (e) {
    if (isLockstepError(e) && e.code === 'E_DATASET_INVALID') return (e.details?.problems as { path: string }[]).map((p) => p.path);
    throw e;
  }
  return [];
}

const ok = { name: 'notes', version: 1, tables: [{ name: 'notes', policy: 'lww', primaryKey: ['id'], columns: [{ name: 'id', type: 'uuid' }] }] };

describe('validateDataset', () => {
  it('accepts the built-in datasets', () => {
    expect(validateDataset(classroom)).toBe(classroom);
    expect(validateDataset(learning)).toBe(learning);
  });

  it.each([
    ['not an object', [], ['$']],
    ['missing tables', { name: 'x', version: 1 }, ['tables']],
    ['bad name', { ...ok, name: 'Bad Name' }, ['name']],
    ['bad version', { ...ok, version: 0 }, ['version']],
    ['bad policy', { ...ok, tables: [{ ...ok.tables[0], policy: 'yolo' }] }, ['tables[0].policy']],
    ['bad column type', { ...ok, tables: [{ ...ok.tables[0], columns: [{ name: 'id', type: 'varchar' }] }] }, ['tables[0].columns[0].type', 'tables[0].primaryKey[0]']],
    ['key not a column', { ...ok, tables: [{ ...ok.tables[0], primaryKey: ['nope'] }] }, ['tables[0].primaryKey[0]']],
    ['json key', { ...ok, tables: [{ ...ok.tables[0], columns: [{ name: 'id', type: 'json' }] }] }, ['tables[0].primaryKey[0]']],
    ['reserved name', { ...ok, tables: [{ ...ok.tables[0], name: '_lockstep_x' }] }, ['tables[0].name']],
    [
      'fk to unknown table',
      { ...ok, tables: [{ ...ok.tables[0], foreignKeys: [{ columns: ['id'], references: { table: 'ghost', columns: ['id'] } }] }] },
      ['tables[0].foreignKeys[0].references.table'],
    ],
    [
      'set null on a required column',
      { ...ok, tables: [{ ...ok.tables[0], foreignKeys: [{ columns: ['id'], references: { table: 'notes', columns: ['id'] }, onDelete: 'set null' }] }] },
      ['tables[0].foreignKeys[0].onDelete'],
    ],
  ])('rejects %s, naming the path', (_name, input, paths) => {
    expect(problems(input)).toEqual(paths);
  });

  it('rejects foreign-key cycles between tables', () => {
    const t = (name: string, ref: string) => ({
      name,
      policy: 'lww',
      primaryKey: ['id'],
      columns: [{ name: 'id', type: 'uuid' }, { name: 'r', type: 'uuid' }],
      foreignKeys: [{ columns: ['r'], references: { table: ref, columns: ['id'] } }],
    });
    expect(problems({ name: 'c', version: 1, tables: [t('a', 'b'), t('b', 'a')] })).toEqual(['tables']);
  });
});
