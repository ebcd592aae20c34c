// RFC 9497 OPRF (ristretto255-SHA512, base mode) against the RFC's own test vectors and against
// @noble/curves' independent implementation (the reference model, STYLE §9).
//
// Golden data: RFC 9497 Appendix A.1.1 "ristretto255-SHA512, OPRF Mode", test vectors 1 and 2
// (Seed = a3…a3, KeyInfo = "test key"). Exact byte equality, no tolerance.
import { randomBytes } from 'node:crypto';
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blind,
  blindEvaluate,
  evaluate,
  expandMessageXmdSha512,
  finalize,
  isValidElement,
  isValidScalar,
  scalarFromRandom,
} from './oprf.ts';

const hex = (text: string) => Buffer.from(text, 'hex');
const SEED = hex('a3'.repeat(32));
const KEY_INFO = hex('74657374206b6579');
const SK = hex('5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e');
const VECTORS = [
  {
    input: hex('00'),
    blind: hex('64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706'),
    blinded: hex('609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c'),
    evaluated: hex('7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e'),
    output: hex(
      '527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6',
    ),
  },
  {
    input: hex('5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a'),
    blind: hex('64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706'),
    blinded: hex('da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418'),
    evaluated: hex('b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25'),
    output: hex(
      'f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73',
    ),
  },
];

const bytes = (u: Uint8Array) => Buffer.from(u).toString('hex');

describe('RFC 9497 test vectors (A.1.1, ristretto255-SHA512, OPRF mode)', () => {
  it('the reference (@noble/curves) derives the vectors’ key', () => {
    expect(bytes(ristretto255_oprf.oprf.deriveKeyPair(SEED, KEY_INFO).secretKey)).toBe(bytes(SK));
  });

  it.each(VECTORS.map((v, i) => [i + 1, v] as const))(
    'vector %i: blind, evaluate, finalize, evaluate directly',
    (_n, v) => {
      expect(bytes(blind(v.input, v.blind))).toBe(bytes(v.blinded));
      const evaluated = blindEvaluate(SK, v.blinded);
      expect(evaluated.ok && bytes(evaluated.value)).toBe(bytes(v.evaluated));
      const output = finalize(v.input, v.blind, v.evaluated);
      expect(output.ok && bytes(output.value)).toBe(bytes(v.output));
      expect(bytes(evaluate(SK, v.input))).toBe(bytes(v.output));
      // and the reference agrees with the RFC
      expect(bytes(ristretto255_oprf.oprf.blindEvaluate(SK, v.blinded))).toBe(bytes(v.evaluated));
      expect(bytes(ristretto255_oprf.oprf.finalize(v.input, v.blind, v.evaluated))).toBe(bytes(v.output));
    },
  );
});

describe('against the reference implementation (property)', () => {
  it('expand_message_xmd matches noble for any message and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 400 }), (message, length) => {
        const dst = Buffer.from('QUUX-V01-CS02-with-expander-SHA512-256');
        expect(bytes(expandMessageXmdSha512(message, dst, length))).toBe(
          bytes(expand_message_xmd(message, dst, length, sha512)),
        );
      }),
    );
  });

  it('our blinded round trip, our direct evaluate and noble’s round trip give one output', () => {
    const key = ristretto255_oprf.oprf.generateKeyPair().secretKey;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (input, random) => {
          const r = scalarFromRandom(random);
          const evaluated = blindEvaluate(key, blind(input, r));
          expect(evaluated.ok).toBe(true);
          const output = evaluated.ok ? finalize(input, r, evaluated.value) : undefined;
          // noble's own blinded round trip, with its own blind
          const nobleBlind = ristretto255_oprf.oprf.blind(input);
          const nobleEvaluated = ristretto255_oprf.oprf.blindEvaluate(key, nobleBlind.blinded);
          const nobleOutput = bytes(ristretto255_oprf.oprf.finalize(input, nobleBlind.blind, nobleEvaluated));
          expect(output?.ok && bytes(output.value)).toBe(nobleOutput);
          expect(bytes(evaluate(key, input))).toBe(nobleOutput);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('hostile elements', () => {
  it('refuses the identity, non-canonical encodings and off-curve bytes, never throwing', () => {
    const key = scalarFromRandom(randomBytes(64));
    expect(blindEvaluate(key, new Uint8Array(32))).toMatchObject({ ok: false, code: 'oprf_point_invalid' });
    expect(blindEvaluate(key, new Uint8Array(31))).toMatchObject({ ok: false });
    expect(blindEvaluate(key, Buffer.alloc(32, 0xff))).toMatchObject({ ok: false });
    // random 32-byte strings are almost never valid ristretto encodings; none may crash the server
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (junk) => {
        const result = blindEvaluate(key, junk);
        if (result.ok) expect(isValidElement(junk)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts only canonical non-zero scalars as keys and blinds', () => {
    expect(isValidScalar(SK)).toBe(true);
    expect(isValidScalar(new Uint8Array(32))).toBe(false);
    expect(isValidScalar(Buffer.alloc(32, 0xff))).toBe(false);
  });

  it('the blinded element carries nothing of the input: two blinds of one phone are unrelated', () => {
    const phone = Buffer.from('phone:13812345678');
    const a = blind(phone, scalarFromRandom(randomBytes(64)));
    const b = blind(phone, scalarFromRandom(randomBytes(64)));
    expect(bytes(a)).not.toBe(bytes(b));
    expect(Buffer.from(a).includes(phone)).toBe(false);
  });
});
