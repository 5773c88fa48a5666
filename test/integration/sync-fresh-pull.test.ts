import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import type { Dataset } from '../../src/dataset/dataset.js';
import { LocalStore } from '../../src/store/local-store.js';
import { readCursor } from '../../src/sync/sync-run.js';
import { addEvent, addStudent, clientFor, createDevice, createHub, hubRows, id, withClient, type Device } from '../helpers/sync-fixtures.js';

/**
 * A first pull (cursor at the start of the feed) reads every table the device holds nothing of in one
 * stream and writes it with multi-row inserts (src/sync/fresh-table-pull.ts). These tests hold that path
 * to what the per-row path does.
 */

const kinds: Dataset = {
  name: 'kinds',
  version: 1,
  tables: [
    {
      name: 'items',
      policy: 'lww',
      primaryKey: ['k'],
      columns: [
        { name: 'k', type: 'text' },
        { name: 'n', type: 'integer' },
        { name: 'r', type: 'real', nullable: true },
        { name: 'b', type: 'boolean' },
        { name: 'j', type: 'json', nullable: true },
        { name: 'ts', type: 'timestamp' },
        { name: 't', type: 'text', nullable: true },
      ],
    },
    {
      name: 'pairs',
      policy: 'merge',
      primaryKey: ['a', 'b'],
      columns: [
        { name: 'a', type: 'uuid' },
        { name: 'b', type: 'integer' },
        { name: 'note', type: 'text', nullable: true },
      ],
    },
  ],
};

/** Every row of `table` with the SQLite storage class of every value, so `1` and `'1'` differ. */
function exactRows(store: LocalStore, table: string): unknown[] {
  const cols = (store.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => `"${c.name}"`);
  const typed = cols.map((c) => `${c}, typeof(${c})`).join(', ');
  return store.db.prepare(`SELECT ${typed} FROM "${table}" ORDER BY ${cols.join(', ')}`).raw().all();
}

async function fillKinds(hub: string, from: number, to: number): Promise<void> {
  await withClient(hub, async (c) => {
    await c.query(
      `INSERT INTO kinds.items (k, n, r, b, j, ts, t)
       SELECT 'key ' || i, i * 1099511627776 - 7, CASE WHEN i % 3 = 0 THEN NULL ELSE i / 7.0 END, i % 2 = 0,
         CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN 'null'::jsonb ELSE jsonb_build_object('i', i, 'list', jsonb_build_array(1, 'two', NULL), 's', E'tab\\there') END,
         timestamptz '2024-02-29 23:59:59.123456+02' + i * interval '1 second 1 microsecond',
         CASE WHEN i % 5 = 0 THEN NULL ELSE E'line\\nnext\\\\back\\rslash\\ttab Ünïcødé ' || i END
       FROM generate_series($1::int, $2::int) i`,
      [from, to],
    );
    await c.query(`INSERT INTO kinds.items (k, n, b, ts) VALUES (E'odd\\tkey ' || $1, 0, true, '0999-01-01 00:00:00+00'), ('Zed ' || $1, -1, false, now())`, [from]);
    await c.query(`INSERT INTO kinds.pairs (a, b, note) SELECT gen_random_uuid(), i, CASE WHEN i % 2 = 0 THEN '' END FROM generate_series($1::int, $2::int) i`, [from, to]);
    // Tombstones: deleted rows stay in the feed.
    await c.query(`DELETE FROM kinds.items WHERE k LIKE 'key %7'`);
  });
}

