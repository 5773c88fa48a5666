import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicationService } from '../../../src/replicate/replication-service.js';
import type { ReplicationProgress } from '../../../src/replicate/replication-types.js';
import { ReplicationRuns } from '../../../src/server/replication-runs.js';
import { withClient } from '../../helpers/sync-fixtures.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { createTestServer, roleWithPassword, type Reply, type TestServer } from './server-fixtures.js';

const PASSWORD = 'Tr0ub4dor&3-target';
const base = '/api/devices/pc/replications';

async function until(s: TestServer, id: string, status: string): Promise<Reply> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await s.call('GET', `${base}/${id}`);
    if (r.body.status === status) return r;
    if (Date.now() > deadline) throw new Error(`replication ${id} is ${r.body.status}, not ${status}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('replication routes (private-address policy on, as by default)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await createTestServer({ devices: ['pc'] });
  });
  afterAll(() => s.close());

  it('refuses loopback and private targets: 422 E_URL_FORBIDDEN, with the problem by field', async () => {
    expect((await s.call('GET', '/api/info')).body.forbidPrivateAddresses).toBe(true);
    for (const host of ['127.0.0.1', 'localhost', '10.0.0.5', '192.168.1.10', '[::1]']) {
      const r = await s.call('POST', base, { name: 'x', url: `postgres://me:${PASSWORD}@${host}:5432/backup` });
      expect(r, host).toMatchObject({ status: 422, body: { code: 'E_URL_FORBIDDEN', details: { problems: [{ field: 'host' }] } } });
      expect(r.text).not.toContain(PASSWORD);
    }
    const check = await s.call('POST', `${base}/check-url`, { url: 'postgres://me@127.0.0.1/backup' });
    expect(check.body).toEqual({ ok: false, problems: [{ field: 'host', message: expect.stringContaining('loopback') }] });
  });

  it('names every problem of a bad URL field by field: 422 E_URL_INVALID; check-url does the same without saving', async () => {
    const r = await s.call('POST', base, { name: 'x', url: 'postgres://@db.example.com:99999/?sslmode=sometimes' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('E_URL_INVALID');
    const fields = (r.body.details.problems as { field: string }[]).map((p) => p.field).sort();
    expect(fields).toEqual(['database', 'port', 'sslmode', 'user']);
    const check = await s.call('POST', `${base}/check-url`, { url: 'mysql://u@db.example.com/x' });
    expect(check.body).toEqual({ ok: false, problems: [{ field: 'scheme', message: expect.any(String) }] });
    expect((await s.call('POST', `${base}/check-url`, { url: 'postgres://me@db.example.com/backup' })).body).toEqual({ ok: true, problems: [] });
    expect((await s.call('GET', base)).body.replications).toEqual([]);
  });

  it('validates the body by schema: 400 E_VALIDATION', async () => {
    expect(await s.call('POST', base, { url: 'postgres://me@db.example.com/x' })).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
    expect(await s.call('POST', base, { name: 'x', url: 'postgres://me@db.example.com/x', mode: 'sometimes' })).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
    expect(await s.call('PATCH', `${base}/${crypto.randomUUID()}`, {})).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
  });
});

