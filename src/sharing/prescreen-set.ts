// The funder's encoded pre-screen set: its identifiers' OPRF outputs, truncated, sorted, in one file
// (set.bin) that the platform holds. Without the funder's key the entries are random bytes; the
// platform can test one applicant per blinded round trip to the funder's rate-limited service.
//
// set.bin = "SJPSET01" | u32 BE header length | header JSON | count × ENTRY_BYTES sorted ascending
import { normalisePhone } from '../identity/phone.ts';
import { type Result, assert, err, ok } from '../kernel/index.ts';
import { OPRF_SUITE } from './oprf.ts';

export const SET_MAGIC = Buffer.from('SJPSET01', 'ascii');
/** 128 bits of each 512-bit output: a false match needs ~2^128 / n tries (n = set size). */
export const ENTRY_BYTES = 16;
/** 100M entries = 1.6 GB: beyond that the set belongs in a server-side index, not one buffer. */
export const MAX_SET_ENTRIES = 100_000_000;
const MAX_HEADER_BYTES = 4096;

export type IdentifierKind = 'phone' | 'id';

export interface SetHeader {
  suite: string;
  keyId: string;
  count: number;
  entryBytes: number;
  createdAt: string;
}

/**
 * The OPRF input for one identifier: "phone:13812345678" or "id:11010519491231002X". The kind
 * prefix keeps a phone and an ID number from ever colliding; both sides must build it identically.
 */
export function prescreenInput(kind: IdentifierKind, normalised: string): Buffer {
  return Buffer.from(`${kind}:${normalised}`, 'utf8');
}

const ID_NUMBER = /^\d{17}[\dX]$/;

/** One line of the funder's ids.csv: a mainland mobile number or an 18-character ID number. */
export function parseIdentifier(raw: string): { kind: IdentifierKind; value: string } | null {
  const field = raw.trim().replace(/^"|"$/g, '');
  const phone = normalisePhone(field);
  if (phone) return { kind: 'phone', value: phone };
  const id = field.toUpperCase();
  return ID_NUMBER.test(id) ? { kind: 'id', value: id } : null;
}

/**
 * Sort and de-duplicate fixed-width entries in place order: a bucket pass on the first two bytes
 * (the entries are uniform, so buckets are small) then insertion sort inside each bucket.
 */
export function sortEntries(packed: Buffer, entryBytes = ENTRY_BYTES): Buffer {
  assert(packed.length % entryBytes === 0, 'packed entries are whole');
  const count = packed.length / entryBytes;
  const counts = new Uint32Array(65537);
  for (let i = 0; i < count; i++) counts[packed.readUInt16BE(i * entryBytes) + 1]!++;
  for (let b = 1; b < counts.length; b++) counts[b]! += counts[b - 1]!;
  const starts = counts.slice(0, 65536);
  const sorted = Buffer.alloc(packed.length);
  const next = starts.slice();
  for (let i = 0; i < count; i++) {
    const bucket = packed.readUInt16BE(i * entryBytes);
    packed.copy(sorted, next[bucket]! * entryBytes, i * entryBytes, (i + 1) * entryBytes);
    next[bucket]!++;
  }
  const entry = (i: number) => sorted.subarray(i * entryBytes, (i + 1) * entryBytes);
  const scratch = Buffer.alloc(entryBytes);
  for (let b = 0; b < 65536; b++) {
    const start = starts[b]!;
    const end = counts[b + 1]!;
    for (let i = start + 1; i < end; i++) {
      entry(i).copy(scratch);
      let j = i - 1;
      while (j >= start && Buffer.compare(entry(j), scratch) > 0) {
        entry(j).copy(sorted, (j + 1) * entryBytes);
        j--;
      }
      scratch.copy(sorted, (j + 1) * entryBytes);
    }
  }
  // de-duplicate (the same identifier listed twice)
  let write = 0;
  for (let i = 0; i < count; i++) {
    if (write > 0 && entry(i).equals(entry(write - 1))) continue;
    if (write !== i) entry(i).copy(sorted, write * entryBytes);
    write++;
  }
  return sorted.subarray(0, write * entryBytes);
}

export function encodeSetFile(
  header: Omit<SetHeader, 'count' | 'entryBytes' | 'suite'>,
  sortedEntries: Buffer,
): Buffer {
  const full: SetHeader = {
    suite: OPRF_SUITE,
    keyId: header.keyId,
    count: sortedEntries.length / ENTRY_BYTES,
    entryBytes: ENTRY_BYTES,
    createdAt: header.createdAt,
  };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([SET_MAGIC, length, json, sortedEntries]);
}

export interface PrescreenSet {
  header: SetHeader;
  entries: Buffer;
}

/** Parse and check a set file: magic, header, size, sortedness (so lookups by bisection are right). */
export function parseSetFile(file: Buffer): Result<PrescreenSet, 'prescreen_set_invalid'> {
  const bad = (why: string) => err('prescreen_set_invalid' as const, why, 'set');
  if (file.length < 12 || !file.subarray(0, 8).equals(SET_MAGIC))
    return bad('not a Shoujia pre-screen set (magic)');
  const headerLength = file.readUInt32BE(8);
  if (headerLength > MAX_HEADER_BYTES || 12 + headerLength > file.length) return bad('header length');
  let header: SetHeader;
  try {
    header = JSON.parse(file.subarray(12, 12 + headerLength).toString('utf8')) as SetHeader;
  } catch {
    return bad('header is not JSON');
  }
  if (header.suite !== OPRF_SUITE) return bad(`suite ${String(header.suite)}, expected ${OPRF_SUITE}`);
  if (header.entryBytes !== ENTRY_BYTES) return bad('entry size');
  if (typeof header.keyId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(header.keyId)) return bad('key id');
  const entries = file.subarray(12 + headerLength);
  if (
    !Number.isSafeInteger(header.count) ||
    header.count > MAX_SET_ENTRIES ||
    entries.length !== header.count * ENTRY_BYTES
  ) {
    return bad('entry count does not match the file size');
  }
  for (let i = 1; i < header.count; i++) {
    const a = entries.subarray((i - 1) * ENTRY_BYTES, i * ENTRY_BYTES);
    const b = entries.subarray(i * ENTRY_BYTES, (i + 1) * ENTRY_BYTES);
    if (Buffer.compare(a, b) >= 0) return bad(`entries not strictly ascending at ${i}`);
  }
  return ok({ header, entries });
}

/** Bisection over the sorted entries. */
export function setContains(set: PrescreenSet, output: Uint8Array): boolean {
  const needle = Buffer.from(output.subarray(0, ENTRY_BYTES));
  let low = 0;
  let high = set.header.count - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const order = Buffer.compare(
      set.entries.subarray(middle * ENTRY_BYTES, (middle + 1) * ENTRY_BYTES),
      needle,
    );
    if (order === 0) return true;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}
