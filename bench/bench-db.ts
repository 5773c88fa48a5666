import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { classroom } from '../src/dataset/classroom.js';
import { initHub } from '../src/hub/hub-init.js';
import { LocalStore } from '../src/store/local-store.js';
import { createSyncClient, type SyncClient } from '../src/sync/sync-client.js';

/** The server benchmarks run against: LOCKSTEP_BENCH_DATABASE_URL, else the local one. */
export const ADMIN_URL = process.env.LOCKSTEP_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function urlFor(db: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh database (dropped first if it exists). */
export async function freshDatabase(name: string): Promise<string> {
  await withClient(ADMIN_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  return urlFor(name);
}

export async function freshHub(name: string): Promise<string> {
  const url = await freshDatabase(name);
  await withClient(url, (c) => initHub(c, classroom));
  return url;
}

export function device(hubUrl: string, name: string, dir = mkdtempSync(join(tmpdir(), 'lockstep-bench-'))): { store: LocalStore; client: SyncClient } {
  const store = LocalStore.init({ path: join(dir, `${name}.db`), dataset: classroom, deviceName: name });
  const client = createSyncClient({
    store,
    lockTimeoutMs: 600_000,
    connect: async () => {
      const c = new pg.Client({ connectionString: hubUrl, application_name: `lockstep:${name}` });
      await c.connect();
      return c;
    },
  });
  return { store, client };
}

/** Inserts `n` score events for one student into a device (captured as local changes). */
export function fillDeviceEvents(store: LocalStore, n: number): string {
  const sid = randomUUID();
  store.db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(sid, 'bench', new Date().toISOString());
  const ins = store.db.prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, NULL, ?, ?, ?)');
  const at = new Date().toISOString();
  store.db.transaction(() => {
    for (let i = 0; i < n; i++) ins.run(randomUUID(), sid, 'bench', i % 7, at);
  })();
  return sid;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/**
 * A case prints exactly one JSON line with its figures; the runner takes medians. `maxRssMb` is this
 * process's peak unless the case gives its own (the concurrent case reports its device processes' peak).
 */
export function report(figures: Record<string, number | string | boolean>): void {
  process.stdout.write(`${JSON.stringify({ maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...figures })}\n`);
}
