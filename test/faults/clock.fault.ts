import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { createDevice, createHub, tempDir, withClient, type Device } from '../helpers/sync-fixtures.js';
import { counter, recordCounts } from './helpers/fault-report.js';
import { scale, seededRandom } from './helpers/fault-mode.js';
import { countRows, deviceTables, hubTables } from './helpers/store-state.js';
import { randomEdits } from './helpers/workload.js';

const HOUR = 3_600_000;

/** Sets a device's clock `offsetMs` from now: its trigger keeps wall = max(wall, now), so it stays ahead. */
function skew(d: Device, offsetMs: number): void {
  d.store.db.prepare('UPDATE _lockstep_clock SET wall = ?, counter = 0').run(Date.now() + offsetMs);
}

describe('clock trouble', () => {
  it('devices hours ahead and behind: the last write seen wins, the fast clock stops winning, all converge', async () => {
    const n = counter();
    const rnd = seededRandom();
    const hub = await createHub(classroom);
    const dir = tempDir();
    const fast = createDevice(hub, classroom, 'fast', dir); // six hours ahead
    const slow = createDevice(hub, classroom, 'slow', dir); // the others are hours behind it
    const other = createDevice(hub, classroom, 'other', dir);
    const all = [fast, slow, other];
    const tag = randomUUID();
    fast.store.db.prepare('INSERT INTO tags (id, name) VALUES (?, ?)').run(tag, 'start');
    for (const d of all) await d.client.sync();
    for (let round = 0; round < scale(30, 6); round++) {
      skew(fast, (3 + rnd.int(6)) * HOUR); // the fast device's clock jumps further ahead now and then
      fast.store.db.prepare('UPDATE tags SET name = ? WHERE id = ?').run(`fast ${round}`, tag);
      randomEdits(fast.store, 3, rnd.next);
      await fast.client.sync();
      const fastHlc = await withClient(hub, async (c) => (await c.query<{ hlc: string }>('SELECT hlc FROM lockstep.row_versions WHERE row_key = $1', [tag])).rows[0]?.hlc as string);
      // A device that has seen the future timestamp stamps its next write after it, and wins.
      const behind = rnd.next() < 0.5 ? slow : other;
      await behind.client.sync();
      behind.store.db.prepare('UPDATE tags SET name = ? WHERE id = ?').run(`${behind.name} ${round}`, tag);
      const pending = (behind.store.db.prepare('SELECT hlc FROM _lockstep_pending WHERE row_key = ?').get(tag) as { hlc: string }).hlc;
      // Timestamps sort as text: wall (15 digits), counter (5), node. Wall and counter alone must be later.
      expect(pending.slice(0, 21) > fastHlc.slice(0, 21), `${pending} after ${fastHlc}`).toBe(true);
      randomEdits(behind.store, 3, rnd.next);
      await behind.client.sync();
      for (const d of all) await d.client.sync();
      for (const d of all) expect((d.store.db.prepare('SELECT name FROM tags WHERE id = ?').get(tag) as { name: string }).name).toBe(`${behind.name} ${round}`);
      n.faults++;
      n.operations += 6;
    }
    // Settle merge conflicts on students, then everything equals the hub.
    for (let i = 0; i < 2; i++)
      for (const d of all) {
        await d.client.sync();
        d.client.resolveAll('server');
      }
    for (const d of [...all, ...all]) await d.client.sync();
    const onHub = await withClient(hub, (c) => hubTables(c, classroom));
    for (const d of all) {
      expect(deviceTables(d.store)).toEqual(onHub);
      expect(d.store.pendingCount()).toBe(0);
      n.rows += countRows(onHub);
    }
    recordCounts('clock', 'devices hours ahead and behind', n);
  });
});
