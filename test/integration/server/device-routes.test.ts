import { randomBytes } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../../src/cli/exit-codes.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { createServer } from '../../../src/server/create-server.js';
import { HTTP_STATUS, statusFor } from '../../../src/server/http-status.js';
import { tempDir } from '../../helpers/sync-fixtures.js';
import { caller, createTestServer, type TestServer } from './server-fixtures.js';

describe('device routes', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await createTestServer({ devices: ['classroom-pc', 'teacher laptop'], connected: ['classroom-pc'] });
  });
  afterAll(() => s.close());

  it('lists the served devices with their dataset, connection, unsynced changes and conflicts', async () => {
    await s.call('POST', '/api/devices/classroom-pc/classroom/students', { name: 'Ann' });
    const r = await s.call('GET', '/api/devices');
    expect(r.status).toBe(200);
    expect(r.body.devices).toEqual([
      { name: 'classroom-pc', deviceId: expect.any(String), dataset: 'classroom', file: 'classroom-pc.db', connected: true, pendingChanges: 1, conflicts: 0 },
      { name: 'teacher laptop', deviceId: expect.any(String), dataset: 'classroom', file: 'teacher laptop.db', connected: false, pendingChanges: 0, conflicts: 0 },
    ]);
    const one = await s.call('GET', `/api/devices/${encodeURIComponent('teacher laptop')}`);
    expect(one.body).toEqual(r.body.devices[1]);
  });

  it('answers an unexpected failure with 500 E_INTERNAL and a message without its raw text', async () => {
    const app = await createServer({ devices: [s.paths['classroom-pc'] as string], cipher: createSecretBox(randomBytes(32)), webRoot: false });
    try {
      app.get('/api/boom', async () => {
        throw new Error('connect failed for postgres://u:hunter2@db/x');
      });
      const r = await caller(app)('GET', '/api/boom');
      expect(r).toMatchObject({ status: 500, body: { code: 'E_INTERNAL' } });
      expect(r.text).not.toContain('hunter2');
    } finally {
      await app.close();
    }
  });
});

describe('createServer', () => {
  it('refuses two stores with the same device name (E_USAGE) and a missing store (E_STORE_NOT_FOUND)', async () => {
    const s = await createTestServer({ devices: ['pc'] });
    await s.close();
    const copy = join(tempDir(), 'copy.db');
    copyFileSync(s.paths.pc as string, copy);
    const cipher = createSecretBox(randomBytes(32));
    await expect(createServer({ devices: [s.paths.pc as string, copy], cipher })).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(createServer({ devices: [join(tempDir(), 'none.db')], cipher })).rejects.toMatchObject({ code: 'E_STORE_NOT_FOUND' });
  });
});

describe('the HTTP status table', () => {
  it('maps every library error code (the CLI table lists them all) and every HTTP-only code to a 4xx or 5xx', () => {
    for (const code of Object.keys(EXIT_CODES)) expect(HTTP_STATUS, code).toHaveProperty(code);
    for (const [code, status] of Object.entries(HTTP_STATUS)) expect(status >= 400 && status < 600, code).toBe(true);
    expect(statusFor('E_SOMETHING_NEWER')).toBe(500);
  });
});
