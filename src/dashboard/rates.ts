// The funders' rates and their leave-one-out peers (ADR 0101). Pure: counts in, fractions out.
//   approval      = approved decisions / (approved + declined decisions)
//   confirmation  = approvals confirmed by the borrower / approvals offered to the borrower
//   abandonment   = approvals abandoned or expired / approvals offered to the borrower
//   repeat        = first-time borrowers who booked again through the platform / first-time borrowers
// A peer rate pools every other funder's numerator and denominator (never an average of rates), so
// a funder's own counts never move its own yardstick. A zero denominator is null, never 0 or NaN.
import type { FunderCounts, Rates } from './model.ts';

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

export function ratesOf(c: FunderCounts): Rates {
  return {
    approvalRate: ratio(c.approvedDecisions, c.approvedDecisions + c.declinedDecisions),
    confirmationRate: ratio(c.confirmed, c.approved),
    abandonmentRate: ratio(c.abandoned, c.approved),
    repeatBorrowingRate: ratio(c.repeatBorrowers, c.firstBorrowers),
  };
}

export const ZERO_COUNTS: FunderCounts = {
  exposures: 0,
  approvedDecisions: 0,
  declinedDecisions: 0,
  approved: 0,
  confirmed: 0,
  abandoned: 0,
  firstBorrowers: 0,
  repeatBorrowers: 0,
};

const KEYS = Object.keys(ZERO_COUNTS) as Array<keyof FunderCounts>;

/** Each funder's rates and its peers' (every other funder pooled), in the order given. */
export function ratesWithPeers(
  counts: ReadonlyMap<string, FunderCounts>,
): Map<string, { own: Rates; peer: Rates }> {
  const total = { ...ZERO_COUNTS };
  for (const c of counts.values()) for (const key of KEYS) total[key] += c[key];
  const out = new Map<string, { own: Rates; peer: Rates }>();
  for (const [funderId, c] of counts) {
    const others = { ...ZERO_COUNTS };
    for (const key of KEYS) others[key] = total[key] - c[key];
    out.set(funderId, { own: ratesOf(c), peer: ratesOf(others) });
  }
  return out;
}
