// Customer rotation (客户轮换机制): no funder may build a stable pool of the platform's best
// customers. Two levers, both deterministic: (1) a repeat borrower goes to a different funder
// than last time unless the last funder is cheaper for the borrower by a configured margin, and
// (2) each funder's monthly exposure budget for the top score bands, scaled by its trust (see
// eligibility.ts exposureBudget). Ties between equal offers are broken by a seeded hash.

/**
 * Whether the last funder's products step aside for this application. They do when another
 * funder has an eligible offer and the last funder's best annual cost is not lower than the
 * other funders' best by at least the margin. With no alternative the borrower keeps the offer:
 * rotation must never deny credit that is otherwise available.
 */
export function deferLastFunder(
  bestLastAnnual: number,
  bestOtherAnnual: number,
  marginAnnual: number,
): boolean {
  if (!Number.isFinite(bestLastAnnual) || !Number.isFinite(bestOtherAnnual)) return false;
  // The tiny epsilon keeps a margin of exactly 0.01 from failing on binary representation error.
  return !(bestLastAnnual <= bestOtherAnnual - marginAnnual + 1e-12);
}

/** A 32-bit mix of the seed and a product's position: a reproducible, uniform tie-break order. */
export function tieBreak(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a of a string, for deriving a decision's seed from its application id. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
