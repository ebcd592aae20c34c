// `node:crypto` for the dashboard's browser build (ADR 0099): Vite aliases the import to this file,
// so src/ledger/verify.ts — the funder kit's own code — runs in the browser unchanged. SHA-256,
// HMAC and HKDF come from @noble/hashes, Ed25519 from @noble/curves in strict RFC 8032 mode
// (zip215: false), as OpenSSL behind node:crypto verifies. AES-GCM (the PII vault) is never needed
// in a browser: those two functions say so instead of encrypting.
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BrowserBuffer } from './buffer.ts';

type Data = string | Uint8Array;
const bytesOf = (data: Data, encoding?: string): Uint8Array =>
  typeof data === 'string' ? BrowserBuffer.from(data, encoding) : data;

interface Digest {
  update(data: Data, encoding?: string): Digest;
  digest(): BrowserBuffer;
  digest(encoding: 'hex' | 'base64'): string;
}

function digester(hash: { update(data: Uint8Array): unknown; digest(): Uint8Array }): Digest {
  const self: Digest = {
    update(data, encoding) {
      hash.update(bytesOf(data, encoding));
      return self;
    },
    digest(encoding?: 'hex' | 'base64') {
      const out = BrowserBuffer.from(hash.digest());
      return (encoding ? out.toString(encoding) : out) as BrowserBuffer & string;
    },
  };
  return self;
}

function sha256Only(algorithm: string): void {
  if (algorithm.toLowerCase() !== 'sha256')
    throw new Error(`the dashboard's crypto has SHA-256 only, not ${algorithm}`);
}

export function createHash(algorithm: string): Digest {
  sha256Only(algorithm);
  return digester(sha256.create());
}

export function createHmac(algorithm: string, key: Uint8Array): Digest {
  sha256Only(algorithm);
  return digester(hmac.create(sha256, key));
}

export function hkdfSync(
  algorithm: string,
  key: Uint8Array,
  salt: Uint8Array,
  info: string,
  length: number,
): ArrayBuffer {
  sha256Only(algorithm);
  const out = hkdf(sha256, key, salt, new TextEncoder().encode(info), length);
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
}

export function randomFillSync<T extends Uint8Array>(buffer: T): T {
  // getRandomValues fills at most 65536 bytes a call
  for (let offset = 0; offset < buffer.length; offset += 65536)
    globalThis.crypto.getRandomValues(buffer.subarray(offset, Math.min(buffer.length, offset + 65536)));
  return buffer;
}

export function randomBytes(size: number): BrowserBuffer {
  return randomFillSync(BrowserBuffer.alloc(size));
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError('Input buffers must have the same byte length');
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

// DER framing of raw Ed25519 keys (RFC 8410), as note.ts builds them for node:crypto.
const SPKI_PREFIX = BrowserBuffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = BrowserBuffer.from('302e020100300506032b657004220420', 'hex');

class Ed25519Key {
  constructor(
    readonly type: 'public' | 'private',
    /** the 32-byte public key, or the 32-byte seed of a private key */
    readonly raw: Uint8Array,
  ) {}
  export(_options: { format: 'der'; type: 'spki' | 'pkcs8' }): BrowserBuffer {
    if (this.type === 'private') return BrowserBuffer.concat([PKCS8_PREFIX, this.raw]);
    return BrowserBuffer.concat([SPKI_PREFIX, this.raw]);
  }
}

function stripPrefix(der: Uint8Array, prefix: Uint8Array, what: string): Uint8Array {
  const head = BrowserBuffer.from(der.subarray(0, prefix.length));
  if (der.length !== prefix.length + 32 || !head.equals(prefix))
    throw new Error(`the dashboard's crypto reads DER Ed25519 ${what} keys only`);
  return der.subarray(prefix.length);
}

export function createPrivateKey(options: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): Ed25519Key {
  return new Ed25519Key('private', stripPrefix(options.key, PKCS8_PREFIX, 'private'));
}

export function createPublicKey(
  source: Ed25519Key | { key: Uint8Array; format: 'der'; type: 'spki' },
): Ed25519Key {
  if (source instanceof Ed25519Key)
    return new Ed25519Key('public', source.type === 'public' ? source.raw : ed25519.getPublicKey(source.raw));
  return new Ed25519Key('public', stripPrefix(source.key, SPKI_PREFIX, 'public'));
}

export function verify(
  algorithm: null | undefined,
  message: Uint8Array,
  key: Ed25519Key,
  signature: Uint8Array,
): boolean {
  if (algorithm != null) throw new Error('Ed25519 takes no digest algorithm');
  if (signature.length !== 64) return false;
  try {
    return ed25519.verify(
      signature,
      message,
      key.type === 'public' ? key.raw : ed25519.getPublicKey(key.raw),
      {
        zip215: false,
      },
    );
  } catch {
    return false; // a malformed point: OpenSSL answers false too
  }
}

export function sign(algorithm: null | undefined, message: Uint8Array, key: Ed25519Key): BrowserBuffer {
  if (algorithm != null) throw new Error('Ed25519 takes no digest algorithm');
  if (key.type !== 'private') throw new Error('signing needs a private key');
  return BrowserBuffer.from(ed25519.sign(message, key.raw));
}

function unavailable(name: string): never {
  throw new Error(`${name} (AES-GCM, the PII vault's) is not part of the dashboard's browser build`);
}
export const createCipheriv = (): never => unavailable('createCipheriv');
export const createDecipheriv = (): never => unavailable('createDecipheriv');
export type KeyObject = Ed25519Key;
