import type { LocalStore } from '../store/local-store.js';

export interface LocalLogEntry {
  id: number;
  operation: string;
  startedAt: string;
  finishedAt: string | null;
  result: string;
  counts: unknown;
  error: { code: string; message: string } | null;
}

export function writeLocalLog(
  store: LocalStore,
  e: { operation: string; startedAt: Date; result: string; counts?: unknown; error?: { code: string; message: string } },
): void {
  store.db
    .prepare('INSERT INTO _lockstep_log (operation, started_at, finished_at, result, counts, error) VALUES (?, ?, ?, ?, ?, ?)')
    .run(e.operation, e.startedAt.toISOString(), new Date().toISOString(), e.result, JSON.stringify(e.counts ?? null), JSON.stringify(e.error ?? null));
}

export function readLocalLog(store: LocalStore, limit: number): LocalLogEntry[] {
  const rows = store.db.prepare('SELECT * FROM _lockstep_log ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: Number(r.id),
    operation: String(r.operation),
    startedAt: String(r.started_at),
    finishedAt: (r.finished_at as string | null) ?? null,
    result: String(r.result),
    counts: JSON.parse(String(r.counts ?? 'null')) as unknown,
    error: JSON.parse(String(r.error ?? 'null')) as LocalLogEntry['error'],
  }));
}
