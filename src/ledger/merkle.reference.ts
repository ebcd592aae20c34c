// The reference model for tests and the audit's cross-check: RFC 9162 §2.1 written as the RFC
// writes it (recursive MTH, PATH and SUBPROOF over the full list of leaf hashes). Slow and
// obviously correct; the stored, batched tree must agree with it (STYLE §9).
import { hashChildren } from './merkle.ts';
import { EMPTY_ROOT, splitPoint } from './merkle.ts';

/** §2.1.1: MTH(D[n]) over leaf hashes (the leaves are already SHA-256(0x00 || d)). */
export function referenceRoot(leaves: readonly Buffer[]): Buffer {
  const n = leaves.length;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[0]!;
  const k = splitPoint(n);
  return hashChildren(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** §2.1.3.1: PATH(m, D[n]). */
export function referenceInclusion(m: number, leaves: readonly Buffer[]): Buffer[] {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...referenceInclusion(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))];
  return [...referenceInclusion(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

/** §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function referenceConsistency(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (m === 0 || m === leaves.length) return [];
  return subproof(m, leaves, true);
}

function subproof(m: number, leaves: readonly Buffer[], complete: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [referenceRoot(leaves)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), complete), referenceRoot(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}
