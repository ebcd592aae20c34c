// What the defences cost and what poaching costs, in fen, so a run shows whether the defences pay.
// The estimates are documented in docs/simulation.md ("Economics"); each is a formula of the
// scenario's own parameters, never a constant tuned to a result.
import type { CanaryParams, CustomerParams } from './model.ts';

/** Average days in a month, for turning a run's days into months of budget. */
export const DAYS_PER_MONTH = 30.4375;

/**
 * How many canaries the monthly budget buys for a run of `days`: each costs its recruitment once,
 * its retainer every month and (planning estimate) the interest the platform reimburses on its loans.
 * Integer fen in, a whole number of people out.
 */
export function canaryCountFor(canaries: CanaryParams, days: number): number {
  if (canaries.budgetFenPerMonth <= 0) return 0;
  const months = days / DAYS_PER_MONTH;
  const perCanary =
    canaries.recruitmentFen +
    canaries.monthlyFeeFen * months +
    canaries.expectedInterestFenPerYear * (days / 365);
  if (perCanary <= 0) return 0;
  return Math.floor((canaries.budgetFenPerMonth * months) / perCanary);
}

/** What the canary program actually cost in the run: recruitment, retainers, and the interest on the loans canaries booked. */
export function canaryCostFen(
  canaries: CanaryParams,
  count: number,
  days: number,
  interestFen: number,
): number {
  const months = Math.ceil(days / DAYS_PER_MONTH);
  return count * canaries.recruitmentFen + count * months * canaries.monthlyFeeFen + interestFen;
}

/**
 * Platform loans a poached customer would still have taken (estimate): a customer who repays
 * applies again with probability p = repeatBorrowShare, so the expected number of further loans is
 * p / (1 − p) (geometric); a poached customer comes back anyway with returnAfterPoachShare, so only
 * the rest is lost; an interception also loses the loan being confirmed.
 */
export function lostLoansPerPoaching(params: CustomerParams, interception: boolean): number {
  const p = Math.min(params.repeatBorrowShare, 0.95);
  const further = (p / (1 - p)) * (1 - params.returnAfterPoachShare);
  return (interception ? 1 : 0) + further;
}

/** The lifetime service fees lost to poaching: lost loans × the run's average service fee per platform loan. */
export function poachingLossFen(
  params: CustomerParams,
  byInterception: number,
  byReawakening: number,
  averageFeeFen: number,
): number {
  return Math.round(
    averageFeeFen *
      (byInterception * lostLoansPerPoaching(params, true) +
        byReawakening * lostLoansPerPoaching(params, false)),
  );
}
