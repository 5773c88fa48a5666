import { describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { formatHlc } from '../../src/core/hlc.js';
import { createDevice, createHub, id, rows } from '../helpers/sync-fixtures.js';

describe('clock trouble', () => {
  it('a device whose clock is hours ahead wins last-write-wins only until the others have seen its timestamp', async () => {
    const hub = await createHub(classroom);
    const fast = createDevice(hub, classroom, 'fast');
    const normal = createDevice(hub, classroom, 'normal');
    // The fast device's clock runs five hours ahead.
    fast.store.db.prepare('UPDATE _lockstep_clock SET wall = ?').run(Date.now() + 5 * 3600_000);
    const tag = id();
    fast.store.db.prepare('INSERT INTO tags (id, name) VALUES (?, ?)').run(tag, 'from the future');
    await fast.client.sync();
    await normal.client.sync();
    // normal has now seen the future timestamp: its next write is stamped after it and wins.
    normal.store.db.prepare('UPDATE tags SET name = ? WHERE id = ?').run('from now', tag);
    const pendingHlc = (normal.store.db.prepare('SELECT hlc FROM _lockstep_pending').get() as { hlc: string }).hlc;
    expect(pendingHlc > formatHlc({ wall: Date.now() + 4 * 3600_000, counter: 0, node: '' })).toBe(true);
    await normal.client.sync();
    await fast.client.sync();
    for (const d of [fast, normal]) expect(rows(d, 'tags')[0]?.name).toBe('from now');
  });
});
