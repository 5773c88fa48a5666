import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/sync-fixtures.js';
import { createTestDatabase } from '../../helpers/test-database.js';

const TOOLS = ['dbus-daemon', 'gnome-keyring-daemon', 'secret-tool'];
const available = TOOLS.every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
// CI installs them (.ci/run), so there the test always runs; elsewhere it needs `apt-get install gnome-keyring libsecret-tools`.
const maybe = available || process.env.CI ? it : it.skip;

describe('the key for saved passwords in the OS keyring (Secret Service)', () => {
  const home = tempDir('lockstep-keyring-');
  const env: Record<string, string> = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), LOCKSTEP_KEY_FILE: '', LOCKSTEP_KEYRING: '' };
  const daemons: ChildProcess[] = [];

  beforeAll(async () => {
    if (!available) return;
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'ignore'] });
    daemons.push(bus);
    env.DBUS_SESSION_BUS_ADDRESS = await new Promise<string>((resolve) => bus.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim().split('\n')[0] ?? '')));
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'ignore'] });
    daemons.push(keyring);
    const started = new Promise((resolve) => keyring.stdout?.once('data', resolve)); // it prints its environment once it owns the bus name
    keyring.stdin?.end('unlock-password');
    await started;
    // Ready once it keeps a secret (the login collection exists and is unlocked).
    for (let i = 0; i < 100; i++) {
      const probe = spawnSync('secret-tool', ['store', '--label', 'probe', 'service', 'lockstep-test', 'account', 'probe'], { env: { ...process.env, ...env }, input: 'x' });
      if (probe.status === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => {
    for (const d of daemons) d.kill();
  });

  const lookup = (account: string): string =>
    spawnSync('secret-tool', ['lookup', 'service', 'lockstep', 'account', account], { env: { ...process.env, ...env }, encoding: 'utf8' }).stdout.trim();

  maybe('adopts an existing key file, keeps saved passwords working, and rotates inside the keyring', async () => {
    expect(available, `install ${TOOLS.join(', ')} (Debian: gnome-keyring libsecret-tools)`).toBe(true);
    const url = new URL(await createTestDatabase());
    const password = url.password || 'no-password-needed';
    url.password = '';
    const db = join(home, 'a.db');
    const keyFile = join(home, '.config', 'lockstep', 'key');
    expect((await runCli(['init', '--db', db, '--dataset', 'classroom'], { env })).code).toBe(0);

    // Saved before the keyring was used: encrypted with the key file.
    const saved = await runCli(['connect', '--db', db, '--url', url.toString(), '--password-stdin'], { env: { ...env, LOCKSTEP_KEYRING: 'off' }, stdin: password });
    expect(saved.code, saved.stderr).toBe(0);
    const fileKey = readFileSync(keyFile);

    // With a keyring: the file's key moves in, so the saved password still decrypts.
    const first = await runCli(['hub', 'init', '--db', db, '--json'], { env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(Buffer.from(lookup('key'), 'base64').equals(fileKey)).toBe(true);

    const rotated = await runCli(['secrets', 'rotate', '--db', db, '--json'], { env });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.json()).toMatchObject({ keyStore: 'OS keyring' });
    const newKey = Buffer.from(lookup('key'), 'base64');
    expect(newKey).toHaveLength(32);
    expect(newKey.equals(fileKey)).toBe(false);
    expect(Buffer.from(lookup('key.previous'), 'base64').equals(fileKey)).toBe(true);
    expect(readFileSync(keyFile).equals(fileKey)).toBe(true); // the file is left alone

    const again = await runCli(['hub', 'init', '--db', db, '--json'], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0); // decrypted with the rotated key
    for (const out of [first, rotated, again]) expect(out.stdout + out.stderr).not.toContain(newKey.toString('base64'));
  }, 60_000);

  maybe('a new user with a keyring gets no key file at all', async () => {
    const fresh = tempDir('lockstep-keyring-fresh-');
    const freshEnv = { ...env, HOME: fresh, XDG_CONFIG_HOME: join(fresh, '.config') };
    const url = new URL(await createTestDatabase());
    const password = url.password || 'no-password-needed';
    url.password = '';
    const db = join(fresh, 'b.db');
    expect((await runCli(['init', '--db', db, '--dataset', 'classroom'], { env: freshEnv })).code).toBe(0);
    const saved = await runCli(['connect', '--db', db, '--url', url.toString(), '--password-stdin'], { env: freshEnv, stdin: password });
    expect(saved.code, saved.stderr).toBe(0);
    expect(existsSync(join(fresh, '.config', 'lockstep', 'key'))).toBe(false);
  }, 60_000);
});
