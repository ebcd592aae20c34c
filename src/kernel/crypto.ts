// Crypto helpers on node:crypto: key derivation from the master key, HMAC, AES-256-GCM with key ids
// (for rotation), SHA-256, constant-time compare.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { assert } from './assert.ts';
import { secureRandomBytes } from './secure-random.ts';

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256(key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** HKDF-SHA256 (RFC 5869) sub-key for one purpose, so one master key never serves two purposes. */
export function deriveKey(masterKey: Uint8Array, purpose: string, length = 32): Buffer {
  assert(masterKey.length >= 32, 'master key must be at least 32 bytes');
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `shoujia/${purpose}`, length));
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parse the master key from config: 64 hex chars or base64 of 32+ bytes. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64,}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  assert(key.length >= 32, 'SHOUJIA_MASTER_KEY must be 32 bytes (64 hex characters or base64)');
  return key;
}

export function generateMasterKey(): string {
  return randomBytes(32).toString('hex');
}

/**
 * AES-256-GCM envelope "v1.<keyId>.<base64(iv || ciphertext || tag)>". The key id lets old rows be
 * read after the current key changes; new writes always use the current key.
 */
export class Vault {
  private readonly keys = new Map<string, Buffer>();
  constructor(
    masterKey: Uint8Array,
    readonly currentKeyId = 'k1',
    extraKeyIds: string[] = [],
  ) {
    for (const id of [currentKeyId, ...extraKeyIds]) {
      assert(/^[a-z0-9]{1,16}$/.test(id), `bad key id ${id}`);
      this.keys.set(id, deriveKey(masterKey, `vault/${id}`));
    }
  }

  encrypt(plaintext: string, associatedData = ''): string {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = secureRandomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${this.currentKeyId}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  decrypt(envelope: string, associatedData = ''): string {
    const [version, keyId, data] = envelope.split('.');
    assert(version === 'v1' && keyId && data, 'not a vault envelope');
    const key = this.keys.get(keyId);
    assert(key, `unknown vault key id ${keyId}`);
    const raw = Buffer.from(data, 'base64');
    assert(raw.length >= 28, 'vault envelope too short');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }
}
