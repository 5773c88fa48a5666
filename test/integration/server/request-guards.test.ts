import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { createServer } from '../../../src/server/create-server.js';
import { startServer } from '../../../src/server/start-server.js';
import { tempDir } from '../../helpers/sync-fixtures.js';
import { caller, createTestServer, type TestServer } from './server-fixtures.js';

describe('the front door: token, Host check, bodies, unknown routes, headers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await createTestServer({ devices: ['pc'] });
  });
  afterAll(() => s.close());

  it('answers a malformed JSON body with 400 E_MALFORMED_BODY', async () => {
    const r = await s.call('POST', '/api/devices/pc/push', '{"fingerprint": ', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: 'E_MALFORMED_BODY', message: expect.any(String) });
  });

  it('answers an empty JSON body that declares content with 400 E_MALFORMED_BODY', async () => {
    const r = await s.call('PUT', '/api/devices/pc/connection', '', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('E_MALFORMED_BODY');
  });

  it('refuses a body over the limit with 413 E_BODY_TOO_LARGE', async () => {
    const r = await s.call('POST', '/api/devices/pc/classroom/students', { name: 'x'.repeat(70_000) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('E_BODY_TOO_LARGE');
  });

  it('refuses anything but JSON with 415 E_UNSUPPORTED_MEDIA_TYPE (text/plain too: no CSRF by simple request)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await s.call('POST', '/api/devices/pc/classroom/students', 'name=Ann', { 'content-type': type });
      expect(r.status, type).toBe(415);
      expect(r.body.code).toBe('E_UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('validates bodies, params and query strings by schema: 400 E_VALIDATION naming each field', async () => {
    const extra = await s.call('POST', '/api/devices/pc/classroom/students', { name: 'Ann', age: 7 });
    expect(extra.status).toBe(400);
    expect(extra.body.code).toBe('E_VALIDATION');
    expect(extra.body.details.problems).toEqual([{ field: 'body.age', message: expect.stringContaining('additional') }]);
    const wrong = await s.call('PUT', '/api/devices/pc/connection', { host: '', port: 'x', user: 'u', sslMode: 'sometimes' });
    expect(wrong.status).toBe(400);
    const fields = (wrong.body.details.problems as { field: string }[]).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['body.database', 'body.host', 'body.port', 'body.sslMode']));
    const query = await s.call('GET', '/api/devices/pc/log?limit=0');
    expect(query.status).toBe(400);
    expect(query.body.details.problems[0].field).toBe('querystring.limit');
    const param = await s.call('GET', `/api/devices/${'d'.repeat(300)}`);
    expect(param.status).toBe(400);
    expect(param.body.details.problems[0].field).toBe('params.device');
  });

  it('answers unknown routes and devices with 404 (E_ROUTE_NOT_FOUND, E_NOT_FOUND)', async () => {
    const route = await s.call('GET', '/api/nothing-here');
    expect(route).toMatchObject({ status: 404, body: { code: 'E_ROUTE_NOT_FOUND' } });
    const device = await s.call('GET', '/api/devices/nobody/conflicts');
    expect(device).toMatchObject({ status: 404, body: { code: 'E_NOT_FOUND' } });
    expect(device.body.message).toContain('pc');
  });

  it('refuses a Host header that is not loopback when it has no token: 403 E_FORBIDDEN_HOST (DNS rebinding)', async () => {
    const r = await s.call('GET', '/api/devices', undefined, { host: 'attacker.example:4870' });
    expect(r).toMatchObject({ status: 403, body: { code: 'E_FORBIDDEN_HOST' } });
    for (const host of ['localhost:4870', '127.0.0.1:4870', '[::1]:4870']) expect((await s.call('GET', '/api/info', undefined, { host })).status, host).toBe(200);
  });

  it('sends security headers and no-store on the API', async () => {
    const r = await s.call('GET', '/api/info');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.body).toMatchObject({ name: 'lockstep', forbidPrivateAddresses: true, devices: 1 });
  });
});

