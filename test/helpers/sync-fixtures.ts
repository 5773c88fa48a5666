import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Dataset } from '../../src/dataset/dataset.js';
import { initHub } from '../../src/hub/hub-init.js';
import { LocalStore } from '../../src/store/local-store.js';
import { createSyncClient, type SyncClient } from '../../src/sync/sync-client.js';
import { createTestDatabase } from './test-database.js';

export interface Device {
  name: string;
  store: LocalStore;
  client: SyncClient;
  path: string;
}

export function tempDir(prefix = 'lockstep-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
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

/** A fresh database with a hub for `dataset`. */
export async function createHub(dataset: Dataset): Promise<string> {
  const url = await createTestDatabase();
  await withClient(url, (c) => initHub(c, dataset));
  return url;
}

export function createDevice(hubUrl: string, dataset: Dataset, name: string, dir = tempDir()): Device {
  const path = join(dir, `${name}.db`);
  const store = LocalStore.init({ path, dataset, deviceName: name });
  return { name, store, client: clientFor(store, hubUrl, name), path };
}

/** A sync client for `store` that connects straight to the hub URL. */
export function clientFor(store: LocalStore, hubUrl: string, name = store.deviceName): SyncClient {
  return createSyncClient({
    store,
    lockTimeoutMs: 5_000,
    batchSize: 7, // small pages, so every test crosses page boundaries
    connect: async () => {
      const c = new pg.Client({ connectionString: hubUrl, application_name: `lockstep:${name}` });
      await c.connect();
      return c;
    },
  });
}

export const id = (): string => randomUUID();
export const now = (): string => new Date().toISOString();

export function addStudent(d: Device, name: string, sid = id()): string {
  d.store.db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(sid, name, now());
  return sid;
}

export function addEvent(d: Device, studentId: string, delta: number, eid = id()): string {
  d.store.db
    .prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, NULL, ?, ?, ?)')
    .run(eid, studentId, 'manual', delta, now());
  return eid;
}

export function rows(d: Device, table: string, order = 'id'): Record<string, unknown>[] {
  return d.store.db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).all() as Record<string, unknown>[];
}

export async function hubRows(url: string, table: string, order = 'id', schema = 'classroom'): Promise<Record<string, unknown>[]> {
  return withClient(url, async (c) => (await c.query(`SELECT * FROM "${schema}"."${table}" ORDER BY ${order}`)).rows);
}
