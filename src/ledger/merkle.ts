// RFC 9162 §2.1 Merkle tree math over stored complete subtrees. Pure: which nodes a proof needs,
// how to fold them, how a batch of leaves extends the tree, and the §2.1.3.2 / §2.1.4.2 verifiers.
//
// Storage model: node (level, index) is MTH of the aligned, complete range
// [index·2^level, (index+1)·2^level). Every range the RFC recursion produces is a run of such nodes
// (left to right, strictly decreasing in size), so any proof element costs O(log n) node reads and
// a whole proof is one batched read.
import { assert, sha256 } from '../kernel/index.ts';

export const HASH_BYTES = 32;
/** Sizes and indexes stay exact as JS numbers. */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

const NODE_PREFIX = Buffer.from([0x01]);

export interface NodeId {
  level: number;
  index: number;
}

export interface StoredNode extends NodeId {
  hash: Buffer;
}

/** A range [start, end) of leaves, as the RFC recursion names subtrees. */
export type LeafRange = readonly [start: number, end: number];

export const nodeKey = (id: NodeId): string => `${id.level}:${id.index}`;

/** RFC 9162 §2.1.1: interior node = SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

/** MTH({}) = SHA-256() of the empty string. */
export const EMPTY_ROOT = sha256(Buffer.alloc(0));

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

function log2Exact(n: number): number {
  const level = Math.round(Math.log2(n));
  assert(2 ** level === n, `${n} is not a power of two`);
  return level;
}

/** The largest power of two strictly smaller than n (n ≥ 2): the RFC's split point k. */
export function splitPoint(n: number): number {
  assert(Number.isSafeInteger(n) && n >= 2, `split point needs n >= 2, got ${n}`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The complete subtrees whose right fold is MTH(D[start:end]), left to right. */
export function rangeNodes(start: number, end: number): NodeId[] {
  assert(
    Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end > start,
    `bad range [${start}, ${end})`,
  );
  const nodes: NodeId[] = [];
  let from = start;
  while (from < end) {
    const size = end - from;
    const width = isPowerOfTwo(size) ? size : splitPoint(size);
    assert(from % width === 0, `range [${start}, ${end}) is not an RFC 9162 subtree`);
    nodes.push({ level: log2Exact(width), index: from / width });
    from += width;
  }
  return nodes;
}

/** MTH of a range from its complete subtrees: H(n0, H(n1, … H(n_{k-2}, n_{k-1}))). */
export function foldRange(hashes: Buffer[]): Buffer {
  assert(hashes.length > 0, 'cannot fold an empty range');
  let accumulator = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) accumulator = hashChildren(hashes[i]!, accumulator);
  return accumulator;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[0:n]): the ranges whose hashes form the inclusion proof, leaf upward. */
export function inclusionRanges(index: number, treeSize: number): LeafRange[] {
  assert(
    Number.isSafeInteger(index) && Number.isSafeInteger(treeSize) && index >= 0 && index < treeSize,
    'index must be in [0, treeSize)',
  );
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index - start < k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
    }
  }
  return ranges.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) via SUBPROOF(m, D[n], true): ranges of the consistency proof. */
export function consistencyRanges(from: number, to: number): LeafRange[] {
  assert(
    Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && from <= to,
    'need 0 <= from <= to',
  );
  if (from === 0 || from === to) return [];
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = to;
  let m = from;
  let complete = true; // SUBPROOF's b: true while the old tree is a left subtree we know the hash of
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      ranges.push([start + k, end]);
      end = start + k;
    } else {
      ranges.push([start, start + k]);
      start += k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) ranges.push([start, end]);
  return ranges.reverse();
}

/** Every node an inclusion or consistency proof needs, deduplicated, for one batched read. */
export function nodesForRanges(ranges: readonly LeafRange[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const [start, end] of ranges) for (const id of rangeNodes(start, end)) seen.set(nodeKey(id), id);
  return [...seen.values()];
}

/** Fold each range from a node lookup (missing nodes are a broken invariant). */
export function proofFromNodes(ranges: readonly LeafRange[], nodes: ReadonlyMap<string, Buffer>): Buffer[] {
  return ranges.map(([start, end]) =>
    foldRange(
      rangeNodes(start, end).map((id) => {
        const hash = nodes.get(nodeKey(id));
        assert(hash, `ledger node ${nodeKey(id)} missing for range [${start}, ${end})`);
        return hash;
      }),
    ),
  );
}

