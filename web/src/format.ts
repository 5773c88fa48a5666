import type { Direction, Row, SideCounts } from '../../src/server/api-types.js';

type JsonLike = Row[string];

/** `score_events` → `Score events`. */
export function humanize(table: string): string {
  const t = table.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export const ARROWS: Record<Direction, { symbol: string; label: string }> = {
  up: { symbol: '↑', label: 'up: local changes go to the hub' },
  down: { symbol: '↓', label: 'down: hub changes come to this device' },
  both: { symbol: '⇅', label: 'both ways: changes on both sides' },
  none: { symbol: '·', label: 'nothing to do' },
};

export function total(s: SideCounts): number {
  return s.add + s.update + s.delete;
}

/** `2 new, 1 changed, 1 deleted` (only the non-zero parts). */
export function describeCounts(s: SideCounts): string {
  const parts: string[] = [];
  if (s.add) parts.push(`${s.add} new`);
  if (s.update) parts.push(`${s.update} changed`);
  if (s.delete) parts.push(`${s.delete} deleted`);
  return parts.join(', ');
}

/** A value as a cell shows it. */
export function showValue(v: JsonLike | undefined): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** A local date and time, short. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
