import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/run-cli.js';
import { tempDir, withClient } from '../helpers/sync-fixtures.js';
import { createTestDatabase } from '../helpers/test-database.js';

const SECRET = 'Zq-very-distinct-9431-pw';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('a password never leaks', () => {
  it('is absent from every output, error, log, sync log and file a full CLI session writes', async () => {
    const hubUrl = await createTestDatabase();
    const role = `leak_${Math.random().toString(36).slice(2, 8)}`;
    await withClient(hubUrl, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${SECRET}'`);
    });
    const dir = tempDir();
    const env = { LOCKSTEP_KEY_FILE: join(dir, 'key') };
    const db = join(dir, 'a.db');
    const url = new URL(hubUrl);
    url.username = role;
    url.password = '';
    const outputs: CliResult[] = [];
    const cli = async (args: string[], stdin?: string): Promise<CliResult> => {
      const r = await runCli(args, { env, ...(stdin !== undefined ? { stdin } : {}) });
      outputs.push(r);
      return r;
    };
    await cli(['init', '--db', db, '--dataset', 'classroom']);
    expect((await cli(['connect', '--db', db, '--url', url.toString(), '--password-stdin'], SECRET)).code).toBe(0);
    await cli(['connect', '--db', db, '--url', url.toString(), '--password-stdin', '--json'], SECRET);
    const withPassword = new URL(url);
    withPassword.password = SECRET;
    await cli(['hub', 'init', '--url', withPassword.toString(), '--dataset', 'classroom', '--json']);
    await cli(['connect', '--db', db, '--url', withPassword.toString().replace('127.0.0.1', '127.0.0.1:1'), '--json']); // fails: bad port
    await cli(['connect', '--db', db, '--url', withPassword.toString().replace(/\/[^/]*$/, '/no_such_db')]); // fails: no database
    await cli(['precheck', '--db', db, '--json']);
    await cli(['sync', '--db', db, '--json']);
    await cli(['log', '--db', db, '--json']);
    await cli(['log', '--db', db]);
    for (const r of outputs) {
      expect(r.stdout).not.toContain(SECRET);
      expect(r.stderr).not.toContain(SECRET);
    }
    for (const f of filesUnder(dir)) expect(readFileSync(f).includes(Buffer.from(SECRET)), f).toBe(false);
    const hubText = await withClient(hubUrl, async (c) =>
      JSON.stringify((await c.query('SELECT * FROM lockstep.sync_log')).rows) + JSON.stringify((await c.query('SELECT * FROM lockstep.devices')).rows),
    );
    expect(hubText).not.toContain(SECRET);
    expect(outputs.some((r) => r.code !== 0)).toBe(true); // failure paths were exercised too
    await withClient(hubUrl, (c) => c.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`)).catch(() => undefined);
  }, 120_000);
});
