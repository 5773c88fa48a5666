import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { LocalStore } from '../../src/store/local-store.js';
import { createSyncClient } from '../../src/sync/sync-client.js';
import { faultyClient } from '../helpers/faulty-client.js';
import { createDevice, createHub, hubRows, id, now, rows, tempDir, type Device } from '../helpers/sync-fixtures.js';

type Op =
  | { kind: 'addStudent'; dev: number; name: string }
  | { kind: 'rename'; dev: number; pick: number; name: string }
  | { kind: 'group'; dev: number; pick: number; group: string }
  | { kind: 'deleteStudent'; dev: number; pick: number }
  | { kind: 'addEvent'; dev: number; pick: number; delta: number }
  | { kind: 'sync' | 'push'; dev: number; fault: number; crashAfterCommit: boolean };

const DEVICES = 3;
const dev = fc.integer({ min: 0, max: DEVICES - 1 });
const pick = fc.nat(50);
const name = fc.constantFrom('Ann', 'Bob', 'Cy', 'Di');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('addStudent' as const), dev, name }),
  fc.record({ kind: fc.constant('rename' as const), dev, pick, name }),
  fc.record({ kind: fc.constant('group' as const), dev, pick, group: fc.constantFrom('A', 'B') }),
  fc.record({ kind: fc.constant('deleteStudent' as const), dev, pick }),
  fc.record({ kind: fc.constant('addEvent' as const), dev, pick, delta: fc.integer({ min: -3, max: 5 }) }),
  fc.record({
    kind: fc.constantFrom('sync' as const, 'push' as const),
    dev,
    fault: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 40 })),
    crashAfterCommit: fc.boolean(),
  }),
);

function studentIds(d: Device): string[] {
  return (d.store.db.prepare('SELECT id FROM students ORDER BY id').all() as { id: string }[]).map((r) => r.id);
}

describe('property: random edits on several devices, synced in random orders with random crashes', () => {
  it('always converge: every device equals the hub, no append-only event lost or duplicated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        const hub = await createHub(classroom);
        const dir = tempDir();
        const devices = Array.from({ length: DEVICES }, (_, i) => createDevice(hub, classroom, `d${i}`, dir));
        const created = new Map<string, string>(); // event id → student id
        const deletedStudents = new Set<string>();
        try {
          for (const op of ops) {
            const d = devices[op.dev] as Device;
            const students = studentIds(d);
            const target = students.length ? students[('pick' in op ? op.pick : 0) % students.length] : undefined;
            switch (op.kind) {
              case 'addStudent':
                d.store.db.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(id(), op.name, now());
                break;
              case 'rename':
                if (target) d.store.db.prepare('UPDATE students SET name = ? WHERE id = ?').run(op.name, target);
                break;
              case 'group':
                if (target) d.store.db.prepare('UPDATE students SET group_name = ? WHERE id = ?').run(op.group, target);
                break;
              case 'deleteStudent':
                if (target) {
                  d.store.db.prepare('DELETE FROM students WHERE id = ?').run(target);
                  deletedStudents.add(target);
                }
                break;
              case 'addEvent':
                if (target) {
                  const eid = id();
                  d.store.db
                    .prepare('INSERT INTO score_events (id, student_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?)')
                    .run(eid, target, 'r', op.delta, now());
                  created.set(eid, target);
                }
                break;
              default: {
                const faulty = createSyncClient({
                  store: d.store,
                  lockTimeoutMs: 5000,
                  connect: () => faultyClient(hub, d.name, { ...(op.fault ? { failAt: op.fault } : {}), crashAfterCommit: op.crashAfterCommit }),
                });
                await (op.kind === 'sync' ? faulty.sync() : faulty.push()).catch((e: { code?: string }) => {
                  if (e.code !== 'E_CONNECTION' && e.code !== 'E_INTERNAL') throw e;
                });
              }
            }
          }
          // Settle: resolve whatever conflicts remain, then sync every device until quiet.
          for (let round = 0; round < 3; round++) {
            for (const d of devices) {
              await d.client.sync();
              d.client.resolveAll('server');
            }
          }
          for (const d of devices) await d.client.sync();
          const hubStudents = await hubRows(hub, 'students');
          const hubEvents = await hubRows(hub, 'score_events');
          for (const d of devices) {
            expect(rows(d, 'students').map((r) => ({ ...r }))).toEqual(
              hubStudents.map((r) => ({ ...r, created_at: (r.created_at as Date).toISOString() })),
            );
            expect(rows(d, 'score_events').map((r) => r.id)).toEqual(hubEvents.map((r) => r.id));
            expect(d.store.pendingCount()).toBe(0);
          }
          const onHub = new Set(hubEvents.map((r) => r.id as string));
          expect(onHub.size).toBe(hubEvents.length); // no duplicates
          for (const e of onHub) expect(created.has(e)).toBe(true); // nothing invented
          for (const [eid, sid] of created) if (!deletedStudents.has(sid)) expect(onHub.has(eid)).toBe(true); // none lost
        } finally {
          for (const d of devices) d.store.close();
        }
      }),
      {
        numRuns: Number(process.env.LOCKSTEP_PROPERTY_RUNS ?? 25),
        // Counterexamples found before, kept so they are checked on every run.
        examples: [
          [
            [
              { kind: 'addStudent', dev: 2, name: 'Ann' },
              { kind: 'sync', dev: 2, fault: 23, crashAfterCommit: false },
              { kind: 'sync', dev: 0, fault: 0, crashAfterCommit: false },
              { kind: 'deleteStudent', dev: 2, pick: 0 },
              { kind: 'addEvent', dev: 0, pick: 0, delta: 0 },
            ],
          ],
          [
            [
              { kind: 'addStudent', dev: 2, name: 'Ann' },
              { kind: 'sync', dev: 2, fault: 0, crashAfterCommit: false },
              { kind: 'addEvent', dev: 2, pick: 0, delta: 0 },
              { kind: 'sync', dev: 1, fault: 0, crashAfterCommit: false },
              { kind: 'group', dev: 2, pick: 0, group: 'A' },
              { kind: 'deleteStudent', dev: 1, pick: 0 },
            ],
          ],
        ],
      },
    );
  }, 600_000);
});

void LocalStore;
