import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { isLockstepError } from '../../src/core/errors.js';
import { classroom } from '../../src/dataset/classroom.js';
import { parseConnectionUrl } from '../../src/connection/parse-connection-url.js';
import { createSecretBox } from '../../src/secrets/secret-box.js';
import { LocalStore } from '../../src/store/local-store.js';
import { loadConnection, saveConnection } from '../../src/sync/saved-connection.js';
import { clientFor, createDevice, createHub, tempDir, type Device } from '../helpers/sync-fixtures.js';
import { counter, recordCounts } from './helpers/fault-report.js';
import { seededRandom } from './helpers/fault-mode.js';
import { countRows, deviceTables, hubDump, unsynced } from './helpers/store-state.js';
import { randomEdits } from './helpers/workload.js';

const fileHash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A device with local changes and a hub with rows it has not seen; its file checkpointed and closed. */
async function scene(dir = tempDir(), hubRowsToPull = 30, pad = 0): Promise<{ hub: string; path: string; b: Device }> {
  const rnd = seededRandom();
  const hub = await createHub(classroom);
  const a = createDevice(hub, classroom, 'a', dir);
  const b = createDevice(hub, classroom, 'b');
  randomEdits(b.store, 10, rnd.next, { deletes: false });
  await b.client.sync();
  await a.client.sync();
  for (let i = 0; i < hubRowsToPull; i++)
    b.store.db.prepare('INSERT INTO students (id, name, notes, created_at) VALUES (?, ?, ?, ?)').run(randomUUID(), `hub ${i}`, 'n'.repeat(pad), new Date().toISOString());
  await b.client.sync();
  randomEdits(a.store, 10, rnd.next, { deletes: false });
  saveConnection(a.store, parseConnectionUrl(hub), createSecretBox(randomBytes(32))); // trust auth: no password
  a.store.db.pragma('wal_checkpoint(TRUNCATE)');
  a.store.close();
  return { hub, path: a.path, b };
}

/** A store's data, pending changes and metadata other than its sync log. */
function storeState(path: string): unknown {
  const s = LocalStore.open(path);
  try {
    return { tables: deviceTables(s), unsynced: unsynced(s), meta: s.db.prepare('SELECT * FROM _lockstep_meta ORDER BY key').all() };
  } finally {
    s.close();
  }
}

/** Runs one statement on the file and closes it, so nothing is left in a WAL to be checkpointed later. */
function runSql(path: string, sql: string): void {
  const db = new Database(path);
  try {
    db.prepare(sql).run();
  } finally {
    db.close();
  }
}

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (isLockstepError(e) ? e.code : `raw: ${String(e)}`),
  );
}

/** Runs `sync` on the device at `path` (opened fresh), expecting `expected`; checks nothing changed on either side. */
async function failsCleanly(hub: string, path: string, expected: string, prepare?: (s: LocalStore) => void): Promise<number> {
  const hubBefore = await hubDump(hub, classroom);
  const store = LocalStore.open(path);
  prepare?.(store);
  const tablesBefore = JSON.stringify(deviceTables(store));
  const unsyncedBefore = unsynced(store);
  expect(await code(clientFor(store, hub, 'a').sync())).toBe(expected);
  expect(await hubDump(hub, classroom)).toBe(hubBefore);
  expect(JSON.stringify(deviceTables(store))).toBe(tablesBefore);
  expect(unsynced(store)).toEqual(unsyncedBefore);
  const rows = countRows(deviceTables(store));
  store.close();
  return rows;
}

async function recovers(hub: string, path: string): Promise<void> {
  const store = LocalStore.open(path);
  const client = clientFor(store, hub, 'a');
  await client.sync();
  client.resolveAll('server');
  await client.sync();
  expect(store.pendingCount()).toBe(0);
  store.close();
}

function captureIo(env: Record<string, string>): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', env, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t), readStdin: async () => '' };
  return io;
}

