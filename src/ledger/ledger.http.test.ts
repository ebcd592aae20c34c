// The ledger API on both engines: exact formats, funder scoping, bad parameters, cosignatures.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/support/engines.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { leafHashOfEntry } from './entry.ts';
import { verifyConsistency, verifyInclusion } from './merkle.ts';
import type { LedgerEntry } from './model.ts';
import {
  cosign,
  formatVerifierKey,
  parseNote,
  parseVerifierKey,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  verifyCheckpointNote,
} from './note.ts';

describe.each(ENGINES)('ledger API on %s', (engine) => {
  let h: Harness;
  let funderA: string;
  let funderB: string;
  let analyst: string;

  beforeAll(async () => {
    h = await createHarness(engine);
    const issue = async (role: 'funder' | 'analyst', funderId?: string) =>
      (
        await h.services.access.issueKey(h.database.db, {
          role,
          label: 't',
          ...(funderId ? { funderId } : {}),
        })
      ).secret;
    funderA = await issue('funder', 'fund-a');
    funderB = await issue('funder', 'fund-b');
    analyst = await issue('analyst');
    await h.database.db.transaction((tx) =>
      h.services.ledger.appendMany(tx, [
        {
          kind: 'exposure',
          funderId: 'fund-a',
          customerId: 'cus_1',
          stage: 'application',
          fields: ['name', 'age'],
          payloadHash: 'ab'.repeat(32),
          consentId: 'cns_1',
        },
        { kind: 'decision', funderId: 'fund-b', applicationId: 'app_1', decision: 'approved' },
        { kind: 'origination', customerId: 'cus_1', applicationId: 'app_1', channel: 'app' },
      ]),
    );
    await h.services.ledger.integrate();
  });
  afterAll(async () => {
    await h?.close();
  });

  const vkeyOf = async () => {
    const response = await h.app.inject({ method: 'GET', url: '/v1/ledger/public-key' });
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const key = parseVerifierKey(response.body);
    if (!key.ok) throw new Error(key.message);
    return { text: response.body.trim(), key: key.value };
  };

  it('serves the verifier key publicly and a signed checkpoint as text/plain', async () => {
    const { text, key } = await vkeyOf();
    expect(text).toMatch(/^shoujia\.local\/ledger\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const response = await h.call('GET', '/v1/ledger/checkpoint');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const checkpoint = verifyCheckpointNote(response.body, key);
    expect(checkpoint).toMatchObject({ ok: true, value: { origin: 'shoujia.local/ledger', treeSize: 3 } });
    expect((await h.call('GET', '/v1/ledger/checkpoint', undefined, { key: null })).status).toBe(401);
  });

  it('serves inclusion and consistency proofs that verify against the checkpoint', async () => {
    const { key } = await vkeyOf();
    const checkpoint = verifyCheckpointNote((await h.call('GET', '/v1/ledger/checkpoint')).body, key);
    if (!checkpoint.ok) throw new Error(checkpoint.message);
    const inclusion = await h.call('GET', '/v1/ledger/proofs/inclusion?index=1&treeSize=3', undefined, {
      key: funderB,
    });
    expect(inclusion.status).toBe(200);
    expect(Object.keys(inclusion.body)).toEqual(['index', 'treeSize', 'leafHash', 'proof']);
    const b = (s: string) => Buffer.from(s, 'base64');
    expect(
      verifyInclusion(
        1,
        3,
        b(inclusion.body.leafHash),
        inclusion.body.proof.map(b),
        checkpoint.value.rootHash,
      ),
    ).toEqual({ ok: true });
    const entry = await h.call('GET', '/v1/ledger/entries/1', undefined, { key: funderB });
    expect(entry.status).toBe(200);
    expect(Object.keys(entry.body)).toEqual(['index', 'leafHash', 'entry']);
    expect(entry.body.entry).toMatchObject({ kind: 'decision', funderId: 'fund-b', decision: 'approved' });
    // The funder recomputes the leaf from the body and salt it was given.
    expect(leafHashOfEntry(entry.body.entry as LedgerEntry).toString('base64')).toBe(inclusion.body.leafHash);
    const consistency = await h.call('GET', '/v1/ledger/proofs/consistency?from=1&to=3');
    expect(Object.keys(consistency.body)).toEqual(['from', 'to', 'proof']);
    const first = await h.call('GET', '/v1/ledger/proofs/inclusion?index=0&treeSize=1');
    expect(
      verifyConsistency(
        1,
        3,
        b(first.body.leafHash),
        checkpoint.value.rootHash,
        consistency.body.proof.map(b),
      ),
    ).toEqual({ ok: true });
  });

  it('shows a funder only entries about itself; admin and analyst see all', async () => {
    expect((await h.call('GET', '/v1/ledger/entries/0', undefined, { key: funderA })).status).toBe(200);
    const other = await h.call('GET', '/v1/ledger/entries/1', undefined, { key: funderA });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('ledger_entry_not_found');
    expect((await h.call('GET', '/v1/ledger/entries/2', undefined, { key: funderA })).status).toBe(404);
    expect((await h.call('GET', '/v1/ledger/entries/2', undefined, { key: analyst })).body.entry.kind).toBe(
      'origination',
    );
    expect((await h.call('GET', '/v1/ledger/entries/2')).status).toBe(200);
    // Absent and hidden answer alike.
    const absent = await h.call('GET', '/v1/ledger/entries/99', undefined, { key: funderA });
    expect([absent.status, absent.body.error.code]).toEqual([other.status, other.body.error.code]);
  });

  it('answers bad parameters with 400 and a code', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/ledger/proofs/inclusion?index=3&treeSize=3', 'ledger_index_out_of_range'],
      ['/v1/ledger/proofs/inclusion?index=0&treeSize=4', 'ledger_size_out_of_range'],
      ['/v1/ledger/proofs/inclusion?index=0&treeSize=0', 'ledger_size_out_of_range'],
      ['/v1/ledger/proofs/inclusion?index=-1&treeSize=3', 'invalid_request'],
      ['/v1/ledger/proofs/inclusion?index=abc&treeSize=3', 'invalid_request'],
      ['/v1/ledger/proofs/inclusion?index=1.5&treeSize=3', 'invalid_request'],
      ['/v1/ledger/proofs/inclusion?treeSize=3', 'invalid_request'],
      ['/v1/ledger/proofs/consistency?from=3&to=2', 'ledger_from_after_to'],
      ['/v1/ledger/proofs/consistency?from=1&to=9', 'ledger_size_out_of_range'],
      ['/v1/ledger/proofs/consistency?from=x&to=2', 'invalid_request'],
      ['/v1/ledger/entries/nope', 'invalid_request'],
      ['/v1/ledger/entries/-4', 'invalid_request'],
    ];
    for (const [url, code] of cases) {
      const response = await h.call('GET', url);
      expect([url, response.status, response.body.error?.code]).toEqual([url, 400, code]);
    }
  });

  it('stores a valid funder cosignature and serves it with the checkpoint; refuses malformed or forged ones', async () => {
    const note = (await h.call('GET', '/v1/ledger/checkpoint')).body as string;
    const parsed = parseNote(note);
    if (!parsed.ok) throw new Error(parsed.message);
    const pair = generateKeyPairSync('ed25519');
    const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const name = 'fund-a.example/witness';
    const verifierKey = formatVerifierKey(name, SIGNATURE_TYPE_COSIGNATURE_V1, raw);
    const now = Math.floor(h.clock.now().getTime() / 1000);
    const line = cosign(parsed.value.body, name, pair.privateKey, raw, now);

    const forged = cosign(parsed.value.body.replace('\n3\n', '\n4\n'), name, pair.privateKey, raw, now);
    const bad = [
      { treeSize: 3, verifierKey, cosignature: forged },
      { treeSize: 3, verifierKey, cosignature: '— fund-a.example/witness not-base64!' },
      { treeSize: 3, verifierKey: 'garbage', cosignature: line },
      { treeSize: 3, verifierKey: formatVerifierKey(name, 0x01, raw), cosignature: line },
      {
        treeSize: 3,
        verifierKey,
        cosignature: cosign(parsed.value.body, name, pair.privateKey, raw, now + 3600),
      },
      { treeSize: 2, verifierKey, cosignature: line },
    ];
    for (const body of bad) {
      const response = await h.call('POST', '/v1/ledger/cosignatures', body, { key: funderA });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await h.call('GET', '/v1/ledger/checkpoint')).body).toBe(note);
    expect(
      (
        await h.call(
          'POST',
          '/v1/ledger/cosignatures',
          { treeSize: 3, verifierKey, cosignature: line, extra: 1 },
          { key: funderA },
        )
      ).status,
    ).toBe(400);
    expect(
      (await h.call('POST', '/v1/ledger/cosignatures', { treeSize: 3, verifierKey, cosignature: line }))
        .status,
    ).toBe(403);

    const accepted = await h.call(
      'POST',
      '/v1/ledger/cosignatures',
      { treeSize: 3, verifierKey, cosignature: line },
      { key: funderA },
    );
    expect(accepted).toMatchObject({ status: 201, body: { treeSize: 3, timestamp: now } });
    const served = (await h.call('GET', '/v1/ledger/checkpoint')).body as string;
    expect(served).toBe(`${note}${line}`);
    // The log's own signature still verifies with the cosignature appended.
    const { key } = await vkeyOf();
    expect(verifyCheckpointNote(served, key).ok).toBe(true);
    // Another key for the same funder is refused; the same cosignature again is accepted once.
    const otherPair = generateKeyPairSync('ed25519');
    const otherRaw = otherPair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const otherKey = formatVerifierKey(name, SIGNATURE_TYPE_COSIGNATURE_V1, otherRaw);
    const mismatch = await h.call(
      'POST',
      '/v1/ledger/cosignatures',
      {
        treeSize: 3,
        verifierKey: otherKey,
        cosignature: cosign(parsed.value.body, name, otherPair.privateKey, otherRaw, now),
      },
      { key: funderA },
    );
    expect(mismatch.body.error.code).toBe('ledger_cosigner_key_mismatch');
    expect(
      (
        await h.call(
          'POST',
          '/v1/ledger/cosignatures',
          { treeSize: 3, verifierKey, cosignature: line },
          { key: funderA },
        )
      ).status,
    ).toBe(201);
    expect((await h.call('GET', '/v1/ledger/checkpoint')).body).toBe(`${note}${line}`);
  });
});
