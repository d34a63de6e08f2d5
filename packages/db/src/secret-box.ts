import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts channel secrets at rest with AES-256-GCM. Layout: version(1) | iv(12) | tag(16) | ciphertext.
 */
export interface SecretBox {
  seal(value: unknown): Buffer;
  open<T = unknown>(sealed: Buffer): T;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  return {
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]);
    },
    open(sealed) {
      if (sealed[0] !== 1) throw new Error('unknown secret format');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
      decipher.setAuthTag(sealed.subarray(13, 29));
      const text = Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
      return JSON.parse(text);
    },
  };
}
