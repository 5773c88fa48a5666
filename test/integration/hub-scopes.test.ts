import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { classroom } from '../../src/dataset/classroom.js';
import { grantStatements } from '../../src/hub/hub-scopes.js';
import { initHub } from '../../src/hub/hub-init.js';
import { LocalStore } from '../../src/store/local-store.js';
import { addStudent, clientFor, hubRows, rows, tempDir, withClient } from '../helpers/sync-fixtures.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { join } from 'node:path';

const suffix = Math.random().toString(36).slice(2, 8);
const roleA = `dev_a_${suffix}`;
const roleB = `dev_b_${suffix}`;
let hubUrl = '';

afterAll(async () => {
  if (!hubUrl) return;
  await withClient(hubUrl, async (c) => {
    for (const r of [roleA, roleB]) await c.query(`DROP OWNED BY ${r}`).catch(() => undefined);
  });
  const { pgAdminUrl } = await import('../helpers/test-database.js');
  await withClient(pgAdminUrl(), async (c) => {
    for (const r of [roleA, roleB]) await c.query(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
  });
});

function urlAs(role: string): string {
  const u = new URL(hubUrl);
  u.username = role;
  u.password = `pw-${role}`;
  return u.toString();
}

describe('scopes and least privilege', () => {
  it('a device bound to scope A can neither read nor change scope B, even with raw SQL; devices have no DDL', async () => {
    hubUrl = await createTestDatabase();
    const dbName = new URL(hubUrl).pathname.slice(1);
    await withClient(hubUrl, async (c) => {
      await initHub(c, classroom, { scopes: true });
      for (const [role, scope] of [[roleA, 'class-a'], [roleB, 'class-b']] as const)
        for (const s of grantStatements({ role, scope, password: `pw-${role}`, database: dbName, schema: 'classroom', dataset: classroom })) await c.query(s.sql, s.params);
    });
    const dir = tempDir();
    const a = LocalStore.init({ path: join(dir, 'a.db'), dataset: classroom, deviceName: 'a' });
    const b = LocalStore.init({ path: join(dir, 'b.db'), dataset: classroom, deviceName: 'b' });
    const ca = clientFor(a, urlAs(roleA));
    const cb = clientFor(b, urlAs(roleB));
    addStudent({ name: 'a', store: a, client: ca, path: '' }, 'Ann (class A)');
    addStudent({ name: 'b', store: b, client: cb, path: '' }, 'Bob (class B)');
    await ca.sync();
    await cb.sync();
    await ca.sync();
    expect(rows({ name: 'a', store: a, client: ca, path: '' }, 'students').map((r) => r.name)).toEqual(['Ann (class A)']);
    expect(rows({ name: 'b', store: b, client: cb, path: '' }, 'students').map((r) => r.name)).toEqual(['Bob (class B)']);
    const all = await hubRows(hubUrl, 'students', 'name');
    expect(all.map((r) => [r.name, r.lockstep_scope])).toEqual([['Ann (class A)', 'class-a'], ['Bob (class B)', 'class-b']]);

    const raw = new pg.Client({ connectionString: urlAs(roleB) });
    await raw.connect();
    try {
      expect((await raw.query('SELECT name FROM classroom.students')).rows).toEqual([{ name: 'Bob (class B)' }]);
      expect((await raw.query(`UPDATE classroom.students SET name = 'hacked'`)).rowCount).toBe(1); // only its own row
      expect((await raw.query(`DELETE FROM classroom.students WHERE name LIKE 'Ann%'`)).rowCount).toBe(0);
      await expect(raw.query(`INSERT INTO classroom.students (id, name, created_at, lockstep_scope) VALUES (gen_random_uuid(), 'x', now(), 'class-a')`)).rejects.toMatchObject({ code: '42501' });
      expect((await raw.query('SELECT DISTINCT scope FROM lockstep.row_versions')).rows).toEqual([{ scope: 'class-b' }]);
      await expect(raw.query(`INSERT INTO lockstep.role_scopes VALUES ('${roleB}x', 'class-a')`)).rejects.toMatchObject({ code: '42501' });
      await expect(raw.query(`UPDATE lockstep.role_scopes SET scope = 'class-a'`)).rejects.toMatchObject({ code: '42501' });
      await expect(raw.query('CREATE TABLE classroom.evil (x int)')).rejects.toMatchObject({ code: '42501' });
      await expect(raw.query('DROP TABLE classroom.students')).rejects.toMatchObject({ code: '42501' });
      await expect(raw.query('DELETE FROM lockstep.row_versions')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await raw.end();
    }
    expect((await hubRows(hubUrl, 'students', 'name')).find((r) => r.lockstep_scope === 'class-a')?.name).toBe('Ann (class A)');
    const log = await withClient(hubUrl, async (c) => (await c.query('SELECT DISTINCT db_role FROM lockstep.sync_log ORDER BY 1')).rows.map((r) => r.db_role));
    expect(log).toEqual([roleA, roleB].sort()); // the audit trail names the database role of every run
    a.close();
    b.close();
  });

  it('hub grant --print shows the SQL a DBA can run, and hub grant creates a working device role', async () => {
    const url = await createTestDatabase();
    const { runCli } = await import('../helpers/run-cli.js');
    const env = { LOCKSTEP_KEY_FILE: join(tempDir(), 'key') };
    expect((await runCli(['hub', 'init', '--url', url, '--dataset', 'classroom', '--scopes'], { env })).code).toBe(0);
    const printed = await runCli(['hub', 'grant', '--url', url, '--role', `${roleA}_p`, '--scope', 'class-z', '--print'], { env });
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE ON "classroom"\."students"/);
    expect(printed.stdout).not.toMatch(/CREATE ON|ALL PRIVILEGES|SUPERUSER;/);
    const made = await runCli(['hub', 'grant', '--url', url, '--role', roleA, '--scope', 'class-a', '--role-password-stdin', '--json'], { env, stdin: 'not-printed-pw' });
    expect(made.code, made.stdout + made.stderr).toBe(0);
    expect(made.stdout).not.toContain('not-printed-pw');
  });
});
