// The part of Node's Buffer that the ledger's verification code (src/ledger/verify.ts, note.ts,
// merkle.ts, entry.ts and the kernel they import) uses, on Uint8Array, for the browser build
// (ADR 0099). Installed as globalThis.Buffer by install.ts before those modules load. Node's own
// Buffer is used everywhere else; a unit test runs the same verification vectors through both.
type Encoding = 'utf8' | 'utf-8' | 'base64' | 'hex';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((c, i) => [c, i]));
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

function encodingOf(encoding: string | undefined): Encoding {
  const name = (encoding ?? 'utf8').toLowerCase();
  if (name === 'utf8' || name === 'utf-8' || name === 'base64' || name === 'hex') return name;
  throw new TypeError(`Unknown encoding: ${encoding}`);
}

/** Node's decoder: characters outside the alphabet are skipped, decoding stops at the first '='. */
function decodeBase64(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let count = 0;
  for (const char of text) {
    if (char === '=') break;
    const value = BASE64_VALUE.get(char === '-' ? '+' : char === '_' ? '/' : char);
    if (value === undefined) continue;
    bits = (bits << 6) | value;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push((bits >> count) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += BASE64[a >> 2]! + BASE64[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : BASE64[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : BASE64[c & 63]!;
  }
  return out;
}

/** Node's hex decoder: pairs of hex digits, stopping at the first pair that is not one. */
function decodeHex(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i + 1 < text.length; i += 2) {
    const pair = text.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) break;
    out.push(Number.parseInt(pair, 16));
  }
  return Uint8Array.from(out);
}

export class BrowserBuffer extends Uint8Array {
  // Node's signature (string with an encoding, a view on an ArrayBuffer, or a copy of bytes), not
  // Uint8Array.from's (a map function): hence the loose parameter types
  static override from(
    // biome-ignore lint/suspicious/noExplicitAny: the union Node accepts
    value: any,
    // biome-ignore lint/suspicious/noExplicitAny: an encoding or an offset, as in Node
    encodingOrOffset?: any,
    length?: number,
  ): BrowserBuffer {
    if (typeof value === 'string') {
      const encoding = encodingOf(encodingOrOffset as string | undefined);
      const bytes =
        encoding === 'base64'
          ? decodeBase64(value)
          : encoding === 'hex'
            ? decodeHex(value)
            : utf8Encoder.encode(value);
      return new BrowserBuffer(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length);
    }
    if (value instanceof ArrayBuffer) {
      // Node: a view on the same memory, not a copy
      const offset = (encodingOrOffset as number | undefined) ?? 0;
      return new BrowserBuffer(value, offset, length ?? value.byteLength - offset);
    }
    const copy = new BrowserBuffer((value as ArrayLike<number>).length ?? 0);
    copy.set(Array.from(value as ArrayLike<number>));
    return copy;
  }

  static alloc(size: number): BrowserBuffer {
    return new BrowserBuffer(size);
  }

  static allocUnsafe(size: number): BrowserBuffer {
    return new BrowserBuffer(size);
  }

  static allocUnsafeSlow(size: number): BrowserBuffer {
    return new BrowserBuffer(size);
  }

  static isBuffer(value: unknown): value is BrowserBuffer {
    return value instanceof BrowserBuffer;
  }

  static byteLength(value: string | Uint8Array, encoding?: string): number {
    if (typeof value !== 'string') return value.byteLength;
    return BrowserBuffer.from(value, encoding).length;
  }

  static concat(list: readonly Uint8Array[], totalLength?: number): BrowserBuffer {
    const size = totalLength ?? list.reduce((sum, part) => sum + part.length, 0);
    const out = new BrowserBuffer(size);
    let offset = 0;
    for (const part of list) {
      if (offset >= size) break;
      out.set(part.subarray(0, size - offset), offset);
      offset += Math.min(part.length, size - offset);
    }
    return out;
  }

  override toString(encoding?: string): string {
    const name = encodingOf(encoding);
    if (name === 'base64') return encodeBase64(this);
    if (name === 'hex') return Array.from(this, (b) => b.toString(16).padStart(2, '0')).join('');
    return utf8Decoder.decode(this);
  }

  equals(other: Uint8Array): boolean {
    if (this.length !== other.length) return false;
    for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
    return true;
  }

  readBigUInt64BE(offset = 0): bigint {
    return new DataView(this.buffer, this.byteOffset, this.byteLength).getBigUint64(offset, false);
  }

  writeBigUInt64BE(value: bigint, offset = 0): number {
    new DataView(this.buffer, this.byteOffset, this.byteLength).setBigUint64(offset, value, false);
    return offset + 8;
  }
}
