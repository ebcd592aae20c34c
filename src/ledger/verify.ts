// The funder kit's checks, pure over the texts a funder saved: a signed checkpoint, the log's
// verifier key, an inclusion proof and an entry (body with salt); or two checkpoints and a
// consistency proof. Nothing here touches our database: that is the point.
import { canonicalJson, err, ok, type Result, sha256Hex } from '../kernel/index.ts';
import { leafHashOfEntry } from './entry.ts';
import { HASH_BYTES, verifyConsistency, verifyInclusion } from './merkle.ts';
import type { LedgerEntry } from './model.ts';
import {
  type Checkpoint,
  parseCheckpointBody,
  parseNote,
  parseVerifierKey,
  SIGNATURE_TYPE_ED25519,
  verifyCheckpointNote,
} from './note.ts';

export const MAX_PROOF_HASHES = 128;

export type VerifyFailure =
  | 'bad_verifier_key'
  | 'bad_checkpoint'
  | 'bad_proof'
  | 'bad_entry'
  | 'size_mismatch'
  | 'origin_mismatch'
  | 'leaf_mismatch'
  | 'proof_invalid'
  | 'bad_statement'
  | 'statement_mismatch';

function hashFrom(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === HASH_BYTES && bytes.toString('base64') === value ? bytes : undefined;
}

function hashesFrom(value: unknown): Buffer[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_PROOF_HASHES) return undefined;
  const hashes = value.map(hashFrom);
  return hashes.every((h) => h !== undefined) ? (hashes as Buffer[]) : undefined;
}

const isSize = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function checkpointFrom(
  text: string,
  vkeyText: string | undefined,
  label: string,
): Result<Checkpoint & { signed: boolean }, VerifyFailure> {
  if (vkeyText === undefined) {
    const note = parseNote(text);
    if (!note.ok) return err('bad_checkpoint', `${label}: ${note.message}`);
    const checkpoint = parseCheckpointBody(note.value.body);
    if (!checkpoint.ok) return err('bad_checkpoint', `${label}: ${checkpoint.message}`);
    return ok({ ...checkpoint.value, signed: false });
  }
  const key = parseVerifierKey(vkeyText);
  if (!key.ok) return err('bad_verifier_key', `verifier key: ${key.message}`);
  if (key.value.type !== SIGNATURE_TYPE_ED25519)
    return err('bad_verifier_key', 'verifier key: the log key has type 0x01 (Ed25519)');
  const checkpoint = verifyCheckpointNote(text, key.value);
  if (!checkpoint.ok) return err('bad_checkpoint', `${label}: ${checkpoint.message}`);
  return ok({
    origin: checkpoint.value.origin,
    treeSize: checkpoint.value.treeSize,
    rootHash: checkpoint.value.rootHash,
    signed: true,
  });
}

/**
 * Is this entry at this index in the tree the signed checkpoint commits to? `entryJson` is either
 * the entry body itself or the `GET /v1/ledger/entries/:index` answer ({index, leafHash, entry}).
 */
export function verifyInclusionKit(input: {
  checkpoint: string;
  vkey: string;
  proof: unknown;
  entry: unknown;
}): Result<{ index: number; treeSize: number; origin: string; kind: string }, VerifyFailure> {
  const checkpoint = checkpointFrom(input.checkpoint, input.vkey, 'checkpoint');
  if (!checkpoint.ok) return checkpoint;
  const proof = input.proof as {
    index?: unknown;
    treeSize?: unknown;
    leafHash?: unknown;
    proof?: unknown;
  } | null;
  if (!proof || typeof proof !== 'object')
    return err('bad_proof', 'the inclusion proof is not a JSON object');
  const leafHash = hashFrom(proof.leafHash);
  const path = hashesFrom(proof.proof);
  if (!isSize(proof.index) || !isSize(proof.treeSize) || !leafHash || !path)
    return err(
      'bad_proof',
      'the inclusion proof needs index, treeSize, leafHash (base64) and proof (base64 hashes)',
    );
  if (proof.treeSize !== checkpoint.value.treeSize) {
    return err(
      'size_mismatch',
      `the proof is for tree size ${proof.treeSize} but the checkpoint is of size ${checkpoint.value.treeSize}`,
    );
  }
  const wrapper = input.entry as { index?: unknown; leafHash?: unknown; entry?: unknown } | null;
  if (!wrapper || typeof wrapper !== 'object' || Array.isArray(wrapper))
    return err('bad_entry', 'the entry is not a JSON object');
  const isWrapped = 'entry' in wrapper && typeof wrapper.entry === 'object' && wrapper.entry !== null;
  const entry = (isWrapped ? wrapper.entry : wrapper) as LedgerEntry & { salt?: unknown; kind?: unknown };
  if (typeof entry.salt !== 'string' || typeof entry.kind !== 'string')
    return err('bad_entry', 'the entry has no salt or kind (ask for the entry with its salt)');
  if (isWrapped && wrapper.index !== undefined && wrapper.index !== proof.index)
    return err(
      'bad_entry',
      `the entry is at index ${String(wrapper.index)} but the proof is for index ${proof.index}`,
    );
  let computed: Buffer;
  try {
    computed = leafHashOfEntry(entry);
  } catch (error) {
    return err('bad_entry', `the entry cannot be canonicalised: ${(error as Error).message}`);
  }
  if (!computed.equals(leafHash))
    return err(
      'leaf_mismatch',
      'SHA-256(0x00 || canonical JSON of the entry) differs from the proof’s leaf hash: the entry was altered',
    );
  const verified = verifyInclusion(proof.index, proof.treeSize, leafHash, path, checkpoint.value.rootHash);
  if (!verified.ok)
    return err(
      'proof_invalid',
      `the inclusion proof does not lead to the checkpoint’s root (${verified.reason})`,
    );
  return ok({
    index: proof.index,
    treeSize: proof.treeSize,
    origin: checkpoint.value.origin,
    kind: entry.kind,
  });
}