describe('replication routes (private targets allowed, as in tests and the demo)', () => {
  let s: TestServer;
  let target: string;
  const texts: string[] = [];
  beforeAll(async () => {
    s = await createTestServer({ devices: ['pc'], server: { forbidPrivateAddresses: false } });
    target = await createTestDatabase('lockstep_target');
    for (const name of ['Ann', 'Bo', 'Cy']) await s.call('POST', '/api/devices/pc/classroom/students', { name });
    await s.call('POST', '/api/devices/pc/push');
  });
  afterAll(async () => {
    await s.close();
    for (const t of texts) expect(t).not.toContain(PASSWORD);
  });

  const call: TestServer['call'] = async (...args) => {
    const r = await s.call(...args);
    texts.push(r.text);
    return r;
  };

  it('creates (201, URL masked), lists, gets and edits a configuration', async () => {
    const created = await call('POST', base, { name: 'Nightly copy', url: await roleWithPassword(target, PASSWORD) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Nightly copy', owner: 'pc', scopeText: 'all', mode: 'manual', status: 'IDLE', targetSchema: 'classroom', progress: null });
    expect(created.body.targetUrl).toMatch(/^postgres:\/\/lockstep_srv_[0-9a-f]+:\*\*\*\*@127\.0\.0\.1:\d+\/lockstep_target_/);
    const list = await call('GET', base);
    expect(list.body.replications.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    const edited = await call('PATCH', `${base}/${created.body.id}`, { name: 'Copy', url: created.body.targetUrl, mode: 'continuous', intervalSeconds: 600 });
    expect(edited.body).toMatchObject({ name: 'Copy', mode: 'continuous', intervalSeconds: 600 });
    const back = await call('PATCH', `${base}/${created.body.id}`, { mode: 'manual' });
    expect(back.body).toMatchObject({ mode: 'manual', intervalSeconds: null });
    expect((await call('GET', `${base}/Copy`)).body.id).toBe(created.body.id); // by name too
  });

  it('runs in the background: 202 at once, then IN_PROGRESS → COMPLETED with rows copied; the history records it', async () => {
    const cfg = (await call('GET', base)).body.replications[0];
    const run = await call('POST', `${base}/${cfg.id}/run`);
    expect(run.status).toBe(202);
    expect(['IN_PROGRESS', 'COMPLETED']).toContain(run.body.status);
    const done = await until(s, cfg.id, 'COMPLETED');
    texts.push(done.text);
    expect(done.body.rowsCopied.students).toBe(3);
    expect(done.body.lastSuccessAt).not.toBeNull();
    const names = await withClient(target, async (c) => (await c.query<{ name: string }>('SELECT name FROM classroom.students ORDER BY name')).rows.map((r) => r.name));
    expect(names).toEqual(['Ann', 'Bo', 'Cy']);
    const history = await call('GET', `${base}/${cfg.id}/history?limit=5`);
    expect(history.body.runs).toEqual([expect.objectContaining({ status: 'COMPLETED', trigger: 'manual', rowsCopied: expect.objectContaining({ students: 3 }) })]);
    const full = await call('POST', `${base}/${cfg.id}/run`, { full: true });
    expect(full.status).toBe(202);
    await until(s, cfg.id, 'COMPLETED');
  });

  it('records a run to an unreachable target as FAILED with its error', async () => {
    const cfg = await call('POST', base, { name: 'Broken', url: `postgres://nobody:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/nowhere` });
    const run = await call('POST', `${base}/${cfg.body.id}/run`);
    expect(run.status).toBe(202);
    const failed = await until(s, cfg.body.id, 'FAILED');
    texts.push(failed.text);
    expect(failed.body.lastError).toMatchObject({ code: 'E_CONNECTION', message: expect.stringContaining('127.0.0.1') });
    const history = await call('GET', `${base}/${cfg.body.id}/history`);
    expect(history.body.runs[0]).toMatchObject({ status: 'FAILED', error: { code: 'E_CONNECTION' } });
  });

  it('deletes a configuration (the target keeps its rows); unknown ids are 404 E_NOT_FOUND; bad scopes are refused', async () => {
    const cfg = (await call('GET', base)).body.replications.find((c: { name: string }) => c.name === 'Broken');
    expect(await call('DELETE', `${base}/${cfg.id}`)).toMatchObject({ status: 200, body: { id: cfg.id } });
    for (const [method, path] of [
      ['GET', `${base}/${cfg.id}`],
      ['DELETE', `${base}/${cfg.id}`],
      ['POST', `${base}/${cfg.id}/run`],
      ['GET', `${base}/${cfg.id}/history`],
    ] as const) {
      expect(await call(method, path), `${method} ${path}`).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    }
    expect(await call('PATCH', `${base}/${cfg.id}`, { name: 'x' })).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    expect(await call('POST', base, { name: 'x', url: target, scope: 'lessons:1' })).toMatchObject({ status: 400, body: { code: 'E_USAGE' } });
    expect(await call('POST', base, { name: 'x', url: target, scope: `students:${crypto.randomUUID()}` })).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
  });
});

describe('ReplicationRuns', () => {
  it('refuses a second run of a configuration running here (E_LOCKED), shows its live progress, and settles', async () => {
    let finish: () => void = () => undefined;
    const progress = { runId: 'r', configId: 'c', phase: 'copy', table: 'students', tableRowsDone: 1, tableRowsTotal: 2, rowsDone: 1, rowsTotal: 2, elapsedMs: 5, etaMs: 5 } satisfies ReplicationProgress;
    const service = {
      run: async (_id: string, opts: { onProgress?: (p: ReplicationProgress) => void }) => {
        opts.onProgress?.(progress);
        await new Promise<void>((done) => (finish = done));
      },
    } as unknown as ReplicationService;
    const runs = new ReplicationRuns();
    await runs.start(service, 'c', {});
    expect(runs.isRunning('c')).toBe(true);
    await expect(runs.start(service, 'c', {})).rejects.toMatchObject({ code: 'E_LOCKED' });
    const view = { id: 'c', status: 'IN_PROGRESS', progress: null } as never;
    expect(runs.withLiveProgress(view)).toMatchObject({ progress });
    finish();
    await runs.settle();
    expect(runs.isRunning('c')).toBe(false);
  });
});
