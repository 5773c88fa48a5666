import { beforeAll, describe, expect, it } from 'vitest';
import { createReplicationService } from '../../../src/replicate/replication-service.js';
import { addFamily, connector, createLearningHub, createTarget, serviceFor, targetUrlWithPassword, testCipher, withClient, type Family, failure } from './fixtures.js';

const PASSWORD = 'Tr0ub4dor&3-secret';

describe('replication configurations', () => {
  let hub: string;
  let target: string;
  let fam: Family;
  let other: Family;

  beforeAll(async () => {
    hub = await createLearningHub();
    target = await createTarget();
    [fam, other] = await withClient(hub, async (c) => [await addFamily(c, 'Ann', { learners: 1, lessons: 1 }), await addFamily(c, 'Bob', { learners: 1, lessons: 1 })]);
  });

  it('never returns or logs the stored URL with its password: every output, the history and errors are masked; at rest it is encrypted', async () => {
    const service = serviceFor(hub);
    const url = await targetUrlWithPassword(target, PASSWORD);
    const outputs: unknown[] = [];
    const cfg = await service.add({ name: 'masked', owner: fam.parent, url, scope: `users:${fam.parent}`, targetSchema: 'masked' });
    outputs.push(cfg, await service.list(), await service.get(cfg.id));
    expect(cfg.targetUrl).toMatch(/^postgres:\/\/lockstep_r_[0-9a-f]+:\*\*\*\*@127\.0\.0\.1:\d+\//);
    const progress: unknown[] = [];
    outputs.push(await service.run(cfg.id, { onProgress: (p) => void progress.push(p) }), progress);
    // A failing run (the role may no longer log in): its error must not show the password either.
    await withClient(target, (c) => c.query(`ALTER ROLE "${new URL(url).username}" NOLOGIN`));
    const err = await failure(service.run(cfg.id));
    expect(err.code).toBe('E_AUTH');
    outputs.push(err.message, err.details, err.toJSON(), await service.get(cfg.id), await service.history(cfg.id));
    // Editing with the masked URL keeps the stored password (it still is the old one).
    const edited = await service.edit(cfg.id, { url: cfg.targetUrl, name: 'masked-2' });
    outputs.push(edited, await service.remove(cfg.id));
    const text = JSON.stringify(outputs);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
    const atRest = await withClient(hub, async (c) => JSON.stringify((await c.query('SELECT * FROM lockstep.replication_configs')).rows));
    expect(atRest).not.toContain(PASSWORD);
  });

  it('keeps the stored password when an edit gives the masked URL back, and replaces it when a new one is given', async () => {
    const cipher = testCipher();
    const service = serviceFor(hub, { cipher });
    const url = await targetUrlWithPassword(target, PASSWORD);
    const cfg = await service.add({ name: 'pw', owner: fam.parent, url, scope: `users:${fam.parent}`, targetSchema: 'pw' });
    await service.edit(cfg.id, { url: cfg.targetUrl });
    expect((await service.run(cfg.id)).status).toBe('COMPLETED');
    const wrong = new URL(url);
    wrong.password = 'nope-nope';
    await service.edit(cfg.id, { url: wrong.toString() });
    const stored = await withClient(hub, async (c) => (await c.query<{ p: string }>('SELECT target_password AS p FROM lockstep.replication_configs WHERE id = $1', [cfg.id])).rows[0]?.p);
    expect(cipher.decrypt(stored as string)).toBe('nope-nope');
    await service.remove(cfg.id);
  });

  it('refuses a bad URL at add and at edit, naming the problem', async () => {
    const service = serviceFor(hub);
    const bad = await failure(service.add({ name: 'x', owner: fam.parent, url: 'mysql://u:pw@db.example.com/x', scope: `users:${fam.parent}` }));
    expect(bad.code).toBe('E_URL_INVALID');
    expect(bad.message).toContain('scheme');
    const port = await failure(service.add({ name: 'x', owner: fam.parent, url: 'postgres://u:s3cretpass@db.example.com:99999/x', scope: `users:${fam.parent}` }));
    expect(port.message).toMatch(/port: must be a number from 1 to 65535/);
    expect(port.message).not.toContain('s3cretpass');
    const cfg = await service.add({ name: 'ok', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    const e = await failure(service.edit(cfg.id, { url: 'postgres://@db.example.com/' }));
    expect(e.code).toBe('E_URL_INVALID');
    expect(e.details?.problems).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'user' }), expect.objectContaining({ field: 'database' })]));
    expect((await service.get(cfg.id)).targetUrl).toContain('127.0.0.1');
    await service.remove(cfg.id);
  });

  it('applies the private-address policy when enabled (and it is on by default in the library)', async () => {
    const strict = createReplicationService({ hub: connector(hub), cipher: testCipher() });
    for (const url of ['postgres://u@127.0.0.1/db', 'postgres://u@localhost/db', 'postgres://u@10.1.2.3/db', 'postgres://u@169.254.169.254/db', 'postgres://u@[::1]/db']) {
      const e = await failure(strict.add({ name: 'p', owner: fam.parent, url, scope: `users:${fam.parent}` }));
      expect(e.code).toBe('E_URL_FORBIDDEN');
      expect(e.message).toMatch(/loopback, private or link-local/);
    }
    // A public name that resolves inward is refused when the run connects.
    const dns = createReplicationService({ hub: connector(hub), cipher: testCipher(), resolveHost: async () => ['192.168.1.5'] });
    const cfg = await dns.add({ name: 'dns', owner: fam.parent, url: 'postgres://u@db.example.com/db', scope: `users:${fam.parent}` });
    const e = await failure(dns.run(cfg.id));
    expect(e.code).toBe('E_URL_FORBIDDEN');
    expect((await dns.get(cfg.id)).status).toBe('FAILED');
    await dns.remove(cfg.id);
    // Off (the CLI's default): a local target is fine.
    const open = serviceFor(hub);
    const local = await open.add({ name: 'local', owner: fam.parent, url: target, scope: `users:${fam.parent}` });
    expect(local.targetUrl).toContain('127.0.0.1');
    await open.remove(local.id);
  });

  it('validates scope, mode and schema, and checks that the root row exists', async () => {
    const service = serviceFor(hub);
    const base = { name: 'v', owner: fam.parent, url: target };
    expect((await failure(service.add({ ...base, scope: 'teachers:1' }))).message).toMatch(/not in dataset/);
    expect((await failure(service.add({ ...base, scope: 'users:not-a-uuid' }))).message).toMatch(/UUID/);
    expect((await failure(service.add({ ...base, scope: 'users:00000000-0000-4000-8000-000000000000' }))).code).toBe('E_NOT_FOUND');
    expect((await failure(service.add({ ...base, scope: `users:${fam.parent}`, mode: 'continuous' }))).message).toMatch(/interval/);
    expect((await failure(service.add({ ...base, scope: `users:${fam.parent}`, targetSchema: 'bad-name;drop' }))).code).toBe('E_USAGE');
    const all = await service.add({ ...base, scope: 'all', mode: 'continuous', intervalSeconds: 300, targetSchema: 'everything' });
    expect(all).toMatchObject({ scope: { kind: 'all' }, scopeText: 'all', mode: 'continuous', intervalSeconds: 300, targetSchema: 'everything', status: 'IDLE' });
    const manual = await service.edit(all.id, { mode: 'manual' });
    expect(manual.intervalSeconds).toBeNull();
    await service.remove(all.id);
  });

  it("shows and runs a configuration only for its owner when asked with one, and always replicates the owner's scope", async () => {
    const service = serviceFor(hub);
    const cfg = await service.add({ name: 'ann', owner: fam.parent, url: target, scope: `users:${fam.parent}`, targetSchema: 'ann' });
    expect((await service.list({ owner: fam.parent })).map((c) => c.id)).toContain(cfg.id);
    expect((await service.list({ owner: other.parent })).map((c) => c.id)).not.toContain(cfg.id);
    expect((await failure(service.get(cfg.id, { owner: other.parent }))).code).toBe('E_NOT_FOUND');
    expect((await failure(service.run(cfg.id, { owner: other.parent }))).code).toBe('E_NOT_FOUND');
    expect((await failure(service.remove(cfg.id, { owner: other.parent }))).code).toBe('E_NOT_FOUND');
    // Run by anyone allowed (here: an admin without an owner filter): Ann's family, never the requester's.
    await service.run(cfg.id);
    const users = await withClient(target, async (c) => (await c.query<{ id: string }>('SELECT id FROM ann.users ORDER BY id')).rows.map((r) => r.id));
    expect(users).toEqual([fam.parent, ...fam.learners].sort());
    // By name too.
    expect((await service.get('ann')).id).toBe(cfg.id);
    await service.remove('ann');
    expect((await failure(service.get(cfg.id))).code).toBe('E_NOT_FOUND');
  });
});
