import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { addEvent, addStudent, createDevice, createHub, id, rows, withClient } from '../helpers/sync-fixtures.js';

/**
 * Pushes of rows the hub has never seen go by COPY, several pages queued on the connection at once
 * (src/sync/hub-page-writer.ts). These check what that path must keep: exact values, the versions,
 * the device's journal, a failure rolling both sides back, and the capture trigger seeing later deletes.
 */
describe('push of rows new to the hub (COPY)', () => {
  it('sends every value exactly, across many pages, with its version, and leaves nothing pending or in flight', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const s = addStudent(a, 'tab\there, newline\nthere, return\r, backslash \\ and \\N, ünïcödé 🎉');
    const long = `${'x'.repeat(70_000)}\t${'é'.repeat(30_000)}\n🎉`; // longer than one COPY message
    const texts = ['plain', 'a\tb', 'a\nb', 'a\\b', '\\N', '', 'ünï🎉', long];
    const events = Array.from({ length: 40 }, (_, i) => addEvent(a, s, i - 20));
    const textual = texts.map((t) => {
      const e = id();
      a.store.db
        .prepare('INSERT INTO score_events (id, student_id, reason_id, reason_text, delta, created_at) VALUES (?, ?, NULL, ?, 1, ?)')
        .run(e, s, t, '2025-03-29T14:00:00.123Z');
      return e;
    });
    const pending = a.store.db.prepare('SELECT tbl, row_key, hlc FROM _lockstep_pending').all() as { tbl: string; row_key: string; hlc: string }[];
    const report = await a.client.push();
    expect(report.totals.up.add).toBe(1 + events.length + textual.length);
    expect(a.store.db.prepare('SELECT count(*) AS n FROM _lockstep_pending').get()).toEqual({ n: 0 });
    expect(a.store.db.prepare('SELECT count(*) AS n FROM _lockstep_inflight').get()).toEqual({ n: 0 });

    await withClient(hub, async (c) => {
      const versions = (await c.query<{ tbl: string; row_key: string; hlc: string; origin: string; deleted: boolean }>(
        'SELECT tbl, row_key, hlc, origin, deleted FROM lockstep.row_versions',
      )).rows;
      const sort = (x: { tbl: string; row_key: string }[]) => [...x].sort((p, q) => `${p.tbl} ${p.row_key}`.localeCompare(`${q.tbl} ${q.row_key}`));
      expect(sort(versions.map((v) => ({ tbl: v.tbl, row_key: v.row_key, hlc: v.hlc })))).toEqual(sort(pending));
      expect(new Set(versions.map((v) => `${v.origin} ${v.deleted}`))).toEqual(new Set([`${a.store.deviceId} false`]));
    });

    // Another device receives exactly the same rows.
    const b = createDevice(hub, classroom, 'b');
    await b.client.pull();
    expect(rows(b, 'students')).toEqual(rows(a, 'students'));
    expect(rows(b, 'score_events')).toEqual(rows(a, 'score_events'));
    const got = b.store.db.prepare('SELECT reason_text FROM score_events WHERE id = ?').pluck();
    textual.forEach((e, i) => expect(got.get(e)).toBe(texts[i]));
  });

  it('a row the hub holds after all (no version) fails the COPY: nothing changes on either side, and a re-run converges', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const students = Array.from({ length: 20 }, (_, i) => addStudent(a, `s${i}`));
    for (const s of students) addEvent(a, s, 1);
    const clash = [...students].sort()[15] as string; // on a later page (pages of 7)
    // Written without its version (the capture trigger is told the engine versions it), so the hub
    // still looks as if it had never held a student.
    await withClient(hub, async (c) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('lockstep.engine_upsert', 'on', true)`);
      await c.query(`INSERT INTO classroom.students (id, name, created_at) VALUES ($1, 'on the hub', now())`, [clash]);
      await c.query('COMMIT');
    });
    const before = {
      pending: a.store.db.prepare('SELECT * FROM _lockstep_pending ORDER BY tbl, row_key').all(),
      students: rows(a, 'students'),
    };
    await expect(a.client.push()).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(a.store.db.prepare('SELECT * FROM _lockstep_pending ORDER BY tbl, row_key').all()).toEqual(before.pending);
    expect(a.store.db.prepare('SELECT count(*) AS n FROM _lockstep_inflight').get()).toEqual({ n: 0 });
    expect(rows(a, 'students')).toEqual(before.students);
    await withClient(hub, async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM lockstep.row_versions')).rows[0]).toEqual({ n: 0 });
      expect((await c.query('SELECT id FROM classroom.students')).rows).toEqual([{ id: clash }]);
      expect((await c.query('SELECT count(*)::int AS n FROM classroom.score_events')).rows[0]).toEqual({ n: 0 });
      await c.query('DELETE FROM classroom.students');
      await c.query('DELETE FROM lockstep.row_versions');
    });
    const report = await a.client.push();
    expect(report.totals.up.add).toBe(40);
    expect(a.store.db.prepare('SELECT count(*) AS n FROM _lockstep_pending').get()).toEqual({ n: 0 });
  });

  it('after a table goes by COPY, a later table of the same run still records the cascades of its deletes', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const s = addStudent(a, 'Ann');
    const reward = id();
    const redemption = id();
    a.store.db.prepare('INSERT INTO reward_settings (id, name, cost_points, enabled) VALUES (?, ?, 5, 1)').run(reward, 'sticker');
    a.store.db
      .prepare('INSERT INTO reward_redemptions (id, student_id, reward_id, cost_points, redeemed_at) VALUES (?, ?, ?, 5, ?)')
      .run(redemption, s, reward, '2025-03-29T14:00:00.000Z');
    await a.client.push();
    // One run: score_events is new on the hub (COPY), then reward_settings deletes a row whose
    // redemption the hub removes by cascade; that cascade must reach the feed.
    for (let i = 0; i < 20; i++) addEvent(a, s, i);
    a.store.db.prepare('DELETE FROM reward_settings WHERE id = ?').run(reward);
    await a.client.push();
    await withClient(hub, async (c) => {
      const v = await c.query('SELECT tbl, deleted, origin FROM lockstep.row_versions WHERE row_key = ANY($1) ORDER BY tbl', [[reward, redemption]]);
      expect(v.rows).toEqual([
        { tbl: 'reward_redemptions', deleted: true, origin: null },
        { tbl: 'reward_settings', deleted: true, origin: a.store.deviceId },
      ]);
      expect((await c.query('SELECT count(*)::int AS n FROM classroom.score_events')).rows[0]).toEqual({ n: 20 });
    });
    const b = createDevice(hub, classroom, 'b');
    await b.client.pull();
    expect(rows(b, 'reward_redemptions')).toEqual([]);
    expect(rows(b, 'score_events')).toEqual(rows(a, 'score_events'));
  });
});