/** The right-edge complete subtrees of a tree of this size: all an append needs from the old tree. */
export function frontier(treeSize: number): NodeId[] {
  return treeSize === 0 ? [] : rangeNodes(0, treeSize);
}

/**
 * Append leaves to a tree of `oldSize` whose frontier nodes are given: the new complete subtrees
 * (to store) and the new root. Every node that becomes complete is computed exactly once.
 */
export function extendTree(
  oldSize: number,
  frontierNodes: ReadonlyMap<string, Buffer>,
  leafHashes: readonly Buffer[],
): { treeSize: number; rootHash: Buffer; nodes: StoredNode[] } {
  const treeSize = oldSize + leafHashes.length;
  assert(Number.isSafeInteger(treeSize), 'tree size overflow');
  const created = new Map<string, Buffer>();
  const nodes: StoredNode[] = [];
  const lookup = (id: NodeId): Buffer => {
    const hash = created.get(nodeKey(id)) ?? frontierNodes.get(nodeKey(id));
    assert(hash, `node ${nodeKey(id)} neither new nor on the old frontier`);
    return hash;
  };
  leafHashes.forEach((hash, i) => {
    assert(hash.length === HASH_BYTES, 'leaf hashes are 32 bytes');
    const id = { level: 0, index: oldSize + i };
    created.set(nodeKey(id), hash);
    nodes.push({ ...id, hash });
  });
  for (let level = 1, width = 2; width <= treeSize; level++, width *= 2) {
    // Nodes at this level that were incomplete at oldSize and are complete at treeSize.
    for (let index = Math.floor(oldSize / width); (index + 1) * width <= treeSize; index++) {
      const hash = hashChildren(
        lookup({ level: level - 1, index: 2 * index }),
        lookup({ level: level - 1, index: 2 * index + 1 }),
      );
      created.set(nodeKey({ level, index }), hash);
      nodes.push({ level, index, hash });
    }
  }
  const rootHash = treeSize === 0 ? EMPTY_ROOT : foldRange(frontier(treeSize).map(lookup));
  return { treeSize, rootHash, nodes };
}

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

export type ProofFailure =
  | 'index_out_of_range'
  | 'proof_too_long'
  | 'proof_too_short'
  | 'root_mismatch'
  | 'bad_hash_length'
  | 'old_root_mismatch';

/** RFC 9162 §2.1.3.2: does `proof` show `leafHash` at `index` in the tree with `rootHash`? */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  rootHash: Uint8Array,
): { ok: true } | { ok: false; reason: ProofFailure } {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(treeSize) && index >= 0 && index < treeSize))
    return { ok: false, reason: 'index_out_of_range' };
  if (
    leafHash.length !== HASH_BYTES ||
    rootHash.length !== HASH_BYTES ||
    proof.some((p) => p.length !== HASH_BYTES)
  )
    return { ok: false, reason: 'bad_hash_length' };
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return { ok: false, reason: 'proof_too_long' };
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return { ok: false, reason: 'proof_too_short' };
  return Buffer.from(rootHash).equals(r) ? { ok: true } : { ok: false, reason: 'root_mismatch' };
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (from, oldRoot) is a prefix of (to, newRoot)? */
export function verifyConsistency(
  from: number,
  to: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): { ok: true } | { ok: false; reason: ProofFailure } {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && from <= to))
    return { ok: false, reason: 'index_out_of_range' };
  if (
    oldRoot.length !== HASH_BYTES ||
    newRoot.length !== HASH_BYTES ||
    proof.some((p) => p.length !== HASH_BYTES)
  )
    return { ok: false, reason: 'bad_hash_length' };
  if (from === to) {
    if (proof.length > 0) return { ok: false, reason: 'proof_too_long' };
    return Buffer.from(oldRoot).equals(Buffer.from(newRoot))
      ? { ok: true }
      : { ok: false, reason: 'root_mismatch' };
  }
  if (from === 0) return proof.length === 0 ? { ok: true } : { ok: false, reason: 'proof_too_long' };
  if (proof.length === 0) return { ok: false, reason: 'proof_too_short' };
  const path = isPowerOfTwo(from) ? [oldRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return { ok: false, reason: 'proof_too_long' };
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return { ok: false, reason: 'proof_too_short' };
  if (!Buffer.from(oldRoot).equals(fr)) return { ok: false, reason: 'old_root_mismatch' };
  return Buffer.from(newRoot).equals(sr) ? { ok: true } : { ok: false, reason: 'root_mismatch' };
}
