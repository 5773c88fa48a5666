import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { createSecretBox } from '../../src/secrets/secret-box.js';
import { LocalStore } from '../../src/store/local-store.js';
import { addFamily, createLearningHub, createTarget, expectedScopeRows, serviceFor, targetRows, withClient } from '../integration/replicate/fixtures.js';
import { clientFor, createDevice, createHub } from '../helpers/sync-fixtures.js';
import { counter, recordCounts } from './helpers/fault-report.js';
import { scale, seededRandom } from './helpers/fault-mode.js';
import { killChildAfter } from './helpers/kill-child.js';
import { countRows, deviceTables, hubTables, sqliteIntegrity, unsynced } from './helpers/store-state.js';
import { randomEdits } from './helpers/workload.js';

const KILLS = scale(50, 4);

describe('a child process SIGKILLed at a random instant of a run', () => {
  for (const op of ['push', 'pull', 'sync'] as const) {
    it(`${op}: after every kill the file is sound and nothing is lost or duplicated; a re-run converges`, async () => {
      const n = counter();
      const rnd = seededRandom();
      process.stdout.write(`[faults] process-kill ${op} seed ${rnd.seed}\n`);
      const hub = await createHub(classroom);
      const a = createDevice(hub, classroom, 'a');
      const b = createDevice(hub, classroom, 'b');
      randomEdits(b.store, 20, rnd.next, { deletes: false });
      await b.client.sync();
      await a.client.sync();
      a.store.close();
      const made: string[] = []; // events made on a: never lost
      for (let round = 0; round < KILLS; round++) {
        // Fresh changes on both sides while no run is going (pull: only the hub changes).
        const dev = LocalStore.open(a.path);
        if (op !== 'pull') made.push(...randomEdits(dev, 8, rnd.next, { deletes: false }));
        dev.close();
        randomEdits(b.store, 5, rnd.next, { deletes: false });
        await b.client.push();
        const r = await killChildAfter([op, a.path, hub], rnd.int(400));
        expect(r.stderr).not.toMatch(/E_INTERNAL|Error/);
        n.faults++;
        n.operations += r.finished + 1;
        // After the kill: a sound file, and every event made here is on the hub or still waiting to go.
        const after = LocalStore.open(a.path);
        expect(sqliteIntegrity(after)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
        const waiting = unsynced(after);
        const waitingKeys = new Set([...waiting.pending, ...waiting.inflight].map((p) => (p as { row_key: string }).row_key));
        const onHub = new Set(
          await withClient(hub, async (c) => (await c.query<{ id: string }>('SELECT id::text AS id FROM classroom.score_events')).rows.map((x) => x.id)),
        );
        for (const e of made) expect(onHub.has(e) || waitingKeys.has(e), `event ${e} after kill ${round}`).toBe(true);
        after.close();
      }
      // A re-run converges.
      const again = LocalStore.open(a.path);
      const client = clientFor(again, hub, 'a');
      for (let i = 0; i < 2; i++) {
        await client.sync();
        client.resolveAll('server');
        await b.client.sync();
        b.client.resolveAll('server');
      }
      await client.sync();
      await b.client.sync();
      const onHub = await withClient(hub, (c) => hubTables(c, classroom));
      expect(deviceTables(again)).toEqual(onHub);
      expect(deviceTables(b.store)).toEqual(onHub);
      expect(again.pendingCount()).toBe(0);
      expect(again.inflightRuns()).toEqual([]);
      const hubEvents = (onHub.score_events as { id: string }[]).map((e) => e.id);
      expect(new Set(hubEvents).size).toBe(hubEvents.length);
      for (const e of made) expect(hubEvents).toContain(e);
      n.rows += countRows(onHub) * 2;
      again.close();
      recordCounts('process-kill', `${op}: SIGKILL at a random instant`, n);
    }, 900_000);
  }

  it('a replication run: the target is never half-written; the next run marks the killed one FAILED and converges', async () => {
    const n = counter();
    const rnd = seededRandom();
    const hub = await createLearningHub();
    const target = await createTarget();
    const fam = await withClient(hub, (c) => addFamily(c, 'Kill', { learners: 2, lessons: 5 }));
    const key = randomBytes(32);
    const service = serviceFor(hub, { cipher: createSecretBox(key), batchSize: 3 });
    const cfg = await service.add({ name: 'kill', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    let previous = await targetRows(target);
    for (let round = 0; round < KILLS; round++) {
      await withClient(hub, async (c) => {
        await c.query(`INSERT INTO learning.lessons (id, learner_id, subject, title, status) VALUES (gen_random_uuid(), $1, 'x', $2, 'open')`, [
          fam.learners[round % 2],
          `kill ${round}`,
        ]);
        await c.query(`UPDATE learning.lessons SET title = $2 WHERE id = $1`, [fam.lessons[round % fam.lessons.length], `renamed ${round}`]);
        if (round % 5 === 4) await c.query(`DELETE FROM learning.lessons WHERE title = $1`, [`kill ${round - 2}`]);
      });
      const expected = await expectedScopeRows(hub, fam.parent);
      const r = await killChildAfter(['replicate', hub, cfg.id, key.toString('hex')], rnd.int(800));
      expect(r.stderr).not.toMatch(/E_INTERNAL|Error/);
      n.faults++;
      n.operations += r.finished + 1;
      const now = await targetRows(target);
      // Exactly what the last completed run left, or exactly the scope now.
      if (JSON.stringify(now) !== JSON.stringify(previous)) expect(now, `target after kill ${round}`).toEqual(expected);
      previous = now;
    }
    const last = await service.run(cfg.id);
    expect(last.status).toBe('COMPLETED');
    const final = await targetRows(target);
    expect(final).toEqual(await expectedScopeRows(hub, fam.parent));
    const history = await service.history(cfg.id, { limit: 500 });
    expect(history.filter((h) => h.status === 'IN_PROGRESS')).toEqual([]);
    n.rows += Object.values(final).reduce((k, x) => k + x.length, 0);
    recordCounts('process-kill', 'replication run: SIGKILL at a random instant', n);
  }, 900_000);
});