/** Is the new checkpoint an append-only extension of the old one? */
export function verifyConsistencyKit(input: {
  old: string;
  new: string;
  proof: unknown;
  vkey?: string;
}): Result<{ from: number; to: number; origin: string; signaturesChecked: boolean }, VerifyFailure> {
  const older = checkpointFrom(input.old, input.vkey, 'old checkpoint');
  if (!older.ok) return older;
  const newer = checkpointFrom(input.new, input.vkey, 'new checkpoint');
  if (!newer.ok) return newer;
  if (older.value.origin !== newer.value.origin)
    return err(
      'origin_mismatch',
      `the checkpoints are from different logs (${older.value.origin} vs ${newer.value.origin})`,
    );
  const proof = input.proof as { from?: unknown; to?: unknown; proof?: unknown } | null;
  if (!proof || typeof proof !== 'object')
    return err('bad_proof', 'the consistency proof is not a JSON object');
  const path = hashesFrom(proof.proof);
  if (!isSize(proof.from) || !isSize(proof.to) || !path)
    return err('bad_proof', 'the consistency proof needs from, to and proof (base64 hashes)');
  if (proof.from !== older.value.treeSize || proof.to !== newer.value.treeSize) {
    return err(
      'size_mismatch',
      `the proof is from ${proof.from} to ${proof.to} but the checkpoints are of sizes ${older.value.treeSize} and ${newer.value.treeSize}`,
    );
  }
  const verified = verifyConsistency(proof.from, proof.to, older.value.rootHash, newer.value.rootHash, path);
  if (!verified.ok)
    return err(
      'proof_invalid',
      `the new checkpoint does not extend the old one (${verified.reason}): history was rewritten or the proof is wrong`,
    );
  return ok({
    from: proof.from,
    to: proof.to,
    origin: newer.value.origin,
    signaturesChecked: older.value.signed && newer.value.signed,
  });
}

/**
 * Does the statement a funder fetched match the ledger's `statement` entry (issue 16 item 6, ADR
 * 0094)? `statementJson` is the `GET /v1/settlement/statements/:id` answer ({statement, document,
 * …}) or the document alone; its hash is SHA-256 of the RFC 8785 canonical JSON of the document, and
 * the entry commits to that hash, the statement id, the funder, the month and the total. Run with
 * verifyInclusionKit on the same entry, this proves the statement is the one the platform logged.
 */
export function verifyStatementKit(input: {
  statement: unknown;
  entry: unknown;
}): Result<{ statementId: string; period: string; totalFen: number; statementHash: string }, VerifyFailure> {
  const wrapper = input.statement as { document?: unknown } | null;
  if (!wrapper || typeof wrapper !== 'object' || Array.isArray(wrapper))
    return err('bad_statement', 'the statement is not a JSON object');
  const document = (
    'document' in wrapper && typeof wrapper.document === 'object' && wrapper.document !== null
      ? wrapper.document
      : wrapper
  ) as { statementId?: unknown; funderId?: unknown; period?: unknown; totalFen?: unknown; lines?: unknown };
  if (
    typeof document.statementId !== 'string' ||
    typeof document.funderId !== 'string' ||
    typeof document.period !== 'string' ||
    typeof document.totalFen !== 'number' ||
    !Array.isArray(document.lines)
  )
    return err(
      'bad_statement',
      'the statement document needs statementId, funderId, period, totalFen and lines',
    );
  const held = input.entry as { entry?: unknown } | null;
  if (!held || typeof held !== 'object') return err('bad_entry', 'the entry is not a JSON object');
  const entry = (
    'entry' in held && typeof held.entry === 'object' && held.entry !== null ? held.entry : held
  ) as {
    kind?: unknown;
    statementId?: unknown;
    funderId?: unknown;
    period?: unknown;
    statementHash?: unknown;
    totalFen?: unknown;
  };
  if (entry.kind !== 'statement')
    return err('bad_entry', `the entry is a ${String(entry.kind)} entry, not a statement`);
  let hash: string;
  try {
    hash = sha256Hex(canonicalJson(document));
  } catch (error) {
    return err('bad_statement', `the statement cannot be canonicalised: ${(error as Error).message}`);
  }
  const mismatches: string[] = [];
  if (hash !== entry.statementHash) mismatches.push('its hash (the document was altered)');
  if (document.statementId !== entry.statementId) mismatches.push('its statement id');
  if (document.funderId !== entry.funderId) mismatches.push('its funder');
  if (document.period !== entry.period) mismatches.push('its month');
  if (entry.totalFen !== undefined && document.totalFen !== entry.totalFen) mismatches.push('its total');
  if (mismatches.length > 0)
    return err(
      'statement_mismatch',
      `the statement differs from the ledger entry in ${mismatches.join(', ')}`,
    );
  return ok({
    statementId: document.statementId,
    period: document.period,
    totalFen: document.totalFen,
    statementHash: hash,
  });
}
