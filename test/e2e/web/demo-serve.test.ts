import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/sync-fixtures.js';
import { pgAdminUrl } from '../../helpers/test-database.js';

const database = `lockstep_demo_t_${randomBytes(4).toString('hex')}`;

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, init);
  return (await r.json()) as T;
}

describe('npm start (lockstep demo --serve)', () => {
  afterAll(async () => {
    const c = new pg.Client({ connectionString: pgAdminUrl() });
    await c.connect();
    try {
      for (const db of [database, `${database}_copy`]) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });

  it('sets up the demo hub and the two classroom devices, serves the UI, prints the URL, and stops cleanly on Ctrl-C', async () => {
    const dir = tempDir('lockstep-demo-');
    const env = { ...process.env, LOCKSTEP_DATABASE_URL: pgAdminUrl(), LOCKSTEP_KEY_FILE: join(dir, 'key') };
    const child = spawn(process.execPath, ['bin/lockstep.js', 'demo', '--serve', '--dir', dir, '--port', '0', '--database', database], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/press Ctrl-C/.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] ?? '';
      expect(url).not.toBe('');
      expect(await (await fetch(url)).text()).toContain('<div id="root">');
      const { devices } = await json<{ devices: { name: string; connected: boolean }[] }>(`${url}api/devices`);
      expect(devices.map((d) => [d.name, d.connected])).toEqual([
        ['classroom-pc', true],
        ['teacher-laptop', true],
      ]);
      const preview = await json<{ totals: { conflicts: number; up: { add: number } } }>(`${url}api/devices/teacher-laptop/preview`);
      expect(preview.totals).toMatchObject({ conflicts: 1, up: { add: 1 } });
      const { students } = await json<{ students: { name: string }[] }>(`${url}api/devices/classroom-pc/classroom/students`);
      expect(students.map((s) => s.name)).toEqual(['Ann Lee', 'Bo', 'Cy', 'Dee']);
      const { replications } = await json<{ replications: { id: string; name: string; status: string }[] }>(`${url}api/devices/classroom-pc/replications`);
      expect(replications).toEqual([expect.objectContaining({ name: 'Backup copy', status: 'IDLE' })]);
      const id = replications[0]?.id ?? '';
      expect((await fetch(`${url}api/devices/classroom-pc/replications/${id}/run`, { method: 'POST' })).status).toBe(202);
      await expect.poll(async () => (await json<{ status: string }>(`${url}api/devices/classroom-pc/replications/${id}`)).status, { timeout: 20_000 }).toBe('COMPLETED');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exit).toBe(0);
    expect(out).toContain('stopping');
  });
});
