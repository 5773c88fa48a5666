import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockstepError } from '../core/errors.js';

/**
 * The 32-byte key in `path`, created (mode 0600, folder 0700) when missing. A key file that other users
 * can read, or of the wrong size, is refused with `E_SECRET`.
 *
 * @example
 * const key = loadOrCreateKey(defaultKeyPath(process.env, os.homedir()));
 */
export function loadOrCreateKey(path: string): Buffer {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  }
  const st = statSync(path);
  if ((st.mode & 0o077) !== 0)
    throw new LockstepError('E_SECRET', `the key file ${path} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  const key = readFileSync(path);
  if (key.length !== 32) throw new LockstepError('E_SECRET', `the key file ${path} is damaged (it must hold 32 bytes, it holds ${key.length})`);
  return key;
}

/** Replaces the key with a new one (atomically), keeping the old as `<path>.previous` (0600). */
export function rotateKey(path: string): { oldKey: Buffer; newKey: Buffer } {
  const oldKey = loadOrCreateKey(path);
  const newKey = randomBytes(32);
  writeFileSync(`${path}.previous`, oldKey, { mode: 0o600 });
  chmodSync(`${path}.previous`, 0o600);
  const tmp = `${path}.new`;
  writeFileSync(tmp, newKey, { mode: 0o600 });
  renameSync(tmp, path);
  return { oldKey, newKey };
}
