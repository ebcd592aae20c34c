// The applications list's keyset cursor (ADR 0100): the last row's (submitted at, id), opaque to the
// caller as base64url, and authenticated: an HMAC under a key derived from the master key binds it
// to the filters it was issued for, so an edited or invented cursor, or one replayed under other
// filters, is refused (400 invalid_cursor) instead of silently reading from somewhere else. Pure.
import { constantTimeEqual, hmacSha256 } from '../kernel/index.ts';

const VERSION = 1;
const MAC_BYTES = 12;
const HEADER_BYTES = 1 + 8; // version, submitted-at (ms since the epoch, unsigned 64-bit big-endian)
/** ids are ResourceIds: what the list can hand out */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Date's own range (ECMA-262 §21.4.1.1) */
const MAX_TIME_MS = 8.64e15;

export interface CursorPosition {
  submittedAt: Date;
  id: string;
}

/** The filters a page was read under, as the cursor binds them (any change makes a new list). */
export function filterKey(filter: {
  status?: string | undefined;
  funderId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}): string {
  return [
    filter.status ?? '',
    filter.funderId ?? '',
    filter.from?.toISOString() ?? '',
    filter.to?.toISOString() ?? '',
  ].join('\u0000');
}

function macOf(key: Uint8Array, header: Buffer, id: Buffer, filters: string): Buffer {
  return hmacSha256(key, Buffer.concat([header, id, Buffer.from(`\u0000${filters}`, 'utf8')])).subarray(
    0,
    MAC_BYTES,
  );
}

export function encodeCursor(key: Uint8Array, position: CursorPosition, filters: string): string {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(VERSION, 0);
  header.writeBigUInt64BE(BigInt(position.submittedAt.getTime()), 1);
  const id = Buffer.from(position.id, 'utf8');
  return Buffer.concat([header, macOf(key, header, id, filters), id]).toString('base64url');
}

/** The position a cursor names, or null when it is not one this service issued for these filters. */
export function decodeCursor(key: Uint8Array, text: string, filters: string): CursorPosition | null {
  const bytes = Buffer.from(text, 'base64url');
  // base64url decoding skips what it cannot read: only the canonical spelling of the bytes passes
  if (bytes.toString('base64url') !== text) return null;
  if (bytes.length < HEADER_BYTES + MAC_BYTES + 1 || bytes[0] !== VERSION) return null;
  const header = bytes.subarray(0, HEADER_BYTES);
  const mac = bytes.subarray(HEADER_BYTES, HEADER_BYTES + MAC_BYTES);
  const idBytes = bytes.subarray(HEADER_BYTES + MAC_BYTES);
  if (!constantTimeEqual(mac, macOf(key, header, idBytes, filters))) return null;
  const ms = Number(header.readBigUInt64BE(1));
  const id = idBytes.toString('utf8');
  if (ms > MAX_TIME_MS || !ID_PATTERN.test(id)) return null;
  return { submittedAt: new Date(ms), id };
}
