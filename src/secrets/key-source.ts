import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { LockstepError } from '../core/errors.js';
import { defaultKeyPath } from './default-key-path.js';
import { loadOrCreateKey, rotateKey } from './key-file.js';
import { osKeyring, type OsKeyring } from './os-keyring.js';

const KEY_BYTES = 32;
const ACCOUNT = 'key';
const LABEL = 'Lockstep: key for saved passwords';

/**
 * Where the 32-byte key that encrypts saved passwords lives: the OS keyring when there is one, else a
 * key file (mode 0600). See `keySourceFor`.
 *
 * @example
 * const box = createSecretBox(keySourceFor(process.env, os.homedir()).load());
 */
export interface KeySource {
  /** `OS keyring` or the key file's path, for messages. */
  readonly where: string;
  /** Where `rotate` keeps the previous key, for messages. */
  readonly previous: string;
  /** The key, created on first use. */
  load(): Buffer;
  /** Replaces the key with a new one, keeping the old one beside it (`key.previous`). */
  rotate(): { oldKey: Buffer; newKey: Buffer };
}

/**
 * `$LOCKSTEP_KEY_FILE` when set (an explicit choice); else the OS keyring when this session has one
 * (unless `LOCKSTEP_KEYRING=off`), adopting the key of an existing default key file so passwords saved
 * before keep working; else the default key file.
 *
 * @example
 * keySourceFor({ LOCKSTEP_KEY_FILE: '/secure/lockstep.key' }, '/home/ann').where; // '/secure/lockstep.key'
 */
export function keySourceFor(env: NodeJS.ProcessEnv, homedir: string): KeySource {
  const path = defaultKeyPath(env, homedir);
  const ring = env.LOCKSTEP_KEY_FILE ? undefined : osKeyring(env);
  if (!ring) return { where: path, previous: `${path}.previous`, load: () => loadOrCreateKey(path), rotate: () => rotateKey(path) };
  return {
    where: 'OS keyring',
    previous: `"${ACCOUNT}.previous" in the OS keyring`,
    load: () => readRing(ring) ?? createInRing(ring, existsSync(path) ? loadOrCreateKey(path) : randomBytes(KEY_BYTES)),
    rotate() {
      const oldKey = readRing(ring) ?? createInRing(ring, existsSync(path) ? loadOrCreateKey(path) : randomBytes(KEY_BYTES));
      ring.write(`${ACCOUNT}.previous`, `${LABEL} (previous)`, oldKey.toString('base64'));
      return { oldKey, newKey: createInRing(ring, randomBytes(KEY_BYTES)) };
    },
  };
}

function readRing(ring: OsKeyring): Buffer | undefined {
  const text = ring.read(ACCOUNT);
  if (text === undefined) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) throw new LockstepError('E_SECRET', `the key in the OS keyring is damaged (${key.length} bytes, not ${KEY_BYTES}); restore it, or remove it and save the connections again`);
  return key;
}

function createInRing(ring: OsKeyring, key: Buffer): Buffer {
  ring.write(ACCOUNT, LABEL, key.toString('base64'));
  const stored = readRing(ring);
  if (!stored?.equals(key)) throw new LockstepError('E_SECRET', 'the OS keyring did not keep the key it was given; set LOCKSTEP_KEYRING=off to use a key file');
  return key;
}
