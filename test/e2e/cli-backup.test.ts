import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/sync-fixtures.js';
import { createTestDatabase } from '../helpers/test-database.js';

describe('lockstep export / import / secrets rotate', () => {
  it('exports, refuses a tampered file, imports, and rotates the key without losing the saved connection', async () => {
    const hubUrl = await createTestDatabase();
    const dir = tempDir();
    const env = { LOCKSTEP_KEY_FILE: join(dir, 'key') };
    const cli = (...args: string[]) => runCli(args, { env });
    const db = join(dir, 'a.db');
    expect((await cli('init', '--db', db, '--dataset', 'classroom')).code).toBe(0);
    const { default: Database } = await import('better-sqlite3');
    const s = new Database(db);
    s.prepare("INSERT INTO tags (id, name) VALUES (?, 'red')").run(crypto.randomUUID());
    s.close();
    const out = join(dir, 'backup.json');
    const exp = await cli('export', '--db', db, '--out', out, '--json');
    expect(exp.code, exp.stderr).toBe(0);
    writeFileSync(join(dir, 'bad.json'), readFileSync(out, 'utf8').replace('red', 'blue'));
    const bad = await cli('import', join(dir, 'bad.json'), '--db', db, '--json');
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: 'E_IMPORT_INVALID' } });
    const ok = await cli('import', out, '--db', db, '--mode', 'merge', '--json');
    expect(ok.code, ok.stdout).toBe(0);

    const url = new URL(hubUrl);
    const password = url.password || 'no-password-needed';
    url.password = '';
    expect((await runCli(['connect', '--db', db, '--url', url.toString(), '--password-stdin'], { env, stdin: password })).code).toBe(0);
    const rot = await cli('secrets', 'rotate', '--db', db, '--json');
    expect(rot.code, rot.stderr).toBe(0);
    expect(readFileSync(join(dir, 'key')).equals(readFileSync(join(dir, 'key.previous')))).toBe(false);
    const hubInit = await cli('hub', 'init', '--db', db, '--json');
    expect(hubInit.code, hubInit.stdout + hubInit.stderr).toBe(0); // the re-encrypted password still works
  }, 60_000);
});
