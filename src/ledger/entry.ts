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

/**
 * Per-funder pseudonyms of the platform's ids (the sharing gateway's, so an entry names the
 * customer and application as the funder's payloads do).
 */
export interface EntryBlinding {
  customerRef(funderId: string, customerId: string): string;
  applicationRef(funderId: string, applicationId: string): string;
}

/**
 * Kinds that name a funder, which that funder reads (with the salt) to check its proofs. Their
 * bodies carry the funder's pseudonyms instead of the platform's customer and application ids:
 * two funders comparing their entries cannot link a customer (or an application sent to both)
 * through the ledger. A commitment to each id lets the platform prove the link to an arbiter.
 */
export const FUNDER_FACING_KINDS: ReadonlySet<string> = new Set(
  ENTRY_KINDS.filter((kind) => kind !== 'origination'), // every kind but origination names a funder
);

/**
 * The commitment to an id inside a salted entry: hex SHA-256 of
 * `shoujia-ledger/id-commitment/v1 NUL <salt, base64> NUL <field> NUL <id>`. Opening it means
 * revealing the id: anyone holding the entry body recomputes it. Platform ids carry 80 random bits
 * and every entry its own salt, so a commitment neither reveals the id nor matches another entry's.
 */
export function idCommitment(saltBase64: string, field: 'customerId' | 'applicationId', id: string): string {
  return createHash('sha256')
    .update(`shoujia-ledger/id-commitment/v1\u0000${saltBase64}\u0000${field}\u0000${id}`, 'utf8')
    .digest('hex');
}

/** Build the committed body: the input, the time it was recorded and the salt. */
export function commitEntry(
  input: LedgerEntryInput,
  now: Date,
  salt: Uint8Array,
  blinding?: EntryBlinding,
): { entry: LedgerEntry; body: string; leafHash: Buffer } {
  assert(
    (ENTRY_KINDS as readonly string[]).includes(input.kind),
    `unknown ledger entry kind ${String(input.kind)}`,
  );
  assert(salt.length === SALT_BYTES, 'ledger salt must be 16 bytes');
  const { at, ...rest } = input;
  const saltBase64 = Buffer.from(salt).toString('base64');
  const fields = blinding && FUNDER_FACING_KINDS.has(input.kind) ? blind(rest, saltBase64, blinding) : rest;
  const entry = {
    ...fields,
    at: (at ?? now).toISOString(),
    salt: saltBase64,
  } as LedgerEntry;
  const body = canonicalJson(entry);
  assert(
    Buffer.byteLength(body, 'utf8') <= MAX_ENTRY_BODY_BYTES,
    `ledger entry body above ${MAX_ENTRY_BODY_BYTES} bytes`,
  );
  return { entry, body, leafHash: leafHashOfBody(body) };
}

/** The funder-facing body: the platform's ids replaced by the funder's pseudonyms and commitments. */
function blind(
  fields: Record<string, unknown>,
  saltBase64: string,
  blinding: EntryBlinding,
): Record<string, unknown> {
  const { customerId, applicationId, ...rest } = fields;
  const funderId = fields.funderId;
  assert(typeof funderId === 'string', 'a funder-facing entry names its funder');
  const out: Record<string, unknown> = { ...rest };
  if (typeof customerId === 'string') {
    out.customerRef = blinding.customerRef(funderId, customerId);
    out.customerCommitment = idCommitment(saltBase64, 'customerId', customerId);
  }
  if (typeof applicationId === 'string') {
    out.applicationRef = blinding.applicationRef(funderId, applicationId);
    out.applicationCommitment = idCommitment(saltBase64, 'applicationId', applicationId);
  }
  return out;
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

/**
 * When a stored entry names this application, the time it records (its `at`); else undefined.
 * Origination names it in clear, funder-facing kinds by their commitment (idCommitment), which the
 * salt in the body lets the platform recompute.
 */
export function entryNamingApplication(body: string, applicationId: string): Date | undefined {
  const entry = JSON.parse(body) as Record<string, unknown>;
  const names =
    entry.applicationId === applicationId ||
    (typeof entry.salt === 'string' &&
      typeof entry.applicationCommitment === 'string' &&
      entry.applicationCommitment === idCommitment(entry.salt, 'applicationId', applicationId));
  return names && typeof entry.at === 'string' ? new Date(entry.at) : undefined;
}
