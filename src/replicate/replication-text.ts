import { describeDifference, type SchemaDifference } from '../hub/inspect-schema.js';
import { formatInterval } from './parse-interval.js';
import type { ReplicationConfigView, ReplicationProgress, ReplicationRunView } from './replication-types.js';

/** Human-readable text for configurations, runs and progress (the CLI prints these; the server may too). */

function duration(ms: number | null): string {
  if (ms === null) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function counts(c: Record<string, number>): string {
  const parts = Object.entries(c).filter(([, n]) => n > 0);
  return parts.length === 0 ? 'none' : parts.map(([t, n]) => `${t} ${n}`).join(', ');
}

/**
 * One line of progress: the table, its rows, the total and the time left.
 *
 * @example
 * formatProgress(p); // 'lessons: 120/400 rows · total 320/1000 (32%) · 4s elapsed · eta 9s'
 */
export function formatProgress(p: ReplicationProgress): string {
  const pct = p.rowsTotal > 0 ? ` (${Math.floor((100 * p.rowsDone) / p.rowsTotal)}%)` : '';
  const what = p.phase === 'copy' && p.table ? `${p.table}: ${p.tableRowsDone}/${p.tableRowsTotal} rows` : p.phase;
  return `${what} · total ${p.rowsDone}/${p.rowsTotal}${pct} · ${duration(p.elapsedMs)} elapsed · eta ${duration(p.etaMs)}`;
}

/** A configuration on one line (for lists). */
export function formatConfigLine(c: ReplicationConfigView): string {
  const mode = c.mode === 'continuous' ? `every ${formatInterval(c.intervalSeconds ?? 0)}` : 'manual';
  const last = c.lastFinishedAt ? `last ${c.lastFinishedAt}` : 'never run';
  return `${c.id}  ${c.name}  ${c.status}  ${mode}  ${c.scopeText}  → ${c.targetUrl} (${c.targetSchema})  ${last}`;
}

/** A configuration in full. */
export function formatConfig(c: ReplicationConfigView): string {
  const lines = [
    `${c.name} (${c.id})`,
    `  status:        ${c.status}${c.progress ? ` — ${formatProgress(c.progress)}` : ''}`,
    `  owner:         ${c.owner}`,
    `  scope:         ${c.scopeText}`,
    `  target:        ${c.targetUrl}, schema ${c.targetSchema}${c.migrate ? ' (adds missing columns)' : ''}`,
    `  mode:          ${c.mode === 'continuous' ? `continuous, every ${formatInterval(c.intervalSeconds ?? 0)}` : 'manual'}`,
    `  last started:  ${c.lastStartedAt ?? 'never'}`,
    `  last finished: ${c.lastFinishedAt ?? 'never'}`,
    `  last success:  ${c.lastSuccessAt ?? 'never'}`,
    `  rows copied:   ${counts(c.rowsCopied)}`,
  ];
  if (c.lastError) lines.push(`  last error:    ${c.lastError.code}: ${c.lastError.message}`);
  return lines.join('\n');
}

/** A run: status, kind, duration, rows written and deleted, or its error. */
export function formatRun(r: ReplicationRunView): string {
  const took = r.finishedAt ? duration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : 'running';
  const head = `${r.startedAt}  ${r.status}  ${r.kind ?? '-'} (${r.trigger})  ${took}`;
  if (r.status === 'FAILED') return `${head}\n    ${r.error ? `${r.error.code}: ${r.error.message}` : 'no error recorded'}`;
  if (r.status === 'IN_PROGRESS') return `${head}${r.progress ? `\n    ${formatProgress(r.progress)}` : ''}`;
  return `${head}\n    written: ${counts(r.rowsCopied)}\n    deleted: ${counts(r.rowsDeleted)}`;
}

/** The result of checking a target schema. */
export function formatTargetCheck(r: { targetSchema: string; differences: SchemaDifference[]; missingTables: string[] }): string {
  const lines = [`target schema "${r.targetSchema}":`];
  if (r.missingTables.length > 0) lines.push(`  missing tables (a run creates them): ${r.missingTables.join(', ')}`);
  for (const d of r.differences) lines.push(`  ${describeDifference(d)}`);
  if (r.differences.length === 0) lines.push('  matches the dataset');
  return lines.join('\n');
}
