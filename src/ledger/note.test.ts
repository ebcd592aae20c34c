// Signed-note, checkpoint and cosignature formats against published known answers (Ed25519 is
// deterministic, so signing the same text with the same key must reproduce the published note).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../kernel/index.ts';
import {
  checkpointBody,
  cosign,
  ed25519FromSeed,
  formatVerifierKey,
  parseCheckpointBody,
  parseNote,
  parseVerifierKey,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  signNote,
  verifyCheckpointNote,
  verifyCosignature,
} from './note.ts';

// Pedigree: golang.org/x/mod/sumdb/note package documentation (the PeterNeumann example): the
// signer key, its verifier key and the signed note it produces.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_NOTE = `${PETER_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
// Pedigree: transparency-dev/formats note/note_cosigv1_test.go, a cosignature/v1 (type 0x04) key.
const COSIGNER_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
// Same source: a type 0x01 key whose base64 contains a '+'.
const PLUS_VKEY = 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6';

// The signer key's base64 contains a '+': take everything after the fourth separator.
const peterSeed = Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);

describe('signed notes (c2sp.org/signed-note)', () => {
  it('derives the published verifier key and reproduces the published signature', () => {
    const { privateKey, publicKey } = ed25519FromSeed(peterSeed);
    expect(formatVerifierKey('PeterNeumann', SIGNATURE_TYPE_ED25519, publicKey)).toBe(PETER_VKEY);
    expect(signNote(PETER_TEXT, 'PeterNeumann', privateKey, publicKey)).toBe(PETER_NOTE);
    const key = parseVerifierKey(PETER_VKEY);
    expect(key.ok && key.value.keyId.toString('hex')).toBe('c74f20a3');
  });

  it('parses a cosignature/v1 key from another implementation (key id over type 0x04)', () => {
    const key = parseVerifierKey(COSIGNER_VKEY);
    expect(key.ok && key.value.type).toBe(SIGNATURE_TYPE_COSIGNATURE_V1);
    expect(parseVerifierKey(PLUS_VKEY)).toMatchObject({
      ok: true,
      value: { name: 'TEST', type: SIGNATURE_TYPE_ED25519 },
    });
  });

  it('refuses mangled verifier keys', () => {
    expect(
      parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toMatchObject({ ok: false, code: 'key_id_mismatch' });
    expect(parseVerifierKey('PeterNeumann+c74f20a3')).toMatchObject({
      ok: false,
      code: 'malformed_verifier_key',
    });
    expect(parseVerifierKey('Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW').ok).toBe(
      false,
    );
    expect(parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq').ok).toBe(false);
  });
});

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  const { privateKey, publicKey } = ed25519FromSeed(randomBytes(32));
  const name = 'shoujia.local/ledger';
  const vkey = parseVerifierKey(formatVerifierKey(name, SIGNATURE_TYPE_ED25519, publicKey));
  if (!vkey.ok) throw new Error('vkey');
  const body = checkpointBody({ origin: name, treeSize: 20852163, rootHash: sha256('root') });

  it('writes origin, decimal size and base64 root, each on its own line', () => {
    expect(body).toBe(`shoujia.local/ledger\n20852163\n${sha256('root').toString('base64')}\n`);
    expect(parseCheckpointBody(body)).toMatchObject({
      ok: true,
      value: { origin: name, treeSize: 20852163 },
    });
    expect(parseCheckpointBody('o\n012\nAAAA\n').ok).toBe(false);
    expect(parseCheckpointBody('o\n12\n').ok).toBe(false);
  });

  it('verifies our own signature and rejects a changed body, another key, or a stripped signature', () => {
    const note = signNote(body, name, privateKey, publicKey);
    expect(note).toMatch(
      /^shoujia\.local\/ledger\n20852163\n[A-Za-z0-9+/]{43}=\n\n— shoujia\.local\/ledger [A-Za-z0-9+/]{91}=\n$/,
    );
    expect(verifyCheckpointNote(note, vkey.value)).toMatchObject({ ok: true, value: { treeSize: 20852163 } });
    expect(verifyCheckpointNote(note.replace('20852163', '20852164'), vkey.value)).toMatchObject({
      ok: false,
      code: 'bad_signature',
    });
    const other = ed25519FromSeed(randomBytes(32));
    const otherKey = parseVerifierKey(formatVerifierKey(name, SIGNATURE_TYPE_ED25519, other.publicKey));
    expect(otherKey.ok && verifyCheckpointNote(note, otherKey.value)).toMatchObject({
      ok: false,
      code: 'no_matching_signature',
    });
    expect(verifyCheckpointNote(body, vkey.value).ok).toBe(false);
    expect(parseNote(`${body}\n— bad\n`).ok).toBe(false);
  });

  it('verifies tlog-cosignatures over the checkpoint body and rejects forged ones', () => {
    const pair = generateKeyPairSync('ed25519');
    const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const cosignerName = 'bank.example/witness';
    const key = parseVerifierKey(formatVerifierKey(cosignerName, SIGNATURE_TYPE_COSIGNATURE_V1, raw));
    if (!key.ok) throw new Error('key');
    const line = cosign(body, cosignerName, pair.privateKey, raw, 1_772_330_400);
    const verified = verifyCosignature(line, body, key.value);
    expect(verified).toMatchObject({ ok: true, value: { timestampSeconds: 1_772_330_400 } });
    expect(verifyCosignature(line, body.replace('20852163', '1'), key.value)).toMatchObject({
      ok: false,
      code: 'bad_signature',
    });
    expect(verifyCosignature('— bank.example/witness AAAA\n', body, key.value).ok).toBe(false);
    // A cosignature is not a note signature: the type byte in the key id keeps them apart.
    const asNoteKey = parseVerifierKey(formatVerifierKey(cosignerName, SIGNATURE_TYPE_ED25519, raw));
    expect(asNoteKey.ok && verifyCosignature(line, body, asNoteKey.value).ok).toBe(false);
  });
});