describe('with a token', () => {
  let s: TestServer;
  const token = 'T0ken-' + randomBytes(8).toString('hex');
  beforeAll(async () => {
    s = await createTestServer({ devices: ['pc'], server: { token } });
  });
  afterAll(() => s.close());

  it('needs Authorization: Bearer <token> on every /api route: 401 E_UNAUTHORIZED otherwise', async () => {
    expect(await s.call('GET', '/api/devices')).toMatchObject({ status: 401, body: { code: 'E_UNAUTHORIZED' } });
    expect((await s.call('GET', '/api/devices', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await s.call('GET', '/api/devices', undefined, { authorization: token })).status).toBe(401);
    const ok = await s.call('GET', '/api/devices', undefined, { authorization: `Bearer ${token}`, host: 'lockstep.school.example' });
    expect(ok.status).toBe(200);
    expect(ok.body.devices[0].name).toBe('pc');
  });
});

describe('startServer', () => {
  it('binds 127.0.0.1 without a token by default, and generates a token when bound to any other address', async () => {
    const s = await createTestServer({ devices: ['pc'] });
    await s.close();
    const cipher = createSecretBox(randomBytes(32));
    const local = await startServer({ devices: Object.values(s.paths), cipher, port: 0, webRoot: false });
    try {
      expect(local.token).toBeUndefined();
      expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await fetch(`${local.url}api/info`)).status).toBe(200);
    } finally {
      await local.app.close();
    }
    const open = await startServer({ devices: Object.values(s.paths), cipher, host: '0.0.0.0', port: 0, webRoot: false });
    try {
      expect(open.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(open.url).toContain(`#token=${open.token}`);
      const base = open.url.split('#')[0];
      expect((await fetch(`${base}api/info`)).status).toBe(401);
      expect((await fetch(`${base}api/info`, { headers: { authorization: `Bearer ${open.token}` } })).status).toBe(200);
    } finally {
      await open.app.close();
    }
  });

  it('refuses a port in use with E_USAGE', async () => {
    const s = await createTestServer({ devices: ['pc'] });
    await s.close();
    const cipher = createSecretBox(randomBytes(32));
    const first = await startServer({ devices: Object.values(s.paths), cipher, port: 0, webRoot: false });
    try {
      const port = Number(new URL(first.url).port);
      await expect(startServer({ devices: Object.values(s.paths), cipher, port, webRoot: false })).rejects.toMatchObject({ code: 'E_USAGE' });
    } finally {
      await first.app.close();
    }
  });
});

describe('the web UI', () => {
  it('serves the built UI at / with security headers, and a hint page when it is not built', async () => {
    const s = await createTestServer({ devices: ['pc'] });
    await s.close();
    const webRoot = tempDir('lockstep-web-');
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Lockstep</title><div id="root"></div>');
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
    const cipher = createSecretBox(randomBytes(32));
    const withUi = await createServer({ devices: Object.values(s.paths), cipher, webRoot });
    try {
      const call = caller(withUi);
      const index = await call('GET', '/');
      expect(index.status).toBe(200);
      expect(index.text).toContain('<div id="root">');
      expect(index.headers['content-security-policy']).toContain("script-src 'self'");
      expect((await call('GET', '/assets/app.js')).status).toBe(200);
      expect(await call('GET', '/assets/missing.js')).toMatchObject({ status: 404, body: { code: 'E_ROUTE_NOT_FOUND' } });
    } finally {
      await withUi.close();
    }
    const unbuilt = await createServer({ devices: Object.values(s.paths), cipher, webRoot: join(webRoot, 'nope') });
    try {
      const page = await caller(unbuilt)('GET', '/');
      expect(page.status).toBe(200);
      expect(page.text).toContain('npm run build:web');
    } finally {
      await unbuilt.close();
    }
  });
});
