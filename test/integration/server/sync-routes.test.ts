import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_LOCK } from '../../../src/hub/sql/sync-lock.js';
import { hubRows } from '../../helpers/sync-fixtures.js';
import { createTestServer, type TestServer } from './server-fixtures.js';

const student = (s: TestServer, device: string, name: string) => s.call('POST', `/api/devices/${device}/classroom/students`, { name });

describe('sync routes: preview, push, pull, sync, precheck, log', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await createTestServer();
  });
  afterAll(() => s.close());

  it('previews for sync by default, or for push or pull, writing nothing', async () => {
    await student(s, 'laptop', 'Ann');
    const p = await s.call('GET', '/api/devices/laptop/preview');
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ operation: 'preview', plannedFor: 'sync', applied: false, firstSync: true, direction: 'up' });
    expect(p.body.tables.students).toMatchObject({ up: { add: 1, update: 0, delete: 0 }, direction: 'up' });
    expect((await s.call('GET', '/api/devices/laptop/preview?for=pull')).body.plannedFor).toBe('pull');
    expect((await s.call('GET', '/api/devices/laptop/preview?for=everything')).body.code).toBe('E_VALIDATION');
    expect(await hubRows(s.hubUrl, 'students')).toEqual([]);
  });

  it('pushes the preview the user confirmed (by fingerprint), and refuses a stale one with 409 E_PLAN_STALE', async () => {
    const p = await s.call('GET', '/api/devices/laptop/preview?for=push');
    await student(s, 'laptop', 'Bo'); // the data changes after the preview
    const stale = await s.call('POST', '/api/devices/laptop/push', { fingerprint: p.body.fingerprint });
    expect(stale).toMatchObject({ status: 409, body: { code: 'E_PLAN_STALE' } });
    const unknown = await s.call('POST', '/api/devices/laptop/push', { fingerprint: 'never-previewed' });
    expect(unknown).toMatchObject({ status: 409, body: { code: 'E_PLAN_STALE' } });
    const fresh = await s.call('GET', '/api/devices/laptop/preview?for=push');
    const pushed = await s.call('POST', '/api/devices/laptop/push', { fingerprint: fresh.body.fingerprint });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ operation: 'push', applied: true, totals: { up: { add: 2 } } });
    expect((await hubRows(s.hubUrl, 'students', 'name')).map((r) => r.name)).toEqual(['Ann', 'Bo']);
  });

  it('asks for confirmation (428 E_CONFIRMATION_REQUIRED, with the preview) before a first sync merges two non-empty sides', async () => {
    await student(s, 'pc', 'Cy');
    const r = await s.call('POST', '/api/devices/pc/sync');
    expect(r).toMatchObject({ status: 428, body: { code: 'E_CONFIRMATION_REQUIRED' } });
    expect(r.body.details.preview).toMatchObject({ plannedFor: 'sync', firstSync: true, totals: { up: { add: 1 }, down: { add: 2 } } });
    // The preview in the refusal is the plan to confirm.
    const ok = await s.call('POST', '/api/devices/pc/sync', { fingerprint: r.body.details.preview.fingerprint });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ operation: 'sync', totals: { up: { add: 1 }, down: { add: 2 } } });
  });

  it('pull refuses to discard unsynced local changes (428 E_UNSYNCED_CHANGES naming them) unless discardLocal; it backs up first', async () => {
    const local = await student(s, 'laptop', 'Only here');
    const r = await s.call('POST', '/api/devices/laptop/pull');
    expect(r).toMatchObject({ status: 428, body: { code: 'E_UNSYNCED_CHANGES' } });
    expect(r.body.details.discarded).toEqual([{ table: 'students', id: local.body.id }]);
    const p = await s.call('GET', '/api/devices/laptop/preview?for=pull');
    expect(p.body.totals.discards).toBe(1);
    const ok = await s.call('POST', '/api/devices/laptop/pull', { fingerprint: p.body.fingerprint, discardLocal: true });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ operation: 'pull', totals: { discards: 1, down: { add: 1 } } });
    expect(ok.body.backup).toContain('laptop.db.backups');
    const names = (await s.call('GET', '/api/devices/laptop/classroom/students')).body.students.map((x: { name: string }) => x.name);
    expect(names).toEqual(['Ann', 'Bo', 'Cy']);
  });

  it('precheck reports every check; log shows the runs of this device and of the hub', async () => {
    const pre = await s.call('POST', '/api/devices/pc/precheck');
    expect(pre.status).toBe(200);
    expect(pre.body.ok).toBe(true);
    expect(pre.body.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['connection', 'hub schema', 'local integrity', 'lock', 'constraints']));
    const log = await s.call('GET', '/api/devices/laptop/log?limit=5');
    expect(log.status).toBe(200);
    expect(log.body.local.map((e: { operation: string }) => e.operation)).toEqual(expect.arrayContaining(['push', 'pull']));
    expect(log.body.hub.length).toBeGreaterThanOrEqual(3);
    expect(log.body.hub[0]).toMatchObject({ deviceName: expect.any(String), operation: expect.any(String) });
  });

  it('answers 423 E_LOCKED naming the holder while another device holds the sync lock', async () => {
    await student(s, 'pc', 'Dee');
    const holder = new pg.Client({ connectionString: s.hubUrl, application_name: 'lockstep:front-desk' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [...SYNC_LOCK]);
      const r = await s.call('POST', '/api/devices/pc/push');
      expect(r).toMatchObject({ status: 423, body: { code: 'E_LOCKED' } });
      expect(r.body.message).toContain('front-desk');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await s.call('POST', '/api/devices/pc/push')).status).toBe(200);
  });
});

