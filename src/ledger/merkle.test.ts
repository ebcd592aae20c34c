// The tree math against the RFC: published vectors, the recursive reference model, and proofs
// (genuine and tampered) over random sizes. fast-check prints the seed of a failing run.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../kernel/index.ts';
import {
  consistencyRanges,
  EMPTY_ROOT,
  extendTree,
  frontier,
  hashChildren,
  inclusionRanges,
  nodeKey,
  nodesForRanges,
  proofFromNodes,
  rangeNodes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';
import { referenceConsistency, referenceInclusion, referenceRoot } from './merkle.reference.ts';

const leaf = (data: Uint8Array): Buffer => sha256(Buffer.concat([Buffer.from([0]), data]));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => Buffer.from(h, 'hex');

// Pedigree: the Certificate Transparency reference vectors (RFC 6962 tree, the same hashing as
// RFC 9162 §2.1), from certificate-transparency's merkle_tree_test / Go verifier tests: eight
// leaves, the root of every prefix, and published inclusion and consistency proofs.
const CT_DATA = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const CT_LEAVES = CT_DATA.map(leaf);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CT_CONSISTENCY = [
  {
    from: 1,
    to: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    from: 6,
    to: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    from: 2,
    to: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

/** A whole tree built the way the integrator builds it: batches appended to a stored node map. */
function buildStored(
  leaves: readonly Buffer[],
  batchSizes: readonly number[],
): { nodes: Map<string, Buffer>; roots: Map<number, Buffer> } {
  const nodes = new Map<string, Buffer>();
  const roots = new Map<number, Buffer>([[0, EMPTY_ROOT]]);
  let size = 0;
  let batch = 0;
  while (size < leaves.length) {
    const take = Math.max(1, Math.min(batchSizes[batch++ % batchSizes.length] ?? 1, leaves.length - size));
    const front = new Map(frontier(size).map((id) => [nodeKey(id), nodes.get(nodeKey(id))!]));
    const extended = extendTree(size, front, leaves.slice(size, size + take));
    for (const n of extended.nodes) {
      expect(nodes.has(nodeKey(n)), `node ${nodeKey(n)} computed twice`).toBe(false);
      nodes.set(nodeKey(n), n.hash);
    }
    size = extended.treeSize;
    roots.set(size, extended.rootHash);
  }
  return { nodes, roots };
}

const randomLeaves = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => leaf(Buffer.from(`${seed}:${i}`)));

describe('RFC 9162 tree math', () => {
  it('matches the CT reference roots for every prefix of the eight vector leaves', () => {
    for (let n = 0; n <= 8; n++) expect(hex(referenceRoot(CT_LEAVES.slice(0, n)))).toBe(CT_ROOTS[n]);
    const { roots } = buildStored(CT_LEAVES, [1]);
    for (let n = 1; n <= 8; n++) expect(hex(roots.get(n)!)).toBe(CT_ROOTS[n]);
  });

  it('produces and accepts the published inclusion and consistency proofs', () => {
    const { nodes } = buildStored(CT_LEAVES, [3]);
    for (const v of CT_INCLUSION) {
      const proof = proofFromNodes(inclusionRanges(v.index, v.size), nodes);
      expect(proof.map(hex)).toEqual(v.proof);
      expect(verifyInclusion(v.index, v.size, CT_LEAVES[v.index]!, proof, unhex(CT_ROOTS[v.size]!))).toEqual({
        ok: true,
      });
    }
    for (const v of CT_CONSISTENCY) {
      const proof = proofFromNodes(consistencyRanges(v.from, v.to), nodes);
      expect(proof.map(hex)).toEqual(v.proof);
      expect(
        verifyConsistency(v.from, v.to, unhex(CT_ROOTS[v.from]!), unhex(CT_ROOTS[v.to]!), proof),
      ).toEqual({ ok: true });
    }
  });

  it('stores each complete subtree once, whatever the batch sizes, and agrees with the recursive MTH', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 6 }),
        fc.integer(),
        (n, batches, seed) => {
          const leaves = randomLeaves(n, seed);
          const { nodes, roots } = buildStored(leaves, batches);
          for (const [size, root] of roots) expect(hex(root)).toBe(hex(referenceRoot(leaves.slice(0, size))));
          // Every stored node is the MTH of its aligned range; every complete subtree is stored.
          let expected = 0;
          for (let level = 0; 2 ** level <= n; level++) expected += Math.floor(n / 2 ** level);
          expect(nodes.size).toBe(expected);
          for (const [key, hash] of nodes) {
            const [level, index] = key.split(':').map(Number) as [number, number];
            expect(hex(hash)).toBe(
              hex(referenceRoot(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level))),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('inclusion proofs from stored nodes equal the reference PATH and verify; any tampering fails', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 400 })
          .chain((size) =>
            fc.tuple(
              fc.constant(size),
              fc.integer({ min: 0, max: size - 1 }),
              fc.integer({ min: 0, max: 1_000 }),
            ),
          ),
        fc.integer(),
        ([size, index, tamperPick], seed) => {
          const leaves = randomLeaves(size, seed);
          const { nodes, roots } = buildStored(leaves, [7, 1, 33]);
          const root = referenceRoot(leaves);
          if (roots.has(size)) expect(hex(roots.get(size)!)).toBe(hex(root));
          const ranges = inclusionRanges(index, size);
          expect(nodesForRanges(ranges).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size + 1)) + 2);
          const proof = proofFromNodes(ranges, nodes);
          expect(proof.map(hex)).toEqual(referenceInclusion(index, leaves).map(hex));
          expect(verifyInclusion(index, size, leaves[index]!, proof, root)).toEqual({ ok: true });
          // Tampering: wrong leaf, wrong index, flipped proof byte, dropped or extra element. (The tree
          // size is bound by the signed checkpoint, not the proof: the left edge verifies for sizes
          // with the same shape, as RFC 9162 intends.)
          expect(verifyInclusion(index, size, sha256('other'), proof, root).ok).toBe(false);
          if (size > 1)
            expect(verifyInclusion((index + 1) % size, size, leaves[index]!, proof, root).ok).toBe(false);
          if (proof.length > 0) {
            const flipped = proof.map((p) => Buffer.from(p));
            const which = tamperPick % flipped.length;
            flipped[which]![tamperPick % 32]! ^= 1 << (tamperPick % 8);
            expect(verifyInclusion(index, size, leaves[index]!, flipped, root).ok).toBe(false);
            expect(verifyInclusion(index, size, leaves[index]!, proof.slice(0, -1), root).ok).toBe(false);
          }
          expect(verifyInclusion(index, size, leaves[index]!, [...proof, sha256('x')], root).ok).toBe(false);
          expect(verifyInclusion(size, size, leaves[index]!, proof, root)).toEqual({
            ok: false,
            reason: 'index_out_of_range',
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('consistency proofs from stored nodes equal the reference SUBPROOF and verify; any tampering fails', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 400 })
          .chain((to) =>
            fc.tuple(fc.integer({ min: 1, max: to }), fc.constant(to), fc.integer({ min: 0, max: 1_000 })),
          ),
        fc.integer(),
        ([from, to, tamperPick], seed) => {
          const leaves = randomLeaves(to, seed);
          const { nodes } = buildStored(leaves, [5, 64]);
          const oldRoot = referenceRoot(leaves.slice(0, from));
          const newRoot = referenceRoot(leaves);
          const proof = proofFromNodes(consistencyRanges(from, to), nodes);
          expect(proof.map(hex)).toEqual(referenceConsistency(from, leaves).map(hex));
          expect(verifyConsistency(from, to, oldRoot, newRoot, proof)).toEqual({ ok: true });
          expect(verifyConsistency(from, to, sha256('forged old'), newRoot, proof).ok).toBe(false);
          expect(verifyConsistency(from, to, oldRoot, sha256('forged new'), proof).ok).toBe(false);
          if (proof.length > 0) {
            const flipped = proof.map((p) => Buffer.from(p));
            flipped[tamperPick % flipped.length]![tamperPick % 32]! ^= 1;
            expect(verifyConsistency(from, to, oldRoot, newRoot, flipped).ok).toBe(false);
            expect(verifyConsistency(from, to, oldRoot, newRoot, proof.slice(1)).ok).toBe(false);
          }
          expect(verifyConsistency(from, to, oldRoot, newRoot, [...proof, sha256('extra')]).ok).toBe(false);
          // A forked history (one leaf changed before `from`) cannot be shown consistent.
          const forked = leaves.map((l, i) => (i === tamperPick % from ? sha256('fork') : l));
          expect(verifyConsistency(from, to, referenceRoot(forked.slice(0, from)), newRoot, proof).ok).toBe(
            false,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('decomposes ranges into aligned complete subtrees and refuses ranges the RFC never forms', () => {
    expect(rangeNodes(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(rangeNodes(8, 12)).toEqual([{ level: 2, index: 2 }]);
    expect(() => rangeNodes(1, 5)).toThrow(/not an RFC 9162 subtree/);
    expect(hex(hashChildren(CT_LEAVES[0]!, CT_LEAVES[1]!))).toBe(CT_ROOTS[2]);
  });

  it('handles the edges: empty and equal trees, from = 0', () => {
    expect(consistencyRanges(0, 5)).toEqual([]);
    expect(consistencyRanges(5, 5)).toEqual([]);
    const root = unhex(CT_ROOTS[5]!);
    expect(verifyConsistency(5, 5, root, root, [])).toEqual({ ok: true });
    expect(verifyConsistency(5, 5, root, unhex(CT_ROOTS[6]!), []).ok).toBe(false);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, root, [])).toEqual({ ok: true });
    expect(verifyConsistency(3, 5, unhex(CT_ROOTS[3]!), root, [])).toEqual({
      ok: false,
      reason: 'proof_too_short',
    });
    expect(verifyConsistency(6, 5, root, root, []).ok).toBe(false);
    expect(verifyInclusion(0, 1, CT_LEAVES[0]!, [], unhex(CT_ROOTS[1]!))).toEqual({ ok: true });
  });
});
