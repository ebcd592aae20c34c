// The dashboard verifies ledger proofs in the browser with the funder kit's own code (ADR 0099):
// src/ledger/verify.ts bundled by Vite with node:crypto aliased to @noble/hashes + @noble/curves and
// a Uint8Array Buffer. This runs that very bundle in a bare JavaScript realm (node:vm: no Buffer, no
// require, no node:crypto) and checks it reaches the same verdict as Node on each vector, valid and
// tampered: the browser back end can neither accept what Node refuses nor refuse what Node accepts.
import { createContext, runInContext } from 'node:vm';
import { build, type Rolldown } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitEntry } from '../../src/ledger/entry.ts';
import {
  referenceConsistency,
  referenceInclusion,
  referenceRoot,
} from '../../src/ledger/merkle.reference.ts';
import type { LedgerEntryInput } from '../../src/ledger/model.ts';
import {
  checkpointBody,
  ed25519FromSeed,
  formatVerifierKey,
  SIGNATURE_TYPE_ED25519,
  signNote,
} from '../../src/ledger/note.ts';
import { verifyConsistencyKit, verifyInclusionKit } from '../../src/ledger/verify.ts';
import { BROWSER_ALIASES, BROWSER_TARGET, WEB_ROOT } from '../../web/vite.config.ts';

type Kit = {
  verifyInclusionKit: typeof verifyInclusionKit;
  verifyConsistencyKit: typeof verifyConsistencyKit;
};

/** Vite's production bundle of web/src/verify.ts, as one script exposing `ShoujiaVerify`. */
async function browserBundle(): Promise<string> {
  const result = (await build({
    configFile: false,
    root: WEB_ROOT,
    logLevel: 'silent',
    resolve: { alias: BROWSER_ALIASES },
    build: {
      write: false,
      target: BROWSER_TARGET,
      minify: true,
      lib: { entry: 'src/verify.ts', formats: ['iife'], name: 'ShoujiaVerify', fileName: 'verify' },
    },
  })) as Rolldown.RolldownOutput[] | Rolldown.RolldownOutput;
  const outputs = Array.isArray(result) ? result : [result];
  const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
  if (chunk?.type !== 'chunk') throw new Error('no bundle');
  return chunk.code;
}

/** A realm with what every browser has and nothing of Node's. */
function browserRealm(code: string): (name: keyof Kit, input: string) => string {
  const realm = createContext({
    TextEncoder,
    TextDecoder,
    crypto: { getRandomValues: (a: Uint8Array) => a },
  });
  runInContext(code, realm);
  expect(runInContext('typeof Buffer === "function" && typeof require', realm)).toBe('undefined');
  return (name, input) =>
    runInContext(
      `JSON.stringify(ShoujiaVerify.${name}(JSON.parse(${JSON.stringify(input)})))`,
      realm,
    ) as string;
}

const exposure = (i: number): LedgerEntryInput => ({
  kind: 'exposure',
  funderId: i % 2 ? 'fund-b' : 'fund-a',
  customerId: `cus_${i}`,
  stage: 'application',
  fields: ['name', 'age', 'city'],
  payloadHash: 'cd'.repeat(32),
  consentId: `cns_${i}`,
});

const SEED = new Uint8Array(32).fill(7);
const OTHER_SEED = new Uint8Array(32).fill(9);
const ORIGIN = 'shoujia.test/ledger';

