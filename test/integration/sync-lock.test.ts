import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { classroom } from '../../src/dataset/classroom.js';
import { SYNC_LOCK } from '../../src/hub/sql/sync-lock.js';
import { createSyncClient } from '../../src/sync/sync-client.js';
import { addStudent, createDevice, createHub } from '../helpers/sync-fixtures.js';

describe('the sync lock', () => {
  it('a second device waits up to the lock timeout, then fails E_LOCKED naming the holder', async () => {
    const hub = await createHub(classroom);
    const b = createDevice(hub, classroom, 'b');
    addStudent(b, 'Bob');
    const holder = new pg.Client({ connectionString: hub, application_name: 'lockstep:classroom-pc-1' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [...SYNC_LOCK]);
      const impatient = createSyncClient({ store: b.store, lockTimeoutMs: 300, connect: async () => {
        const c = new pg.Client({ connectionString: hub, application_name: 'lockstep:b' });
        await c.connect();
        return c;
      } });
      const started = Date.now();
      await expect(impatient.sync()).rejects.toMatchObject({ code: 'E_LOCKED', message: expect.stringContaining('classroom-pc-1') });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(b.store.pendingCount()).toBe(1); // nothing happened locally
      const pre = await b.client.precheck();
      expect(pre.checks.find((c) => c.name === 'lock')).toMatchObject({ ok: false, code: 'E_LOCKED' });
    } finally {
      await holder.end();
    }
    // A holder whose connection died holds nothing: the next sync goes through.
    const r = await b.client.sync();
    expect(r.totals.up.add).toBe(1);
  });
});
