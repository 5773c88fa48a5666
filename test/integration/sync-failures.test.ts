import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { createSyncClient } from '../../src/sync/sync-client.js';
import { faultyClient } from '../helpers/faulty-client.js';
import { addEvent, addStudent, createDevice, createHub, hubRows, rows, withClient } from '../helpers/sync-fixtures.js';

async function hubState(url: string): Promise<unknown> {
  return withClient(url, async (c) => ({
    students: (await c.query('SELECT * FROM classroom.students ORDER BY id')).rows,
    events: (await c.query('SELECT * FROM classroom.score_events ORDER BY id')).rows,
    versions: (await c.query('SELECT tbl, row_key, hlc, deleted FROM lockstep.row_versions ORDER BY tbl, row_key')).rows,
  }));
}

function localState(d: ReturnType<typeof createDevice>): unknown {
  return {
    students: rows(d, 'students'),
    events: rows(d, 'score_events'),
    meta: d.store.db.prepare("SELECT * FROM _lockstep_meta WHERE key IN ('cursor', 'hub_id')").all(),
  };
}

/** The device's unsynced changes: what must survive any failure exactly. */
function unsynced(d: ReturnType<typeof createDevice>): unknown {
  return {
    pending: d.store.db.prepare('SELECT * FROM _lockstep_pending ORDER BY tbl, row_key').all(),
    inflight: d.store.db.prepare('SELECT * FROM _lockstep_inflight').all(),
  };
}

describe('a run that fails leaves both sides as they were', () => {
  it('a connection cut at every step of a sync changes nothing on either side; a re-run converges', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s = addStudent(b, 'Shared');
    await b.client.sync();
    await a.client.sync();
    addStudent(b, 'From b');
    await b.client.sync();
    addEvent(a, s, 4);
    a.store.db.prepare('UPDATE students SET notes = ? WHERE id = ?').run('a note', s);
    let step = 1;
    let receivedBeforeHubCommit = 0;
    for (;; step++) {
      const beforeHub = await hubState(hub);
      const beforeLocal = localState(a);
      const beforeUnsynced = unsynced(a);
      const faulty = createSyncClient({ store: a.store, connect: () => faultyClient(hub, 'a', { failAt: step }) });
      const outcome = await faulty.sync().then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
      if (outcome === 'ok') break;
      expect(outcome).toBe('E_CONNECTION');
      expect(await hubState(hub)).toEqual(beforeHub);
      expect(unsynced(a)).toEqual(beforeUnsynced);
      // Only a failed hub COMMIT comes after the device's commit: what the device received stays received.
      if (JSON.stringify(localState(a)) !== JSON.stringify(beforeLocal)) receivedBeforeHubCommit++;
    }
    expect(receivedBeforeHubCommit).toBeLessThanOrEqual(1);
    expect(step).toBeGreaterThan(8); // the cut was tried at every query of the run
    await b.client.sync();
    expect(rows(a, 'students')).toEqual(rows(b, 'students'));
    expect(await hubRows(hub, 'score_events')).toHaveLength(1);
  });

  it('a crash after the hub commit and before the device commit duplicates nothing and converges', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const s = addStudent(a, 'Ann');
    addEvent(a, s, 2);
    const crashing = createSyncClient({ store: a.store, connect: () => faultyClient(hub, 'a', { crashAfterCommit: true }) });
    await expect(crashing.sync()).rejects.toMatchObject({ code: 'E_CONNECTION' });
    expect(await hubRows(hub, 'score_events')).toHaveLength(1); // the hub committed
    expect(a.store.pendingCount()).toBe(0); // the device committed first, with its changes in flight…
    expect(a.store.inflightRuns()).toEqual([]); // …and settled them once the hub said the run landed
    const r = await a.client.sync();
    expect(r.totals.up).toEqual({ add: 0, update: 0, delete: 0 });
    expect(a.store.pendingCount()).toBe(0);
    expect(await hubRows(hub, 'score_events')).toHaveLength(1);
  });

  it('a constraint violated on the hub fails with E_INTEGRITY and writes nothing', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    addStudent(a, 'Ann');
    // The hub refuses what SQLite allowed: a check constraint a DBA added.
    await withClient(hub, (c) => c.query(`ALTER TABLE classroom.students ADD CONSTRAINT no_ann CHECK (name <> 'Ann')`));
    await expect(a.client.sync()).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(await hubRows(hub, 'students')).toHaveLength(0);
    expect(a.store.pendingCount()).toBe(1);
    const pre = await a.client.precheck();
    expect(pre.checks.find((c) => c.name === 'constraints')).toMatchObject({ ok: false, code: 'E_INTEGRITY' });
    const log = await a.client.log();
    expect(log.local[0]).toMatchObject({ operation: 'sync', result: 'failed', error: { code: 'E_INTEGRITY' } });
    expect(log.hub?.[0]).toMatchObject({ operation: 'sync', result: 'failed', deviceName: 'a' });
  });
});
