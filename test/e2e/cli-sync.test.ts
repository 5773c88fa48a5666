import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { tempDir } from '../helpers/sync-fixtures.js';

describe('the lockstep CLI, end to end', () => {
  it('init → connect → hub init → preview → push → pull → conflict → resolve → sync → log', async () => {
    const hubUrl = await createTestDatabase();
    const dir = tempDir();
    const env = { LOCKSTEP_KEY_FILE: join(dir, 'key') };
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    const cli = (...args: string[]) => runCli(args, { env });
    const url = new URL(hubUrl);
    const password = url.password;
    url.password = '';

    expect((await cli('init', '--db', a, '--dataset', 'classroom', '--device', 'pc')).code).toBe(0);
    expect((await cli('init', '--db', b, '--dataset', 'classroom', '--device', 'laptop')).code).toBe(0);
    for (const db of [a, b]) {
      const r = await runCli(['connect', '--db', db, '--url', url.toString(), '--password-stdin', '--json'], { env, stdin: password });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain(password || '\u0000');
    }
    expect(statSync(join(dir, 'key')).mode & 0o777).toBe(0o600);
    if (password) expect(readFileSync(a).includes(Buffer.from(password))).toBe(false);

    const init = await cli('hub', 'init', '--db', a, '--json');
    expect(init.code, init.stderr).toBe(0);
    expect(init.json()).toMatchObject({ created: true, dataset: 'classroom' });
    expect((await cli('hub', 'init', '--db', a, '--json')).json()).toMatchObject({ created: false });

    const pre = await cli('precheck', '--db', a, '--json');
    expect(pre.code, pre.stdout).toBe(0);

    // Data written by another program (the sqlite3 shell would do the same).
    const { default: Database } = await import('better-sqlite3');
    const sa = new Database(a);
    const ann = crypto.randomUUID();
    sa.prepare('INSERT INTO students (id, name, created_at) VALUES (?, ?, ?)').run(ann, 'Ann', new Date().toISOString());
    sa.prepare('INSERT INTO score_events (id, student_id, reason_text, delta, created_at) VALUES (?, ?, ?, ?, ?)').run(crypto.randomUUID(), ann, 'r', 3, new Date().toISOString());
    sa.close();

    const preview = await cli('preview', '--db', a, '--json');
    expect(preview.code).toBe(0);
    expect(preview.json()).toMatchObject({
      tables: { students: { up: { add: 1, update: 0, delete: 0 }, down: { add: 0, update: 0, delete: 0 }, conflicts: 0 } },
      conflicts: [],
    });
    const human = await cli('preview', '--db', a);
    expect(human.stdout).toMatch(/↑ students/);

    expect((await cli('push', '--db', a)).code).toBe(0);
    const pulled = await cli('pull', '--db', b, '--json');
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json()).toMatchObject({ tables: { score_events: { down: { add: 1 } } } });

    // The same field changed on both devices: a conflict, exit code 3, nothing overwritten.
    for (const [db, name] of [[a, 'Anna'], [b, 'Annie']] as const) {
      const s = new Database(db);
      s.prepare('UPDATE students SET name = ? WHERE id = ?').run(name, ann);
      s.close();
    }
    expect((await cli('sync', '--db', a)).code).toBe(0);
    const conflicted = await cli('sync', '--db', b, '--json');
    expect(conflicted.code).toBe(3);
    expect(conflicted.json()).toMatchObject({ conflicts: [{ table: 'students', id: ann, fields: ['name'] }] });
    const missing = await cli('resolve', '--db', b, 'students', ann, '--keep', 'merge', '--json');
    expect(missing.code).toBe(2);
    expect(missing.json()).toMatchObject({ error: { code: 'E_USAGE' } });
    expect((await cli('resolve', '--db', b, 'students', ann, '--keep', 'merge', '--set', 'name=Ann Marie')).code).toBe(0);
    expect((await cli('sync', '--db', b)).code).toBe(0);
    expect((await cli('sync', '--db', a)).code).toBe(0);
    const sa2 = new Database(a);
    expect(sa2.prepare('SELECT name FROM students').get()).toEqual({ name: 'Ann Marie' });
    sa2.close();

    const log = await cli('log', '--db', b, '--json');
    expect(log.code).toBe(0);
    const entries = log.json() as { local: { operation: string; result: string }[]; hub: { deviceName: string }[] };
    expect(entries.local.map((e) => `${e.operation}:${e.result}`)).toEqual(['sync:ok', 'sync:conflicts', 'pull:ok']);
    expect(entries.hub.map((e) => e.deviceName)).toContain('pc');
    expect(log.stdout).not.toContain('password');
  }, 120_000);

  it('bad input gets a clear error code and exit code, and changes nothing', async () => {
    const dir = tempDir();
    const env = { LOCKSTEP_KEY_FILE: join(dir, 'key') };
    const cases: [string[], string, number][] = [
      [['preview', '--db', join(dir, 'missing.db')], 'E_STORE_NOT_FOUND', 10],
      [['init', '--db', join(dir, 'x.db'), '--dataset', 'nope'], 'E_DATASET_INVALID', 2],
      [['init', '--db', join(dir, 'x.db'), '--dataset', 'classroom'], '', 0],
      [['connect', '--db', join(dir, 'x.db'), '--url', 'mysql://h/db'], 'E_URL_INVALID', 2],
      [['connect', '--db', join(dir, 'x.db'), '--url', 'postgres://nobody@127.0.0.1:1/db'], 'E_CONNECTION', 5],
      [['sync', '--db', join(dir, 'x.db')], 'E_NOT_CONNECTED', 5],
      [['preview', '--db', join(dir, 'x.db'), '--for', 'sideways'], 'E_USAGE', 2],
      [['resolve', '--db', join(dir, 'x.db'), 'students', 'x', '--keep', 'local'], 'E_NOT_FOUND', 13],
    ];
    for (const [args, code, exit] of cases) {
      const r = await runCli([...args, '--json'], { env });
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(exit);
      if (code) expect(r.json()).toMatchObject({ error: { code } });
    }
  }, 60_000);
});