describe('conflict routes', () => {
  let s: TestServer;
  let ann: string;
  beforeAll(async () => {
    s = await createTestServer();
    ann = (await student(s, 'pc', 'Ann')).body.id;
    await s.call('POST', '/api/devices/pc/push');
    await s.call('POST', '/api/devices/laptop/pull');
  });
  afterAll(() => s.close());

  async function conflictOnName(pcName: string, laptopName: string): Promise<void> {
    await s.call('POST', '/api/devices/pc/pull');
    await s.call('PATCH', `/api/devices/pc/classroom/students/${ann}`, { name: pcName });
    await s.call('POST', '/api/devices/pc/sync');
    await s.call('PATCH', `/api/devices/laptop/classroom/students/${ann}`, { name: laptopName });
  }

  it('a sync holds a conflict back; GET /conflicts lists it with both versions and the base', async () => {
    await conflictOnName('Ann Lee', 'Annie');
    const preview = await s.call('GET', '/api/devices/laptop/preview');
    expect(preview.body.totals.conflicts).toBe(1);
    expect(preview.body.tables.students.direction).toBe('both');
    expect((await s.call('GET', '/api/devices/laptop/conflicts')).body.conflicts).toEqual([]);
    const sync = await s.call('POST', '/api/devices/laptop/sync');
    expect(sync.body.totals.conflicts).toBe(1);
    const list = await s.call('GET', '/api/devices/laptop/conflicts');
    expect(list.body.conflicts).toEqual([
      expect.objectContaining({ table: 'students', id: ann, fields: ['name'], local: expect.objectContaining({ name: 'Annie' }), server: expect.objectContaining({ name: 'Ann Lee' }), base: expect.objectContaining({ name: 'Ann' }) }),
    ]);
    expect((await s.call('GET', '/api/devices/laptop')).body.conflicts).toBe(1);
  });

  it('refuses a resolution it cannot apply: 404 E_NOT_FOUND, 400 E_USAGE, 400 E_VALIDATION', async () => {
    expect(await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'students', id: crypto.randomUUID(), keep: 'local' })).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    expect(await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'nope', id: ann, keep: 'local' })).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    const noValue = await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'students', id: ann, keep: 'merge' });
    expect(noValue).toMatchObject({ status: 400, body: { code: 'E_USAGE', details: { fields: ['name'] } } });
    expect(await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'students', id: ann, keep: 'merge', set: { shoe_size: 3 } })).toMatchObject({ status: 400, body: { code: 'E_USAGE' } });
    expect(await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'students', id: ann, keep: 'both' })).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
  });

  it('merging field by field writes the chosen row locally; the next push sends it and the other device pulls it', async () => {
    const r = await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'students', id: ann, keep: 'merge', set: { name: 'Ann-Marie' } });
    expect(r).toMatchObject({ status: 200, body: { keep: 'merge', row: expect.objectContaining({ name: 'Ann-Marie' }) } });
    expect((await s.call('GET', '/api/devices/laptop/conflicts')).body.conflicts).toEqual([]);
    const push = await s.call('POST', '/api/devices/laptop/push');
    expect(push.body.totals).toMatchObject({ up: { update: 1 }, conflicts: 0 });
    const pull = await s.call('POST', '/api/devices/pc/pull');
    expect(pull.body.totals.down.update).toBe(1);
    expect((await s.call('GET', '/api/devices/pc/classroom/students')).body.students[0].name).toBe('Ann-Marie');
  });

  it('keep local, keep server, and resolve-all', async () => {
    await conflictOnName('PC name', 'Laptop name');
    await s.call('POST', '/api/devices/laptop/sync');
    const server = await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'students', id: ann, keep: 'server' });
    expect(server.body.row.name).toBe('PC name');
    await conflictOnName('PC again', 'Laptop again');
    await s.call('POST', '/api/devices/laptop/sync');
    const local = await s.call('POST', '/api/devices/laptop/conflicts/resolve', { table: 'students', id: ann, keep: 'local' });
    expect(local.body.row.name).toBe('Laptop again');
    await s.call('POST', '/api/devices/laptop/push');
    await conflictOnName('PC third', 'Laptop third');
    await s.call('POST', '/api/devices/laptop/sync');
    expect((await s.call('POST', '/api/devices/laptop/conflicts/resolve-all', { keep: 'server' })).body).toEqual({ resolved: 1 });
    expect((await s.call('POST', '/api/devices/laptop/conflicts/resolve-all', { keep: 'merge' })).body.code).toBe('E_VALIDATION');
  });
});
