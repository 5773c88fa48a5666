import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { LocalStore } from '../../src/store/local-store.js';
import { addEvent, addStudent, clientFor, createDevice, createHub, hubRows, rows } from '../helpers/sync-fixtures.js';

/** Starts the sync child, waits until it is running, kills it with SIGKILL after `delayMs`. */
async function killDuring(dbPath: string, hub: string, op: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/sync-child.ts', dbPath, hub, op], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

describe('a process killed at any instant of a sync', () => {
  it('loses nothing, duplicates nothing, and a re-run converges', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    const s = addStudent(b, 'Shared');
    await b.client.sync();
    await a.client.sync();
    a.store.close();
    const events: string[] = [];
    for (let round = 0; round < 12; round++) {
      // Fresh local changes each round, made while no sync runs.
      const dev = LocalStore.open(a.path);
      const writer = { ...a, store: dev };
      for (let i = 0; i < 15; i++) events.push(addEvent(writer, s, 1));
      dev.db.prepare('UPDATE students SET notes = ? WHERE id = ?').run(`round ${round}`, s);
      dev.close();
      addEvent(b, s, 100);
      await b.client.push();
      await killDuring(a.path, hub, round % 3 === 0 ? 'push' : 'sync', Math.floor(Math.random() * 120));
    }
    const again = LocalStore.open(a.path);
    const client = clientFor(again, hub);
    await client.sync();
    await b.client.sync();
    const hubEvents = (await hubRows(hub, 'score_events')).map((r) => r.id as string);
    expect(new Set(hubEvents).size).toBe(hubEvents.length);
    for (const e of events) expect(hubEvents).toContain(e);
    expect(hubEvents).toHaveLength(events.length + 12);
    expect(again.pendingCount()).toBe(0);
    const local = (again.db.prepare('SELECT id FROM score_events ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    expect(local).toEqual([...hubEvents].sort());
    expect(rows(b, 'students')[0]?.notes).toBe('round 11');
    again.close();
  }, 120_000);
});
