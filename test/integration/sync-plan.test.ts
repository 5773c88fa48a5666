import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { addStudent, createDevice, createHub, hubRows } from '../helpers/sync-fixtures.js';

describe('saved plans', () => {
  it('applies a saved preview exactly, and refuses once either side changed', async () => {
    const hub = await createHub(classroom);
    const a = createDevice(hub, classroom, 'a');
    const b = createDevice(hub, classroom, 'b');
    addStudent(a, 'Ann');
    const plan = a.client.savePlan(await a.client.preview());
    addStudent(b, 'Bob');
    await b.client.sync(); // the hub changed since the plan
    await expect(a.client.sync({ plan })).rejects.toMatchObject({ code: 'E_PLAN_STALE' });
    expect(await hubRows(hub, 'students')).toHaveLength(1);
    const fresh = a.client.savePlan(await a.client.preview());
    await a.client.sync({ plan: fresh });
    expect(await hubRows(hub, 'students')).toHaveLength(2);
    addStudent(a, 'Cy');
    const p2 = a.client.savePlan(await a.client.preview('push'));
    addStudent(a, 'Di'); // the device changed since
    await expect(a.client.push({ plan: p2 })).rejects.toMatchObject({ code: 'E_PLAN_STALE' });
    await expect(a.client.sync({ plan: p2 })).rejects.toMatchObject({ code: 'E_PLAN_INVALID' });
    await expect(b.client.push({ plan: p2 })).rejects.toMatchObject({ code: 'E_PLAN_INVALID' });
  });
});
