import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockstepError } from '../core/errors.js';

const KEY_BYTES = 32;

/**
 * The 32-byte key in `path`. When the file is missing it is created with a random key, mode 0600 (its
 * folder, when missing, 0700), whole or not at all, also when two processes race to create it. A key
 * file that group or others can access, that is not a regular file, or that does not hold exactly 32
 * bytes is refused with `E_SECRET`.
 *
 * @example
 * const key = loadOrCreateKey(defaultKeyPath(process.env, os.homedir()));
 */
export function loadOrCreateKey(path: string): Buffer {
  if (!exists(path)) createKeyFile(path);
  return readKeyFile(path);
}

/**
 * Replaces the key in `path` with a new random one and returns both (so secrets can be re-encrypted).
 * The old key is first saved as `<path>.previous` (mode 0600, replacing an older one), then the new key
 * replaces the file atomically (written to a temporary file, synced, renamed), so a crash leaves either
 * key in place, never a partial one. A missing key file is created first.
 *
 * @example
 * const { oldKey, newKey } = rotateKey(path);
 * const again = createSecretBox(newKey).encrypt(createSecretBox(oldKey).decrypt(saved));
 */
export function rotateKey(path: string): { oldKey: Buffer; newKey: Buffer } {
  const oldKey = loadOrCreateKey(path);
  const newKey = randomBytes(KEY_BYTES);
  replaceFile(`${path}.previous`, oldKey);
  replaceFile(path, newKey);
  return { oldKey, newKey };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw secretError(`cannot read the key file ${path}`, e);
  }
}

function readKeyFile(path: string): Buffer {
  let key: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new LockstepError('E_SECRET', `the key file ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0)
      throw new LockstepError('E_SECRET', `the key file ${path} can be accessed by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
    key = readFileSync(path);
  } catch (e) {
    throw secretError(`cannot read the key file ${path}`, e);
  }
  if (key.length !== KEY_BYTES)
    throw new LockstepError('E_SECRET', `the key file ${path} is damaged: it must hold ${KEY_BYTES} bytes, it holds ${key.length}; restore it from a backup`);
  return key;
}

function createKeyFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = writeTemp(path, randomBytes(KEY_BYTES));
    try {
      linkSync(tmp, path); // fails with EEXIST if another process created the key meanwhile: keep theirs
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
    syncDir(dirname(path));
  } catch (e) {
    throw secretError(`cannot create the key file ${path}`, e);
  }
}

function replaceFile(path: string, content: Buffer): void {
  try {
    const tmp = writeTemp(path, content);
    try {
      renameSync(tmp, path);
    } catch (e) {
      unlinkSync(tmp);
      throw e;
    }
    syncDir(dirname(path));
  } catch (e) {
    throw secretError(`cannot write the key file ${path}`, e);
  }
}

/** Writes `content` to a new file next to `path` (mode 0600, synced) and returns its name. */
function writeTemp(path: string, content: Buffer): string {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot sync a directory; the rename itself is still atomic.
  }
}

function secretError(message: string, cause: unknown): LockstepError {
  if (cause instanceof LockstepError) return cause;
  return new LockstepError('E_SECRET', `${message}: ${(cause as Error).message}`, { cause });
}