async function killedDuring(dbPath: string, hub: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/sync-child.ts', dbPath, hub, 'pull'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

function pendingAndInflight(store: LocalStore): number {
  const { n } = store.db.prepare('SELECT (SELECT count(*) FROM _lockstep_pending) + (SELECT count(*) FROM _lockstep_inflight) AS n').get() as { n: number };
  return n;
}

describe('a first pull to a device that holds nothing of a table', () => {
  it('stores exactly what the per-row path stores: every type, escapes, NULLs, JSON null, composite keys, tombstones', async () => {
    const hub = await createHub(kinds);
    await fillKinds(hub, 1, 3);
    // `perRow` pulls once now (its cursor moves), so its second pull goes through the per-row path.
    const perRow = createDevice(hub, kinds, 'per-row');
    await perRow.client.pull();
    await fillKinds(hub, 4, 60);
    const incremental = await perRow.client.pull();
    expect(incremental.totals.down.add).toBeGreaterThan(0);

    const fresh = createDevice(hub, kinds, 'fresh');
    const report = await fresh.client.pull();
    for (const t of ['items', 'pairs']) expect(exactRows(fresh.store, t)).toEqual(exactRows(perRow.store, t));
    const hubItems = await hubRows(hub, 'items', 'k', 'kinds');
    const hubPairs = await hubRows(hub, 'pairs', 'a, b', 'kinds');
    expect(report.totals.down).toEqual({ add: hubItems.length + hubPairs.length, update: 0, delete: 0 });
    expect(readCursor(fresh.store)).toEqual(readCursor(perRow.store));
    // A second pull finds nothing new, and nothing went up.
    const again = await fresh.client.sync();
    expect(again.totals).toMatchObject({ up: { add: 0, update: 0, delete: 0 }, down: { add: 0, update: 0, delete: 0 } });
  });

  it('does not record pulled rows as local changes, and capture is on again afterwards', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const s = addStudent(a, 'Ann');
    // More rows than one multi-row insert holds, so rows are written while the stream is read, not only at its end.
    a.store.db.transaction(() => {
      for (let i = 0; i < 450; i++) addEvent(a, s, i);
    })();
    const tag = id();
    a.store.db.prepare('INSERT INTO tags (id, name) VALUES (?, ?)').run(tag, 'blue');
    a.store.db.prepare('INSERT INTO student_tags (student_id, tag_id) VALUES (?, ?)').run(s, tag);
    await a.client.sync();

    const b = createDevice(hub, classroom, 'b');
    // The pending phase would clear a recorded change again (the row equals the hub's): watch the writes.
    b.store.db.exec(`CREATE TEMP TABLE recorded (tbl TEXT, row_key TEXT);
      CREATE TEMP TRIGGER watch_pending AFTER INSERT ON main._lockstep_pending BEGIN INSERT INTO recorded VALUES (NEW.tbl, NEW.row_key); END`);
    const pulled = await b.client.pull();
    expect(pulled.totals.down.add).toBe(453);
    expect(b.store.db.prepare('SELECT count(*) AS n FROM recorded').get()).toEqual({ n: 0 });
    expect(pendingAndInflight(b.store)).toBe(0);
    expect((b.store.db.prepare('SELECT capture FROM _lockstep_control').get() as { capture: number }).capture).toBe(1);
    const preview = await b.client.preview('sync');
    expect(preview.totals.up).toEqual({ add: 0, update: 0, delete: 0 });
    addEvent(b, s, 1);
    expect(b.store.pendingCount()).toBe(1);
  });

  it('previews the same plan it applies', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const s = addStudent(a, 'Ann');
    for (let i = 0; i < 20; i++) addEvent(a, s, i);
    await a.client.sync();
    const b = createDevice(hub, classroom, 'b');
    const preview = await b.client.preview('pull');
    expect(preview.totals.down.add).toBe(21);
    expect(b.store.rowCounts().score_events).toBe(0);
    const applied = await b.client.pull({ plan: b.client.savePlan(preview) });
    expect(applied.fingerprint).toBe(preview.fingerprint);
    expect(b.store.rowCounts().score_events).toBe(20);
  });

  it('takes whole only the tables that are empty here, skips its own pushed deletes, and converges both ways', async () => {
    const hub = await createHub(classroom);
    const d = createDevice(hub, classroom, 'd');
    const e = createDevice(hub, classroom, 'e');
    const s = addStudent(d, 'Ann');
    const mine = [addEvent(d, s, 1), addEvent(d, s, 2)];
    await d.client.push();
    // Deleted here and pushed: tombstones whose origin is this device. A push does not move the cursor.
    d.store.db.prepare('DELETE FROM score_events').run();
    await d.client.push();
    expect(readCursor(d.store)).toBeUndefined();
    await e.client.sync(); // e gets Ann
    const t = addStudent(e, 'Bob');
    const theirs = [addEvent(e, t, 5), addEvent(e, s, 6)];
    await e.client.sync();
    addStudent(d, 'Cy'); // students: a row and a change here (per-row path); score_events: empty (whole)
    const report = await d.client.sync();
    expect(report.totals.up.add).toBe(1);
    expect(report.totals.down.add).toBe(3); // Bob and e's two events
    const local = (d.store.db.prepare('SELECT id FROM score_events ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    expect(local).toEqual([...theirs].sort());
    for (const gone of mine) expect(local).not.toContain(gone);
    await e.client.sync();
    for (const table of ['students', 'score_events']) {
      const onHub = (await hubRows(hub, table)).map((r) => r.id);
      for (const dev of [d, e] as Device[]) expect((dev.store.db.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as { id: string }[]).map((r) => r.id)).toEqual(onHub);
    }
    expect(pendingAndInflight(d.store)).toBe(0);
  });

  it('fails cleanly when the device refuses a row mid-stream: nothing kept, the hub connection still usable', async () => {
    const hub = await createHub(classroom);
    await withClient(hub, async (c) => {
      const s = id();
      await c.query(`INSERT INTO classroom.students (id, name, created_at) VALUES ($1, 'Ann', now())`, [s]);
      // 'infinity' is a PostgreSQL timestamp SQLite's CHECK refuses. Its key sorts first, so the device
      // refuses it in the first multi-row insert, while thousands of rows are still to come.
      await c.query(
        `INSERT INTO classroom.score_events (id, student_id, reason_text, delta, created_at)
         SELECT CASE WHEN i = 1 THEN '00000000-0000-4000-8000-000000000000'::uuid ELSE gen_random_uuid() END, $1, 'seed', 1,
           CASE WHEN i = 1 THEN 'infinity'::timestamptz ELSE now() END
         FROM generate_series(1, 3000) i`,
        [s],
      );
    });
    const dev = createDevice(hub, classroom, 'refuses');
    await expect(dev.client.pull()).rejects.toThrow();
    expect(dev.store.rowCounts()).toMatchObject({ students: 0, score_events: 0 });
    expect(readCursor(dev.store)).toBeUndefined();
    expect(pendingAndInflight(dev.store)).toBe(0);
    // The failure was logged on the hub over the same connection, so the stream was drained, not left hanging.
    const logged = await withClient(hub, async (c) => (await c.query(`SELECT result FROM lockstep.sync_log WHERE device_name = 'refuses'`)).rows);
    expect(logged).toEqual([{ result: 'failed' }]);
  });

  it('killed at any instant, leaves the device as it was or complete, and a re-run converges', async () => {
    const hub = await createHub(classroom);
    await withClient(hub, async (c) => {
      const s = id();
      await c.query(`INSERT INTO classroom.students (id, name, created_at) VALUES ($1, 'Ann', now())`, [s]);
      await c.query(
        `INSERT INTO classroom.score_events (id, student_id, reason_text, delta, created_at)
         SELECT gen_random_uuid(), $1, 'seed ' || i, i % 7, now() FROM generate_series(1, 30000) i`,
        [s],
      );
    });
    const expected = (await hubRows(hub, 'score_events')).map((r) => r.id as string);
    for (const delayMs of [0, 150, 400, 900]) {
      const dev = createDevice(hub, classroom, `kill-${delayMs}`);
      dev.store.close();
      await killedDuring(dev.path, hub, delayMs);
      const store = LocalStore.open(dev.path);
      const counts = store.rowCounts();
      // One transaction: either nothing arrived and the cursor did not move, or everything did.
      if (readCursor(store) === undefined) expect(counts.score_events).toBe(0);
      else expect(counts.score_events).toBe(expected.length);
      expect(pendingAndInflight(store)).toBe(0);
      await clientFor(store, hub).pull();
      const local = (store.db.prepare('SELECT id FROM score_events ORDER BY id').all() as { id: string }[]).map((r) => r.id);
      expect(local).toEqual(expected);
      expect(pendingAndInflight(store)).toBe(0);
      store.close();
    }
  }, 120_000);
});
