import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLockstepError } from '../../src/core/errors.js';
import { classroom } from '../../src/dataset/classroom.js';
import { createSyncClient } from '../../src/sync/sync-client.js';
import { readCursor } from '../../src/sync/sync-run.js';
import { addEvent, addStudent, createDevice, createHub, withClient } from '../helpers/sync-fixtures.js';
import { pgAdminUrl } from '../helpers/test-database.js';
import { BackendKiller, cutPlan, cuttingConnector } from './helpers/cut-connection.js';
import { counter, recordCounts } from './helpers/fault-report.js';
import { scale, seededRandom } from './helpers/fault-mode.js';
import { countRows, deviceTables, hubTables, sqliteIntegrity, unsynced } from './helpers/store-state.js';
import { randomEdits } from './helpers/workload.js';

let killer: BackendKiller;
beforeAll(async () => {
  killer = await BackendKiller.open(pgAdminUrl());
});
afterAll(() => killer.end());

/**
 * A device's first pull reads the tables it holds nothing of in one COPY stream each and writes them
 * with multi-row inserts (src/sync/fresh-table-pull.ts). A cut before any of its queries, or while a
 * stream runs, must leave the device as it was: nothing received, cursor not moved, nothing recorded as a
 * local change; and the next run must take the same path and converge.
 */
describe('a first pull cut before every query (whole tables streamed)', () => {
  it('every cut fails E_CONNECTION with the device untouched; the first uncut run converges', async () => {
    const n = counter();
    const rnd = seededRandom();
    process.stdout.write(`[faults] fresh-pull-cut seed ${rnd.seed}\n`);
    const hub = await createHub(classroom);
    const b = createDevice(hub, classroom, 'b');
    randomEdits(b.store, scale(60, 25), rnd.next, { deletes: false });
    const s = addStudent(b, 'Many');
    // Several multi-row inserts' worth, so a cut can land while rows are being written.
    b.store.db.transaction(() => {
      for (let i = 0; i < scale(3000, 800); i++) addEvent(b, s, i % 7);
    })();
    await b.client.sync();
    randomEdits(b.store, scale(20, 10), rnd.next); // deletes too: tombstones in the feed
    await b.client.sync();

    const a = createDevice(hub, classroom, 'a');
    let receivedBeforeHubCommit = 0;
    for (let at = 1; ; at++) {
      const plan = cutPlan(at);
      const client = createSyncClient({ store: a.store, batchSize: 7, lockTimeoutMs: 5_000, connect: cuttingConnector(hub, 'lockstep:a', killer, plan) });
      const outcome = await client.pull().then(
        () => 'ok',
        (e: unknown) => (isLockstepError(e) ? e.code : `thrown: ${String(e)}`),
      );
      n.operations++;
      if (!plan.injected) {
        expect(outcome).toBe('ok');
        break;
      }
      n.faults++;
      if (outcome === 'ok') continue; // the cut hit the connection after the run was done with it
      expect(outcome, `cut before query ${at}: ${plan.log.slice(at - 2, at).join(' | ')}`).toBe('E_CONNECTION');
      expect(unsynced(a.store)).toEqual({ pending: [], inflight: [], deferred: [] });
      // Only a cut of the hub COMMIT comes after the device's commit: what it received stays received.
      if (readCursor(a.store) !== undefined) receivedBeforeHubCommit++;
      else expect(countRows(deviceTables(a.store)), `rows kept after a cut before query ${at}`).toBe(0);
    }
    expect(receivedBeforeHubCommit).toBeLessThanOrEqual(1);
    expect(n.faults).toBeGreaterThan(5);
    const onHub = await withClient(hub, (c) => hubTables(c, classroom));
    expect(deviceTables(a.store)).toEqual(onHub);
    expect(unsynced(a.store)).toEqual({ pending: [], inflight: [], deferred: [] });
    expect(sqliteIntegrity(a.store)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
    n.rows += countRows(onHub);
    recordCounts('connection-cut', 'first pull (whole tables streamed): cut before each query', n);
  });
});
