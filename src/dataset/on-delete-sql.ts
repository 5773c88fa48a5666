import type { ForeignKeyDef } from './dataset.js';

/** `restrict` is NO ACTION, so the check runs at commit and a transaction may reorder its writes. */
export function onDeleteSql(onDelete: ForeignKeyDef['onDelete']): string {
  return onDelete === 'cascade' ? 'CASCADE' : onDelete === 'set null' ? 'SET NULL' : 'NO ACTION';
}
