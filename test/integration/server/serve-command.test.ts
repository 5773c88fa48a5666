import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/sync-fixtures.js';
import { createTestServer } from './server-fixtures.js';

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<number | null>;
}

/** Starts `lockstep serve` in a child process and waits for the URL it prints. */
async function serve(args: string[]): Promise<Served> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCKSTEP_KEY_FILE: join(tempDir(), 'key') };
  delete env.LOCKSTEP_TOKEN;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/server/serve-child.ts', 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + 20_000;
  while (!/press Ctrl-C/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`lockstep serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /at (http:\/\/\S+)/.exec(out)?.[1] ?? '';
  return { child, url, output: () => out, exit };
}

describe('lockstep serve', () => {
  it('serves the given stores on 127.0.0.1 without a token, and stops cleanly on Ctrl-C (SIGINT)', async () => {
    const s = await createTestServer({ devices: ['pc', 'laptop'] });
    await s.close();
    const served = await serve(['--db', s.paths.pc as string, '--db', s.paths.laptop as string, '--port', '0', '--no-ui']);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(served.output()).toContain('serving 2 device(s)');
    const devices = (await (await fetch(`${served.url}api/devices`)).json()) as { devices: { name: string }[] };
    expect(devices.devices.map((d) => d.name)).toEqual(['pc', 'laptop']);
    served.child.kill('SIGINT');
    expect(await served.exit).toBe(0);
    expect(served.output()).toContain('stopping');
  });

  it('bound beyond loopback, prints a generated token and requires it', async () => {
    const s = await createTestServer({ devices: ['pc'] });
    await s.close();
    const served = await serve(['--db', s.paths.pc as string, '--host', '0.0.0.0', '--port', '0', '--no-ui']);
    try {
      const token = /API token \(send as Authorization: Bearer …\): (\S+)/.exec(served.output())?.[1] ?? '';
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(served.url).toContain(`#token=${token}`);
      const base = served.url.split('#')[0];
      expect((await fetch(`${base}api/devices`)).status).toBe(401);
      expect((await fetch(`${base}api/devices`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exit).toBe(0);
    }
  });
});
