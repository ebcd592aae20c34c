// C2SP signed-note, tlog-checkpoint and tlog-cosignature formats with Ed25519 (node:crypto).
// Pure apart from the signature primitive; timestamps are inputs.
//   checkpoint body:  <origin>\n<tree size>\n<base64 root hash>\n            (c2sp.org/tlog-checkpoint)
//   signed note:      <body>\n— <key name> <base64(key id(4) || signature)>\n  (c2sp.org/signed-note)
//   key id:           SHA-256(<name> || 0x0A || <type> || public key)[:4]; type 0x01 = Ed25519 note
//                     signature, 0x04 = Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature)
//   verifier key:     <name>+<hex key id>+<base64(type || public key)>
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { assert, err, ok, type Result, sha256 } from '../kernel/index.ts';
import { HASH_BYTES } from './merkle.ts';

export const SIGNATURE_TYPE_ED25519 = 0x01;
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;
const SIGNATURE_LINE_PREFIX = '\u2014 ';
/** Limits on what we parse from outside (signed-note allows at most 100 signatures; we need far fewer). */
export const MAX_NOTE_BYTES = 16 * 1024;
export const MAX_NOTE_SIGNATURES = 100;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  /** what follows the key id: the Ed25519 signature, or timestamp || signature for a cosignature */
  signature: Buffer;
  line: string;
}

export interface VerifierKey {
  name: string;
  keyId: Buffer;
  type: number;
  publicKey: Buffer;
}

export type NoteFailure =
  | 'malformed_note'
  | 'malformed_checkpoint'
  | 'malformed_verifier_key'
  | 'unsupported_key_type'
  | 'key_id_mismatch'
  | 'no_matching_signature'
  | 'bad_signature'
  | 'malformed_cosignature';

/** A valid key name: non-empty, no whitespace, no '+' (signed-note). */
export function isKeyName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && !/[\s+]/u.test(name);
}

export function keyId(name: string, type: number, publicKey: Uint8Array): Buffer {
  return sha256(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([type]), publicKey])).subarray(
    0,
    4,
  );
}

/** An Ed25519 key pair from a 32-byte seed (RFC 8032 private key). */
export function ed25519FromSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: Buffer } {
  assert(seed.length === 32, 'Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: Buffer.from(spki.subarray(spki.length - 32)) };
}

function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  assert(isKeyName(name), `bad key name ${name}`);
  return `${name}+${keyId(name, type, publicKey).toString('hex')}+${Buffer.concat([Buffer.from([type]), publicKey]).toString('base64')}`;
}

export function parseVerifierKey(text: string): Result<VerifierKey, NoteFailure> {
  // The base64 key may itself contain '+': split at the first two only.
  const match = /^([^+\s]+)\+([^+]*)\+(.*)$/su.exec(text.trim());
  if (!match) return err('malformed_verifier_key', 'a verifier key is <name>+<hex key id>+<base64 key>');
  const [, name, hash, key] = match as unknown as [string, string, string, string];
  if (!isKeyName(name) || !/^[0-9a-f]{8}$/.test(hash) || !isBase64(key))
    return err('malformed_verifier_key', 'a verifier key is <name>+<8 hex>+<base64 key>');
  const raw = Buffer.from(key, 'base64');
  if (raw.length !== 33)
    return err('unsupported_key_type', 'only Ed25519 keys (33 bytes with the type) are supported');
  const type = raw[0]!;
  if (type !== SIGNATURE_TYPE_ED25519 && type !== SIGNATURE_TYPE_COSIGNATURE_V1)
    return err('unsupported_key_type', `unsupported key type 0x${type.toString(16)}`);
  const publicKey = raw.subarray(1);
  const expected = keyId(name, type, publicKey);
  if (expected.toString('hex') !== hash)
    return err('key_id_mismatch', 'the key id does not match the name and key');
  return ok({ name, keyId: expected, type, publicKey });
}

export function checkpointBody(checkpoint: Checkpoint): string {
  assert(checkpoint.origin.length > 0 && !checkpoint.origin.includes('\n'), 'origin is one non-empty line');
  assert(checkpoint.rootHash.length === HASH_BYTES, 'root hash is 32 bytes');
  return `${checkpoint.origin}\n${checkpoint.treeSize}\n${checkpoint.rootHash.toString('base64')}\n`;
}

export function parseCheckpointBody(body: string): Result<Checkpoint, NoteFailure> {
  const lines = body.split('\n');
  // origin, size, hash, then optional extension lines; the body ends with a newline.
  if (lines.length < 4 || lines[lines.length - 1] !== '')
    return err('malformed_checkpoint', 'a checkpoint body is origin, size and root hash lines');
  const [origin, size, hash] = lines as [string, string, string];
  if (origin.length === 0) return err('malformed_checkpoint', 'empty origin line');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size)))
    return err('malformed_checkpoint', 'tree size is a decimal without leading zeros');
  if (!isBase64(hash) || Buffer.from(hash, 'base64').length !== HASH_BYTES)
    return err('malformed_checkpoint', 'root hash is base64 of 32 bytes');
  return ok({ origin, treeSize: Number(size), rootHash: Buffer.from(hash, 'base64') });
}

/** Sign a note body with the log key: body, blank line, one signature line. */
export function signNote(body: string, name: string, privateKey: KeyObject, publicKey: Uint8Array): string {
  assert(body.endsWith('\n'), 'a note body ends with a newline');
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  return `${body}\n${signatureLine(name, keyId(name, SIGNATURE_TYPE_ED25519, publicKey), signature)}`;
}

