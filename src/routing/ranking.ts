// Ranking: borrower value first (the lowest comprehensive annual cost, then the larger amount the
// product can lend), adjusted by configurable weights for the platform's service fee and the
// funder's approval likelihood. The adjustment is capped (maxAdjustmentAnnual) so economics can
// reorder near-equal offers but never put a clearly dearer loan ahead of a cheaper one.
import type { Fen } from '../kernel/index.ts';
import type { RoutingConfig } from './model.ts';

export function rankingCostAnnual(
  aprNominal: number,
  serviceFeeFen: Fen,
  amountFen: Fen,
  approvalLikelihood: number,
  weights: RoutingConfig['ranking'],
): number {
  const feeShare = amountFen > 0 ? serviceFeeFen / amountFen : 0;
  const raw = weights.serviceFeeWeight * feeShare + weights.approvalWeight * approvalLikelihood;
  const adjustment = Math.max(-weights.maxAdjustmentAnnual, Math.min(weights.maxAdjustmentAnnual, raw));
  return aprNominal - adjustment;
}

export interface RankKey {
  cost: number;
  maxAmountFen: Fen;
  tie: number;
}

/** Lower cost first; then the larger amount; then the seeded tie-break. A total order. */
export function compareRankKeys(a: RankKey, b: RankKey): number {
  if (a.cost !== b.cost) return a.cost - b.cost;
  if (a.maxAmountFen !== b.maxAmountFen) return b.maxAmountFen - a.maxAmountFen;
  return a.tie - b.tie;
}
