import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultKeyPath } from '../../../src/secrets/default-key-path.js';
import { loadOrCreateKey, rotateKey } from '../../../src/secrets/key-file.js';
import { createSecretBox } from '../../../src/secrets/secret-box.js';
import { tempDir } from '../../helpers/sync-fixtures.js';

describe('secrets', () => {
  it('round-trips, and the ciphertext differs every time', () => {
    const box = createSecretBox(randomBytes(32));
    const a = box.encrypt('s3cret');
    expect(a).not.toContain('s3cret');
    expect(box.encrypt('s3cret')).not.toBe(a);
    expect(box.decrypt(a)).toBe('s3cret');
  });

  it('refuses a tampered text and names the key a text needs', () => {
    const box = createSecretBox(randomBytes(32));
    const t = box.encrypt('s3cret');
    const parts = t.split(':');
    parts[4] = Buffer.from('xxxxxx').toString('base64');
    expect(() => box.decrypt(parts.join(':'))).toThrow(expect.objectContaining({ code: 'E_SECRET' }));
    const other = createSecretBox(randomBytes(32));
    expect(() => other.decrypt(t)).toThrow(expect.objectContaining({ code: 'E_SECRET', message: expect.stringContaining(box.keyId) }));
  });

  it('creates the key file with mode 0600 and refuses one others can read', () => {
    const dir = tempDir();
    const path = join(dir, 'cfg', 'key');
    const key = loadOrCreateKey(path);
    expect(key).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKey(path).equals(key)).toBe(true);
    chmodSync(path, 0o644);
    expect(() => loadOrCreateKey(path)).toThrow(expect.objectContaining({ code: 'E_SECRET' }));
    const short = join(dir, 'short');
    writeFileSync(short, 'abc', { mode: 0o600 });
    expect(() => loadOrCreateKey(short)).toThrow(expect.objectContaining({ code: 'E_SECRET' }));
  });

  it('rotation keeps the previous key', () => {
    const path = join(tempDir(), 'key');
    const first = loadOrCreateKey(path);
    const { oldKey, newKey } = rotateKey(path);
    expect(oldKey.equals(first)).toBe(true);
    expect(loadOrCreateKey(path).equals(newKey)).toBe(true);
    expect(statSync(`${path}.previous`).mode & 0o777).toBe(0o600);
  });

  it('finds the key path from the environment', () => {
    expect(defaultKeyPath({ LOCKSTEP_KEY_FILE: '/k' }, '/home/a')).toBe('/k');
    expect(defaultKeyPath({ XDG_CONFIG_HOME: '/x' }, '/home/a')).toBe('/x/lockstep/key');
    expect(defaultKeyPath({}, '/home/a')).toBe('/home/a/.config/lockstep/key');
  });
});
