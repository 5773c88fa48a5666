import type { PrecheckReport } from '../sync/precheck.js';
import type { ConflictInfo, Direction, SyncReport } from '../sync/sync-report.js';

const ARROW: Record<Direction, string> = { none: ' ', up: '↑', down: '↓', both: '⇅' };

function pad(s: string | number, n: number): string {
  return String(s).padEnd(n);
}

/** The preview / result table a person reads: per table, up and down counts, conflicts, direction. */
export function formatReport(r: SyncReport): string {
  const verb = r.applied ? `${r.operation} done` : `preview of ${r.plannedFor} (nothing changed)`;
  const lines = [`${verb}${r.firstSync ? ' — first sync with this hub' : ''}`, ''];
  lines.push(`${pad('', 2)}${pad('table', 20)}${pad('↑ add', 7)}${pad('upd', 6)}${pad('del', 6)}${pad('↓ add', 7)}${pad('upd', 6)}${pad('del', 6)}conflicts`);
  for (const [name, t] of Object.entries(r.tables)) {
    if (t.direction === 'none' && t.conflicts === 0) continue;
    lines.push(
      `${pad(ARROW[t.direction], 2)}${pad(name, 20)}${pad(t.up.add, 7)}${pad(t.up.update, 6)}${pad(t.up.delete, 6)}${pad(t.down.add, 7)}${pad(
        t.down.update,
        6,
      )}${pad(t.down.delete, 6)}${t.conflicts}`,
    );
  }
  const { up, down } = r.totals;
  lines.push(
    `${pad(ARROW[r.direction], 2)}${pad('total', 20)}${pad(up.add, 7)}${pad(up.update, 6)}${pad(up.delete, 6)}${pad(down.add, 7)}${pad(down.update, 6)}${pad(
      down.delete,
      6,
    )}${r.totals.conflicts}`,
  );
  if (r.totals.discards > 0) lines.push('', `${r.totals.discards} local change(s) not on the hub will be discarded by pull.`);
  if (r.conflicts.length > 0) lines.push('', formatConflicts(r.conflicts));
  return lines.join('\n');
}

export function formatConflicts(conflicts: readonly ConflictInfo[]): string {
  if (conflicts.length === 0) return 'no conflicts';
  const lines = [`${conflicts.length} conflict(s) — resolve with: lockstep resolve --db PATH TABLE ID --keep local|server|merge`];
  for (const c of conflicts) {
    lines.push(`! ${c.table} ${c.id} (${c.policy}) fields: ${c.fields.join(', ') || '(row deleted on one side)'}`);
    for (const f of c.fields.length ? c.fields : ['(row)']) {
      const show = (row: typeof c.local): string => (row === null ? '(deleted)' : f === '(row)' ? 'present' : JSON.stringify(row[f]));
      lines.push(`    ${f}: local ${show(c.local)} | server ${show(c.server)} | base ${show(c.base)}`);
    }
  }
  return lines.join('\n');
}

export function formatPrecheck(p: PrecheckReport): string {
  return [
    ...p.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.message}${c.code && !c.ok ? ` [${c.code}]` : ''}`),
    p.ok ? 'ready to sync' : 'not ready: fix the items marked ✗',
  ].join('\n');
}
