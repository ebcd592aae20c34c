// Entry commitment: the salted body and its RFC 9162 leaf hash. Pure: the salt and time are inputs.
import { createHash } from 'node:crypto';
import { assert, canonicalJson } from '../kernel/index.ts';
import { ENTRY_KINDS, type LedgerEntry, type LedgerEntryInput } from './model.ts';

export const SALT_BYTES = 16;
/** Entry bodies are evidence, not documents: a hard cap keeps the log and its rows small. */
export const MAX_ENTRY_BODY_BYTES = 8 * 1024;

const LEAF_PREFIX = Buffer.from([0x00]);

/** RFC 9162 §2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0)); here d(0) is the canonical JSON of the entry. */
export function leafHashOfBody(body: string): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(body, 'utf8').digest();
}

/**
 * Entry ids: `led_` + the append time (ms, base 36, 9 characters: sorts by time until year 5188) +
 * the first 64 bits of the leaf hash. Time first keeps index inserts at the right edge of the
 * btrees; the leaf-hash part (salted) makes them unique without another random draw.
 */
export function entryIdOf(leafHash: Uint8Array, at: Date): string {
  return `led_${at.getTime().toString(36).padStart(9, '0')}${Buffer.from(leafHash.buffer, leafHash.byteOffset, 8).toString('hex')}`;
}

export function leafHashOfEntry(entry: LedgerEntry): Buffer {
  return leafHashOfBody(canonicalJson(entry));
}

/** Build the committed body: the input, the time it was recorded and the salt. */
export function commitEntry(
  input: LedgerEntryInput,
  now: Date,
  salt: Uint8Array,
): { entry: LedgerEntry; body: string; leafHash: Buffer } {
  assert(
    (ENTRY_KINDS as readonly string[]).includes(input.kind),
    `unknown ledger entry kind ${String(input.kind)}`,
  );
  assert(salt.length === SALT_BYTES, 'ledger salt must be 16 bytes');
  const { at, ...rest } = input;
  const entry = {
    ...rest,
    at: (at ?? now).toISOString(),
    salt: Buffer.from(salt).toString('base64'),
  } as LedgerEntry;
  const body = canonicalJson(entry);
  assert(
    Buffer.byteLength(body, 'utf8') <= MAX_ENTRY_BODY_BYTES,
    `ledger entry body above ${MAX_ENTRY_BODY_BYTES} bytes`,
  );
  return { entry, body, leafHash: leafHashOfBody(body) };
}

/** Who an entry is about, for scoping reads (funder keys see only entries naming them). */
export function entrySubjects(entry: LedgerEntryInput | LedgerEntry): {
  funderId: string | null;
  customerId: string | null;
} {
  const record = entry as { funderId?: unknown; customerId?: unknown };
  return {
    funderId: typeof record.funderId === 'string' ? record.funderId : null,
    customerId: typeof record.customerId === 'string' ? record.customerId : null,
  };
}