export function signatureLine(name: string, id: Uint8Array, signature: Uint8Array): string {
  return `${SIGNATURE_LINE_PREFIX}${name} ${Buffer.concat([id, signature]).toString('base64')}\n`;
}

export function parseSignatureLine(line: string): Result<NoteSignature, NoteFailure> {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (!text.startsWith(SIGNATURE_LINE_PREFIX))
    return err('malformed_note', 'a signature line starts with "— "');
  const rest = text.slice(SIGNATURE_LINE_PREFIX.length);
  const space = rest.lastIndexOf(' ');
  if (space <= 0) return err('malformed_note', 'a signature line is "— <name> <base64>"');
  const name = rest.slice(0, space);
  const encoded = rest.slice(space + 1);
  if (!isKeyName(name) || !isBase64(encoded)) return err('malformed_note', 'bad signature line');
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length < 5) return err('malformed_note', 'signature too short');
  return ok({ name, keyId: raw.subarray(0, 4), signature: raw.subarray(4), line: `${text}\n` });
}

/** Split a signed note into its body and signature lines (signed-note §Format). */
export function parseNote(text: string): Result<{ body: string; signatures: NoteSignature[] }, NoteFailure> {
  if (Buffer.byteLength(text, 'utf8') > MAX_NOTE_BYTES)
    return err('malformed_note', `a note is at most ${MAX_NOTE_BYTES} bytes`);
  if (!text.endsWith('\n')) return err('malformed_note', 'a note ends with a newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) return err('malformed_note', 'a note has a blank line before its signatures');
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES)
    return err('malformed_note', `at most ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    if (!parsed.ok) return parsed;
    signatures.push(parsed.value);
  }
  if (signatures.length === 0) return err('malformed_note', 'a note has at least one signature');
  return ok({ body, signatures });
}

/** Verify a signed checkpoint against the log's verifier key; returns the parsed checkpoint. */
export function verifyCheckpointNote(
  text: string,
  key: VerifierKey,
): Result<Checkpoint & { body: string; signatures: NoteSignature[] }, NoteFailure> {
  if (key.type !== SIGNATURE_TYPE_ED25519)
    return err('unsupported_key_type', 'the log key must be an Ed25519 note key (type 0x01)');
  const note = parseNote(text);
  if (!note.ok) return note;
  const candidates = note.value.signatures.filter((s) => s.name === key.name && s.keyId.equals(key.keyId));
  if (candidates.length === 0)
    return err('no_matching_signature', `no signature by ${key.name}+${key.keyId.toString('hex')}`);
  const message = Buffer.from(note.value.body, 'utf8');
  const publicKey = ed25519PublicKey(key.publicKey);
  if (!candidates.some((s) => s.signature.length === 64 && verify(null, message, publicKey, s.signature))) {
    return err('bad_signature', 'the checkpoint signature does not verify');
  }
  const checkpoint = parseCheckpointBody(note.value.body);
  if (!checkpoint.ok) return checkpoint;
  return ok({ ...checkpoint.value, body: note.value.body, signatures: note.value.signatures });
}

/** tlog-cosignature: "cosignature/v1\ntime <t>\n" followed by the whole checkpoint body. */
export function cosignatureMessage(body: string, timestampSeconds: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestampSeconds}\n${body}`, 'utf8');
}

export function cosign(
  body: string,
  name: string,
  privateKey: KeyObject,
  publicKey: Uint8Array,
  timestampSeconds: number,
): string {
  assert(
    Number.isSafeInteger(timestampSeconds) && timestampSeconds >= 0,
    'timestamp is a non-negative integer',
  );
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(timestampSeconds));
  const signature = sign(null, cosignatureMessage(body, timestampSeconds), privateKey);
  return signatureLine(
    name,
    keyId(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey),
    Buffer.concat([stamp, signature]),
  );
}

/** Check one cosignature line over a checkpoint body; returns its timestamp. */
export function verifyCosignature(
  line: string,
  body: string,
  key: VerifierKey,
): Result<{ timestampSeconds: number; signature: NoteSignature }, NoteFailure> {
  if (key.type !== SIGNATURE_TYPE_COSIGNATURE_V1)
    return err('unsupported_key_type', 'a cosigner key has type 0x04 (cosignature/v1)');
  const parsed = parseSignatureLine(line);
  if (!parsed.ok) return err('malformed_cosignature', parsed.message);
  const signature = parsed.value;
  if (signature.name !== key.name || !signature.keyId.equals(key.keyId))
    return err('key_id_mismatch', 'the cosignature is not by this key');
  if (signature.signature.length !== 8 + 64)
    return err('malformed_cosignature', 'a cosignature is key id, 8-byte timestamp and 64-byte signature');
  const timestamp = signature.signature.readBigUInt64BE(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER))
    return err('malformed_cosignature', 'timestamp out of range');
  const timestampSeconds = Number(timestamp);
  const ok_ = verify(
    null,
    cosignatureMessage(body, timestampSeconds),
    ed25519PublicKey(key.publicKey),
    signature.signature.subarray(8),
  );
  if (!ok_) return err('bad_signature', 'the cosignature does not verify');
  return ok({ timestampSeconds, signature });
}

function isBase64(text: string): boolean {
  return text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}
