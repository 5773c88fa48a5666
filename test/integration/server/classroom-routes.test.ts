import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learning } from '../../../src/dataset/learning.js';
import { LocalStore } from '../../../src/store/local-store.js';
import { hubRows } from '../../helpers/sync-fixtures.js';
import { createTestServer, type TestServer } from './server-fixtures.js';

describe('classroom routes', () => {
  let s: TestServer;
  const base = '/api/devices/pc/classroom';
  beforeAll(async () => {
    s = await createTestServer();
  });
  afterAll(() => s.close());

  it('adds, lists, renames and deletes students; writes are plain SQL that change capture records', async () => {
    const ann = await s.call('POST', `${base}/students`, { name: '  Ann ', groupName: 'Red' });
    expect(ann).toMatchObject({ status: 201, body: { name: 'Ann', groupName: 'Red', notes: null, totalScore: 0 } });
    expect(ann.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const bo = await s.call('POST', `${base}/students`, { name: 'Bo' });
    const renamed = await s.call('PATCH', `${base}/students/${ann.body.id}`, { name: 'Ann Lee', notes: 'front row' });
    expect(renamed).toMatchObject({ status: 200, body: { id: ann.body.id, name: 'Ann Lee', notes: 'front row', groupName: 'Red' } });
    const list = await s.call('GET', `${base}/students`);
    expect(list.body.students.map((x: { name: string }) => x.name)).toEqual(['Ann Lee', 'Bo']);
    expect(await s.call('DELETE', `${base}/students/${bo.body.id}`)).toMatchObject({ status: 200, body: { deleted: bo.body.id } });
    expect((await s.call('GET', '/api/devices/pc')).body.pendingChanges).toBeGreaterThan(0);
    const pushed = await s.call('POST', '/api/devices/pc/push');
    expect(pushed.body.totals.up).toEqual({ add: 1, update: 0, delete: 0 }); // Bo came and went: nothing to send
    expect((await hubRows(s.hubUrl, 'students')).map((r) => r.name)).toEqual(['Ann Lee']);
  });

  it('records scores with a preset reason or a written one; totals come from the student_scores view', async () => {
    const ann = (await s.call('GET', `${base}/students`)).body.students[0].id as string;
    const reason = await s.call('POST', `${base}/reasons`, { content: 'Helped a classmate', category: 'kindness', delta: 2 });
    expect(reason).toMatchObject({ status: 201, body: { content: 'Helped a classmate', delta: 2 } });
    expect((await s.call('GET', `${base}/reasons`)).body.reasons).toEqual([reason.body]);
    const preset = await s.call('POST', `${base}/score-events`, { studentId: ann, reasonId: reason.body.id });
    expect(preset).toMatchObject({ status: 201, body: { studentId: ann, studentName: 'Ann Lee', reasonId: reason.body.id, reasonText: 'Helped a classmate', delta: 2 } });
    const written = await s.call('POST', `${base}/score-events`, { studentId: ann, reasonText: 'Talking in class', delta: -1 });
    expect(written.body).toMatchObject({ reasonId: null, reasonText: 'Talking in class', delta: -1 });
    const overridden = await s.call('POST', `${base}/score-events`, { studentId: ann, reasonId: reason.body.id, delta: 5 });
    expect(overridden.body.delta).toBe(5);
    const totals = await s.call('GET', `${base}/totals`);
    expect(totals.body).toEqual({ totals: [{ studentId: ann, name: 'Ann Lee', totalScore: 6, periodScore: 6, rewardPoints: 6 }], classTotal: 6 });
    expect((await s.call('GET', `${base}/students`)).body.students[0].totalScore).toBe(6);
    const events = await s.call('GET', `${base}/score-events?studentId=${ann}&limit=2`);
    expect(events.body.events).toHaveLength(2);
    // The events sync like any other change.
    await s.call('POST', '/api/devices/pc/push');
    await s.call('POST', '/api/devices/laptop/pull');
    expect((await s.call('GET', '/api/devices/laptop/classroom/totals')).body.classTotal).toBe(6);
  });

  it('deleting a student deletes their score events too (cascade), each a change for the next sync', async () => {
    const cy = (await s.call('POST', `${base}/students`, { name: 'Cy' })).body.id as string;
    await s.call('POST', `${base}/score-events`, { studentId: cy, reasonText: 'Homework', delta: 1 });
    await s.call('POST', '/api/devices/pc/push');
    await s.call('DELETE', `${base}/students/${cy}`);
    const p = await s.call('GET', '/api/devices/pc/preview?for=push');
    expect(p.body.tables.students.up.delete).toBe(1);
    expect(p.body.tables.score_events.up.delete).toBe(1);
  });

  it('refuses bad input: 400 E_VALIDATION, 400 E_USAGE (no reason), 404 E_NOT_FOUND', async () => {
    expect(await s.call('POST', `${base}/students`, { name: '   ' })).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
    expect(await s.call('POST', `${base}/students`, {})).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
    expect(await s.call('PATCH', `${base}/students/${crypto.randomUUID()}`, { name: 'X' })).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    expect(await s.call('DELETE', `${base}/students/${crypto.randomUUID()}`)).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    const ann = (await s.call('GET', `${base}/students`)).body.students[0].id as string;
    expect(await s.call('POST', `${base}/score-events`, { studentId: ann, delta: 1 })).toMatchObject({ status: 400, body: { code: 'E_USAGE' } });
    expect(await s.call('POST', `${base}/score-events`, { studentId: ann, reasonText: 'x' })).toMatchObject({ status: 400, body: { code: 'E_USAGE' } });
    expect(await s.call('POST', `${base}/score-events`, { studentId: 'not-a-uuid', reasonText: 'x', delta: 1 })).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
    expect(await s.call('POST', `${base}/score-events`, { studentId: crypto.randomUUID(), reasonText: 'x', delta: 1 })).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    expect(await s.call('POST', `${base}/score-events`, { studentId: ann, reasonId: crypto.randomUUID() })).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    expect(await s.call('POST', `${base}/score-events`, { studentId: ann, reasonText: 'x', delta: 100_000 })).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
  });

  it('answers 409 E_DATASET_MISMATCH for a device of another dataset', async () => {
    const t = await createTestServer({ devices: ['parent'], dataset: learning });
    try {
      expect(await t.call('GET', '/api/devices/parent/classroom/students')).toMatchObject({ status: 409, body: { code: 'E_DATASET_MISMATCH' } });
      expect((await t.call('GET', '/api/devices/parent')).body.dataset).toBe('learning');
    } finally {
      await t.close();
    }
  });

  it('a write waits for a sync in progress on the same device instead of landing inside its transaction', async () => {
    const [sync, add] = await Promise.all([s.call('POST', '/api/devices/pc/sync'), s.call('POST', `${base}/students`, { name: 'During sync' })]);
    expect(sync.status).toBe(200);
    expect(add.status).toBe(201);
    const store = LocalStore.open(s.paths.pc as string);
    try {
      expect(store.isPending('students', add.body.id)).toBe(true);
    } finally {
      store.close();
    }
  });
});