describe('local faults: clear codes, nothing half-written, and the next run succeeds', () => {
  it('a read-only store file: E_STORE_READONLY, both sides unchanged', async () => {
    const n = counter();
    const { hub, path } = await scene();
    const before = fileHash(path);
    const asRoot = userInfo().uid === 0;
    // Root ignores permission bits: make the file immutable instead.
    if (asRoot) execFileSync('chattr', ['+i', path]);
    else execFileSync('chmod', ['0444', path]);
    try {
      n.rows += await failsCleanly(hub, path, 'E_STORE_READONLY');
      n.faults++;
      n.operations++;
      expect(fileHash(path)).toBe(before);
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', path]);
      else execFileSync('chmod', ['0644', path]);
    }
    await recovers(hub, path);
    n.operations++;
    recordCounts('local-faults', 'read-only store file', n);
  });

  it('a store another program holds a write lock on: E_STORE_BUSY, both sides unchanged', async () => {
    const n = counter();
    const { hub, path } = await scene();
    const other = new Database(path);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      n.rows += await failsCleanly(hub, path, 'E_STORE_BUSY', (s) => s.db.pragma('busy_timeout = 300'));
      n.faults++;
      n.operations++;
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    await recovers(hub, path);
    n.operations++;
    recordCounts('local-faults', 'store locked by another writer', n);
  });

  it('disk full (SQLite max_page_count): E_DISK_FULL, both sides unchanged', async () => {
    const n = counter();
    const { hub, path } = await scene(tempDir(), 300, 400);
    n.rows += await failsCleanly(hub, path, 'E_DISK_FULL', (s) => {
      const pages = s.db.pragma('page_count', { simple: true }) as number;
      s.db.pragma(`max_page_count = ${pages + 2}`);
    });
    n.faults++;
    n.operations++;
    await recovers(hub, path);
    n.operations++;
    recordCounts('local-faults', 'disk full: max_page_count', n);
  });

  it('disk full (a tiny tmpfs, when this machine lets the test mount one): E_DISK_FULL, both sides unchanged', async (ctx) => {
    const n = counter();
    const mnt = join(tempDir(), 'tiny');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1536k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      ctx.skip(); // no mount permission here: the max_page_count test above covers SQLITE_FULL
      return;
    }
    try {
      const { hub, path } = await scene(mnt, 300, 2000);
      // Fill the filesystem, leaving a few pages.
      const fill = join(mnt, 'filler');
      const fd = openSync(fill, 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(16_384));
      } catch {
        // ENOSPC: full
      } finally {
        closeSync(fd);
      }
      const keep = readFileSync(fill).subarray(0, Math.max(0, readFileSync(fill).length - 64 * 1024));
      writeFileSync(fill, keep);
      n.rows += await failsCleanly(hub, path, 'E_DISK_FULL');
      n.faults++;
      n.operations++;
      rmSync(fill);
      await recovers(hub, path);
      n.operations++;
    } finally {
      execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
    }
    recordCounts('local-faults', 'disk full: tiny tmpfs', n);
  });

  it('damaged metadata or file: E_STORE_CORRUPT (exit code 10) from the library and the CLI, nothing written', async () => {
    const n = await damagedStores([
      ['dataset definition not JSON', (p) => runSql(p, `UPDATE _lockstep_meta SET value = '{"name": "classroom", "tab' WHERE key = 'dataset'`)],
      ['dataset definition invalid', (p) => runSql(p, `UPDATE _lockstep_meta SET value = '{"name": 7}' WHERE key = 'dataset'`)],
      ['device id missing', (p) => runSql(p, `DELETE FROM _lockstep_meta WHERE key = 'device_id'`)],
      ['file header overwritten', (p) => writeAt(p, 0, randomBytes(100))],
      ['a page in the middle overwritten', (p) => writeAt(p, 4096 * 3, randomBytes(4096))],
    ]);
    recordCounts('local-faults', 'damaged metadata and file', n);
  });

  it('a damaged hub cursor: E_STORE_CORRUPT (exit code 10), nothing written', async () => {
    const n = await damagedStores([
      ['hub cursor not JSON', (p) => runSql(p, `UPDATE _lockstep_meta SET value = '{"txid": ' WHERE key = 'cursor'`)],
      ['hub cursor of the wrong shape', (p) => runSql(p, `UPDATE _lockstep_meta SET value = '{"txid": 5}' WHERE key = 'cursor'`)],
    ]);
    recordCounts('local-faults', 'damaged cursor', n);
  });

  it('a damaged saved connection: E_STORE_CORRUPT from the library and the CLI (exit code 10), never a raw parse error', async () => {
    const n = counter();
    const { path } = await scene();
    runSql(path, `UPDATE _lockstep_meta SET value = 'garbage' WHERE key = 'connection'`);
    const before = fileHash(path);
    const store = LocalStore.open(path);
    try {
      expect(await code((async () => loadConnection(store, createSecretBox(randomBytes(32))))())).toBe('E_STORE_CORRUPT');
    } finally {
      store.close();
    }
    const io = captureIo({ LOCKSTEP_KEY_FILE: join(tempDir(), 'key'), HOME: tempDir() });
    expect(await runCli(['sync', '--db', path, '--json'], io)).toBe(10);
    expect(JSON.parse(io.out).error.code).toBe('E_STORE_CORRUPT');
    expect(fileHash(path)).toBe(before);
    n.faults++;
    n.operations += 2;
    recordCounts('local-faults', 'damaged saved connection', n);
  });
});

/** Damages a fresh device's file each way; every damage must give E_STORE_CORRUPT and change nothing. */
async function damagedStores(damages: [string, (path: string) => void][]): Promise<Required<import('./helpers/fault-report.js').FaultCounts>> {
    const n = counter();
    const env = { LOCKSTEP_KEY_FILE: join(tempDir(), 'key'), HOME: tempDir() };
    for (const [what, damage] of damages) {
      const { hub, path } = await scene();
      damage(path);
      const hubBefore = await hubDump(hub, classroom);
      const before = fileHash(path);
      const readable = what.includes('cursor'); // the store opens; only the run's own reading fails
      const stateBefore = readable ? storeState(path) : undefined;
      const lib = await code((async () => {
        const s = LocalStore.open(path);
        try {
          await clientFor(s, hub, 'a').sync();
        } finally {
          s.close();
        }
      })());
      expect(lib, what).toBe('E_STORE_CORRUPT');
      const io = captureIo(env);
      const exit = await runCli(['sync', '--db', path, '--json'], io);
      expect(exit, `${what}: ${io.out}${io.err}`).toBe(10);
      expect(JSON.parse(io.out).error.code).toBe('E_STORE_CORRUPT');
      expect(await hubDump(hub, classroom), what).toBe(hubBefore);
      // A run that got as far as its transaction records its failure in the local sync log, as every failed
      // run does: then everything else must be as it was (a file damaged in the middle is unreadable).
      if (readable) expect(storeState(path), what).toEqual(stateBefore);
      else if (!what.includes('middle')) expect(fileHash(path), what).toBe(before);
      n.faults++;
      n.operations += 2;
    }
    return n;
}

function writeAt(path: string, offset: number, bytes: Buffer): void {
  if (!existsSync(path)) throw new Error(`no ${path}`);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}
