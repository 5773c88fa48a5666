import { describe, expect, it } from 'vitest';
import { learning } from '../../../src/dataset/learning.js';
import { checkMode, checkSchemaName } from '../../../src/replicate/config-input.js';
import { formatInterval, parseInterval } from '../../../src/replicate/parse-interval.js';
import { createProgressTracker } from '../../../src/replicate/progress-tracker.js';
import { redactDeep, redactSecret } from '../../../src/replicate/redact-secret.js';
import { formatProgress } from '../../../src/replicate/replication-text.js';
import { replicatedColumns, targetDdl } from '../../../src/replicate/target-schema.js';
import { checkTargetUrl, maskedTargetUrl } from '../../../src/replicate/target-access.js';

describe('intervals', () => {
  it('reads seconds and units, and writes the shortest form', () => {
    expect([parseInterval('300'), parseInterval('30s'), parseInterval('5m'), parseInterval('1h'), parseInterval('1d')]).toEqual([300, 30, 300, 3600, 86_400]);
    expect([formatInterval(300), formatInterval(90), formatInterval(7200), formatInterval(86_400)]).toEqual(['5m', '90s', '2h', '1d']);
    for (const bad of ['0', '-5', '5 minutes', '', '1.5m']) expect(() => parseInterval(bad)).toThrow(/interval must be/);
  });
});

describe('progress', () => {
  it('estimates the time left from the rate since copying began', () => {
    let now = 1000;
    const t = createProgressTracker('r', 'c', () => now);
    t.phase('scope');
    now = 3000;
    t.setTotal(1000);
    t.startTable('lessons', 400);
    now = 5000;
    t.add(250);
    const p = t.snapshot();
    expect(p).toMatchObject({ phase: 'copy', table: 'lessons', tableRowsDone: 250, tableRowsTotal: 400, rowsDone: 250, rowsTotal: 1000, elapsedMs: 4000 });
    expect(p.etaMs).toBe(6000); // 250 rows in 2 s, 750 left
    expect(formatProgress(p)).toBe('lessons: 250/400 rows · total 250/1000 (25%) · 4s elapsed · eta 6s');
    t.add(750);
    expect(t.snapshot().etaMs).toBe(0);
    expect(createProgressTracker('r', 'c', () => 0).snapshot().etaMs).toBeNull();
  });
});

describe('secrets in text', () => {
  it('replaces a password, plain and percent-encoded, everywhere in a value', () => {
    expect(redactSecret('login p@ss word failed for p%40ss%20word', 'p@ss word')).toBe('login **** failed for ****');
    expect(redactDeep({ a: ['x hunter22 y'], b: { c: 'hunter22' }, n: 1 }, 'hunter22')).toEqual({ a: ['x **** y'], b: { c: '****' }, n: 1 });
    expect(redactSecret('a b c', 'a')).toBe('a b c'); // too short to hide without garbling
  });

  it('shows **** where a password is stored, never the password', () => {
    const s = { host: 'db.example.com', port: 5432, database: 'backup', user: 'me', sslMode: 'require' as const };
    expect(maskedTargetUrl(s, true)).toBe('postgres://me:****@db.example.com:5432/backup?sslmode=require');
    expect(maskedTargetUrl(s, false)).toBe('postgres://me@db.example.com:5432/backup?sslmode=require');
  });
});

describe('configuration input', () => {
  it('needs an interval for continuous mode only', () => {
    expect(checkMode('manual', 60)).toEqual({ mode: 'manual', interval_seconds: null });
    expect(checkMode('continuous', 60)).toEqual({ mode: 'continuous', interval_seconds: 60 });
    expect(() => checkMode('continuous', null)).toThrow(/interval/);
    expect(() => checkMode('sometimes', 60)).toThrow(/manual or continuous/);
  });

  it('accepts plain schema names only', () => {
    expect(checkSchemaName('learning_backup')).toBe('learning_backup');
    for (const bad of ['', '1abc', 'a-b', 'x"; drop', 'pg_catalog', 'a'.repeat(64)]) expect(() => checkSchemaName(bad)).toThrow(/target schema/);
  });
});

describe('target DDL', () => {
  it('creates every table in foreign-key order without sensitive columns, with the bookkeeping table', () => {
    const users = learning.tables.find((t) => t.name === 'users');
    expect(users && replicatedColumns(users).map((c) => c.name)).not.toContain('password_hash');
    const ddl = targetDdl(learning, 'backup');
    const creates = ddl.filter((s) => s.startsWith('CREATE TABLE')).map((s) => /"backup"\."(\w+)"/.exec(s)?.[1]);
    expect(creates.indexOf('users')).toBeLessThan(creates.indexOf('lessons'));
    expect(creates.indexOf('lessons')).toBeLessThan(creates.indexOf('points_ledger'));
    expect(creates.indexOf('rewards')).toBeLessThan(creates.indexOf('reward_redemptions'));
    expect(creates.at(-1)).toBe('lockstep_replication_state');
    expect(ddl.join('\n')).not.toMatch(/password_hash|DROP|TRUNCATE/);
  });
});

describe('target URL policy', () => {
  it('with the server policy on, refuses private hosts and server-side certificate paths as E_URL_FORBIDDEN', () => {
    const policy = { forbidPrivateAddresses: true };
    expect(() => checkTargetUrl('postgres://me@10.0.0.5/copy', policy)).toThrow(expect.objectContaining({ code: 'E_URL_FORBIDDEN' }));
    expect(() => checkTargetUrl('postgres://me@db.example.com/copy?sslrootcert=/etc/passwd', policy)).toThrow(expect.objectContaining({ code: 'E_URL_FORBIDDEN' }));
    expect(() => checkTargetUrl('postgres://me@db.example.com:99999/copy?sslrootcert=/etc/passwd', policy)).toThrow(expect.objectContaining({ code: 'E_URL_INVALID' }));
    expect(checkTargetUrl('postgres://me@db.example.com/copy?sslrootcert=/etc/ca.pem', { forbidPrivateAddresses: false }).sslRootCert).toBe('/etc/ca.pem');
  });
});
