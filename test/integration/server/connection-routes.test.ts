import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/store/local-store.js';
import { createTestDatabase } from '../../helpers/test-database.js';
import { connectionForm, createTestServer, roleWithPassword, type TestServer } from './server-fixtures.js';

const PASSWORD = 'S3cret-Passw0rd!';

describe('connection routes', () => {
  let s: TestServer;
  /** The hub, logging in as a role whose password is PASSWORD. */
  let withPassword: Record<string, unknown>;
  beforeAll(async () => {
    s = await createTestServer({ devices: ['pc', 'fresh'], connected: ['pc'] });
    withPassword = connectionForm(await roleWithPassword(s.hubUrl, PASSWORD));
  });
  afterAll(() => s.close());

  it('GET shows the saved settings and whether a password is saved, never the password', async () => {
    const none = await s.call('GET', '/api/devices/fresh/connection');
    expect(none).toMatchObject({ status: 200, body: { saved: false, hasPassword: false, url: null, settings: null } });
    const saved = await s.call('GET', '/api/devices/pc/connection');
    expect(saved.status).toBe(200);
    expect(saved.body.saved).toBe(true);
    expect(saved.body.settings).toMatchObject({ host: expect.any(String), port: expect.any(Number), database: expect.stringMatching(/^lockstep_t_/) });
  });

  it('PUT tests the connection, then saves it with the password encrypted; no answer carries the password', async () => {
    const put = await s.call('PUT', '/api/devices/fresh/connection', withPassword);
    expect(put.status).toBe(200);
    expect(put.body.test).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^\d+/), hub: { initialised: true, dataset: 'classroom', matchesDevice: true } });
    expect(put.body.connection).toMatchObject({ saved: true, hasPassword: true, url: expect.stringContaining(':****@') });
    const get = await s.call('GET', '/api/devices/fresh/connection');
    const devices = await s.call('GET', '/api/devices');
    for (const text of [put.text, get.text, devices.text]) expect(text).not.toContain(PASSWORD);
    expect(devices.body.devices.find((d: { name: string }) => d.name === 'fresh').connected).toBe(true);
    // At rest: only the encrypted form (read through a second connection to the file).
    const store = LocalStore.open(s.paths.fresh as string);
    try {
      const raw = store.getMeta('connection') ?? '';
      expect(raw).not.toContain(PASSWORD);
      expect(JSON.parse(raw).passwordEncrypted).toMatch(/^v1:/);
    } finally {
      store.close();
    }
  });

  it('keeps the saved password when the form leaves it out, but only for the same host, port and user', async () => {
    const form = { ...withPassword };
    delete form.password;
    const same = await s.call('PUT', '/api/devices/fresh/connection', form);
    expect(same.status).toBe(200);
    expect(same.body.connection.hasPassword).toBe(true);
    const elsewhere = await s.call('PUT', '/api/devices/fresh/connection', { ...form, host: 'localhost' });
    expect(elsewhere).toMatchObject({ status: 400, body: { code: 'E_USAGE' } });
    expect(elsewhere.body.message).toContain('enter the password');
    // `null` sends no password: a server that trusts local connections accepts it, one that checks refuses.
    const cleared = await s.call('PUT', '/api/devices/fresh/connection', { ...form, password: null });
    if (cleared.status === 200) expect(cleared.body.connection.hasPassword).toBe(false);
    else expect(cleared.body.code).toBe('E_AUTH');
  });

  it('does not save settings that fail the test: E_CONNECTION / E_AUTH as 502', async () => {
    const before = await s.call('GET', '/api/devices/pc/connection');
    const refused = await s.call('PUT', '/api/devices/pc/connection', { ...connectionForm(s.hubUrl), host: '127.0.0.1', port: 1 });
    expect(refused).toMatchObject({ status: 502, body: { code: 'E_CONNECTION' } });
    const unknown = await s.call('PUT', '/api/devices/pc/connection', { ...connectionForm(s.hubUrl), user: 'no_such_role_here', password: PASSWORD });
    expect(unknown).toMatchObject({ status: 502, body: { code: 'E_AUTH' } });
    expect(unknown.text).not.toContain(PASSWORD);
    expect((await s.call('GET', '/api/devices/pc/connection')).body).toEqual(before.body);
  });

  it('POST /connection/test tests the form, or the saved connection with an empty body', async () => {
    const form = await s.call('POST', '/api/devices/pc/connection/test', connectionForm(s.hubUrl));
    expect(form).toMatchObject({ status: 200, body: { ok: true, hub: { initialised: true } } });
    const saved = await s.call('POST', '/api/devices/pc/connection/test');
    expect(saved).toMatchObject({ status: 200, body: { ok: true } });
    const partial = await s.call('POST', '/api/devices/pc/connection/test', { host: '127.0.0.1' });
    expect(partial).toMatchObject({ status: 400, body: { code: 'E_VALIDATION' } });
  });

  it('answers 409 E_NOT_CONNECTED where a saved connection is needed', async () => {
    const t = await createTestServer({ devices: ['lonely'], connected: [] });
    try {
      for (const [method, url] of [
        ['POST', '/api/devices/lonely/connection/test'],
        ['GET', '/api/devices/lonely/preview'],
        ['POST', '/api/devices/lonely/push'],
        ['GET', '/api/devices/lonely/replications'],
      ] as const) {
        expect(await t.call(method, url), url).toMatchObject({ status: 409, body: { code: 'E_NOT_CONNECTED' } });
      }
    } finally {
      await t.close();
    }
  });

  it('POST /hub/init creates the hub in an empty database; the test then reports it', async () => {
    const emptyUrl = await createTestDatabase();
    const t = await createTestServer({ devices: ['first'], connected: [], hubUrl: s.hubUrl });
    try {
      const put = await t.call('PUT', '/api/devices/first/connection', connectionForm(emptyUrl));
      expect(put.body.test.hub).toEqual({ initialised: false, dataset: null, schema: null, matchesDevice: false });
      expect(await t.call('GET', '/api/devices/first/preview')).toMatchObject({ status: 409, body: { code: 'E_HUB_NOT_INITIALISED' } });
      const init = await t.call('POST', '/api/devices/first/hub/init');
      expect(init).toMatchObject({ status: 200, body: { created: true, schema: 'classroom', dataset: 'classroom' } });
      expect((await t.call('POST', '/api/devices/first/hub/init')).body.created).toBe(false);
      expect((await t.call('POST', '/api/devices/first/connection/test')).body.hub).toMatchObject({ initialised: true, matchesDevice: true });
    } finally {
      await t.close();
    }
  });
});
