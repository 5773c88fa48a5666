import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { LockstepError } from '../core/errors.js';

/**
 * Encrypts and decrypts short secrets with one key. See `createSecretBox`.
 *
 * @example
 * const saved = box.encrypt(password); const again = box.decrypt(saved);
 */
export interface SecretBox {
  /** `keyIdOf` the key in use. */
  readonly keyId: string;
  encrypt(plain: string): string;
  decrypt(text: string): string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The first 8 hex digits of the key's SHA-256: names a key without revealing it.
 *
 * @example
 * keyIdOf(key); // 'a3f09c1e'
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM for short secrets (saved passwords) with a 32-byte key. `encrypt` gives the text
 * `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64 parts, a random 12-byte IV each time); `decrypt` throws
 * `E_SECRET` for a text that was altered, and for a text made with another key, naming the key id it needs.
 *
 * @example
 * const box = createSecretBox(loadOrCreateKey(path));
 * box.decrypt(box.encrypt('s3cret')) === 's3cret';
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new LockstepError('E_SECRET', `an encryption key must be 32 bytes, not ${key.length}`);
  const keyId = keyIdOf(key);
  return {
    keyId,
    encrypt: (plain) => encrypt(key, keyId, plain),
    decrypt: (text) => decrypt(key, keyId, text),
  };
}

function encrypt(key: Buffer, keyId: string, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ['v1', keyId, iv.toString('base64'), c.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}

function decrypt(key: Buffer, keyId: string, text: string): string {
  const parts = text.split(':');
  if (parts.length !== 5 || parts[0] !== 'v1' || !parts.slice(2).every((p) => B64.test(p)))
    throw new LockstepError('E_SECRET', 'the saved secret is not in a format Lockstep knows (v1:<keyId>:<iv>:<tag>:<data>); save it again');
  const [, id, iv, tag, data] = parts as [string, string, string, string, string];
  if (id !== keyId)
    throw new LockstepError(
      'E_SECRET',
      `the saved secret was encrypted with key ${id}, but the key in use is ${keyId}; restore the key file with id ${id} (after a rotation: <key file>.previous), or save the secret again`,
      { details: { neededKeyId: id, keyId } },
    );
  const ivBytes = Buffer.from(iv, 'base64');
  const tagBytes = Buffer.from(tag, 'base64');
  try {
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new Error('bad IV or tag length');
    const d = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    d.setAuthTag(tagBytes);
    return Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]).toString('utf8');
  } catch (e) {
    throw new LockstepError('E_SECRET', `the saved secret (key ${id}) was altered or damaged; save it again`, { cause: e });
  }
}