function vectors() {
  const at = new Date('2026-03-01T02:00:00Z');
  const committed = Array.from({ length: 7 }, (_, i) =>
    commitEntry(exposure(i), at, new Uint8Array(16).fill(i)),
  );
  const leaves = committed.map((c) => c.leafHash);
  const key = ed25519FromSeed(SEED);
  const other = ed25519FromSeed(OTHER_SEED);
  const vkey = formatVerifierKey(ORIGIN, SIGNATURE_TYPE_ED25519, key.publicKey);
  const otherVkey = formatVerifierKey(ORIGIN, SIGNATURE_TYPE_ED25519, other.publicKey);
  const checkpointOf = (size: number, signer = key) =>
    signNote(
      checkpointBody({ origin: ORIGIN, treeSize: size, rootHash: referenceRoot(leaves.slice(0, size)) }),
      ORIGIN,
      signer.privateKey,
      signer.publicKey,
    );
  const cp5 = checkpointOf(5);
  const cp7 = checkpointOf(7);
  const b64 = (b: Buffer) => b.toString('base64');
  const proofOf = (index: number, size: number) => ({
    index,
    treeSize: size,
    leafHash: b64(leaves[index]!),
    proof: referenceInclusion(index, leaves.slice(0, size)).map(b64),
  });
  const wrapped = (index: number) => ({
    index,
    leafHash: b64(leaves[index]!),
    entry: committed[index]!.entry,
  });
  const flip = (text: string) => `${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`;
  const good = { checkpoint: cp7, vkey, proof: proofOf(3, 7), entry: wrapped(3) };
  const inclusion: Record<string, unknown> = {
    valid: good,
    'valid, bare entry body': { ...good, entry: committed[3]!.entry },
    'valid, the last leaf': { ...good, proof: proofOf(6, 7), entry: wrapped(6) },
    'entry altered': {
      ...good,
      entry: { ...wrapped(3), entry: { ...committed[3]!.entry, funderId: 'fund-z' } },
    },
    'salt altered': {
      ...good,
      entry: { ...wrapped(3), entry: { ...committed[3]!.entry, salt: b64(Buffer.alloc(16)) } },
    },
    'proof hash altered': {
      ...good,
      proof: { ...good.proof, proof: [flip(good.proof.proof[0]!), ...good.proof.proof.slice(1)] },
    },
    'proof for another index': { ...good, proof: { ...proofOf(2, 7), index: 3 } },
    'proof for another size': { ...good, proof: proofOf(3, 5) },
    'signed by another key': { ...good, checkpoint: checkpointOf(7, other) },
    'another key given': { ...good, vkey: otherVkey },
    // the key id (the first 4 bytes) still matches: only the Ed25519 check can refuse it
    'signature byte altered': {
      ...good,
      checkpoint: cp7.replace(/(\S)(\S=?\n)$/u, (_m, c, rest) => `${c === 'A' ? 'B' : 'A'}${rest}`),
    },
    'checkpoint body altered': { ...good, checkpoint: cp7.replace('\n7\n', '\n8\n') },
    'malformed key': { ...good, vkey: 'not a key' },
    'malformed proof': { ...good, proof: { index: 3, treeSize: 7, leafHash: 'zz', proof: [] } },
    'no salt': { ...good, entry: { kind: 'exposure' } },
  };
  const consistencyProof = { from: 5, to: 7, proof: referenceConsistency(5, leaves.slice(0, 7)).map(b64) };
  const consistency: Record<string, unknown> = {
    valid: { old: cp5, new: cp7, proof: consistencyProof, vkey },
    'valid, unsigned check': { old: cp5, new: cp7, proof: consistencyProof },
    'proof hash altered': {
      old: cp5,
      new: cp7,
      proof: {
        ...consistencyProof,
        proof: [flip(consistencyProof.proof[0]!), ...consistencyProof.proof.slice(1)],
      },
      vkey,
    },
    'history rewritten': {
      old: checkpointOf(5, key).replace(/\n5\n\S+\n/u, `\n5\n${b64(Buffer.alloc(32, 1))}\n`),
      new: cp7,
      proof: consistencyProof,
    },
    'old checkpoint by another key': { old: checkpointOf(5, other), new: cp7, proof: consistencyProof, vkey },
    'sizes swapped': { old: cp7, new: cp5, proof: consistencyProof, vkey },
  };
  return { inclusion, consistency };
}

describe('ledger verification: Node and the browser bundle agree', () => {
  let browser: (name: keyof Kit, input: string) => string;
  const { inclusion, consistency } = vectors();

  beforeAll(async () => {
    browser = browserRealm(await browserBundle());
  }, 120_000);

  const cases = [
    ...Object.entries(inclusion).map(([name, input]) => ['verifyInclusionKit', name, input] as const),
    ...Object.entries(consistency).map(([name, input]) => ['verifyConsistencyKit', name, input] as const),
  ];

  it.each(cases)('%s: %s', (kit, name, input) => {
    const text = JSON.stringify(input);
    const node =
      kit === 'verifyInclusionKit'
        ? verifyInclusionKit(JSON.parse(text))
        : verifyConsistencyKit(JSON.parse(text));
    // the vectors mean what their names say in Node, so agreement is not agreement on nonsense
    expect(node.ok, `${name} in Node: ${JSON.stringify(node)}`).toBe(name.startsWith('valid'));
    expect(JSON.parse(browser(kit, text))).toEqual(JSON.parse(JSON.stringify(node)));
  });
});
