import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { LockstepError } from '../core/errors.js';

export interface SecretBox {
  readonly keyId: string;
  encrypt(plain: string): string;
  decrypt(text: string): string;
}

/** The first 8 hex digits of the key's SHA-256: names a key without revealing it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM for short secrets (saved passwords). The text form `v1:<keyId>:<iv>:<tag>:<ciphertext>`
 * says which key made it; tampering or the wrong key fails with `E_SECRET`.
 *
 * @example
 * const box = createSecretBox(loadOrCreateKey(path)); box.decrypt(box.encrypt('s3cret')) === 's3cret';
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new LockstepError('E_SECRET', 'an encryption key must be 32 bytes');
  const keyId = keyIdOf(key);
  return {
    keyId,
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', keyId, iv.toString('base64'), c.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(text) {
      const parts = text.split(':');
      if (parts.length !== 5 || parts[0] !== 'v1') throw new LockstepError('E_SECRET', 'the saved secret is not in a format Lockstep knows');
      const [, id, iv, tag, data] = parts as [string, string, string, string, string];
      if (id !== keyId)
        throw new LockstepError('E_SECRET', `the saved secret was encrypted with key ${id}, but the key in use is ${keyId}; restore that key file or save the connection again`);
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        d.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]).toString('utf8');
      } catch (e) {
        throw new LockstepError('E_SECRET', 'the saved secret was altered or damaged; save the connection again', { cause: e });
      }
    },
  };
}
