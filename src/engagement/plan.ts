// The financing plan (融资规划, issue 15 item 5): from the borrower's income and current loans, the
// debt-service ratio, each loan's true annual cost, and concrete suggestions — repay the most
// expensive first (avalanche), or consolidate into a cheaper product the borrower is eligible for
// now. Pure: every figure comes from pricing's functions (IRR, schedule, quote, the cap) and every
// offer from routing's decide() on the real catalogue, never from a copy of either (ADR 0083).
import { assert, type Fen, MAX_FEN } from '../kernel/index.ts';
import {
  type Apr,
  aprOf,
  offerCostRefusal,
  quote,
  solvePeriodRate,
  TERM_MONTHS_MAX,
  UNSOLVABLE,
  withinCap,
} from '../pricing/index.ts';
import type { RepaymentMethod } from '../pricing/model.ts';
import { decide, type EligibilityContext, type RoutingTable } from '../routing/index.ts';

/** Loans the borrower may add by hand (STYLE §8). */
export const MANUAL_LOANS_MAX = 10;
/** Loans a plan considers in all (platform and hand-added): bounds the groups tried for consolidation. */
export const PLAN_LOANS_MAX = 30;
/** Consolidation terms tried per group: the shortest distinct terms the catalogue's products offer. */
export const CONSOLIDATION_TERMS_MAX = 12;
/** Consolidation suggestions shown, best saving first. */
export const CONSOLIDATION_SUGGESTIONS_MAX = 3;
/** The prepayment the avalanche suggestion is priced for when the borrower names none: ¥1,000. */
export const DEFAULT_PREPAYMENT_FEN = 100_000;
/**
 * A true annual cost at or above 100% (nominal) cannot be re-priced by pricing's schedule (rates are
 * in [0, 1)); such a hand-added loan is refused with a code rather than shown with a wrong figure.
 */
export const COST_ANNUAL_LIMIT = 1;

/** One loan as the plan sees it: what is still owed and what is still to be paid. */
export interface PlanLoan {
  /** the booked loan's id, or `manual-<n>` for a loan the borrower added */
  id: string;
  source: 'platform' | 'manual';
  /** the funder's id (platform) or the lender's name as the borrower typed it */
  lender: string;
  principalOutstandingFen: Fen;
  /** the installments still to pay, the next one first (its length is the remaining term) */
  remainingPaymentsFen: readonly Fen[];
  /** the annual rate the contract states (platform) or the borrower says (manual); shown, not used */
  statedRateAnnual: number;
}

/** A loan typed in by the borrower (the API body); validated by `manualLoan`. */
export interface ManualLoanInput {
  lender: string;
  principalOutstandingFen: Fen;
  rateAnnual: number;
  remainingTermMonths: number;
  monthlyPaymentFen: Fen;
}

export type PlanErrorCode =
  | 'plan_too_many_loans'
  | 'plan_loan_invalid'
  | 'plan_loan_payments_below_principal'
  | 'plan_loan_cost_too_high';

export type PlanResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: PlanErrorCode; message: string; field: string };

const fail = (code: PlanErrorCode, message: string, field: string): PlanResult<never> => ({
  ok: false,
  code,
  message,
  field,
});

const isWholeFen = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= MAX_FEN;

/** A hand-added loan as a PlanLoan: level payments for the remaining term. */
export function manualLoan(input: ManualLoanInput, index: number): PlanResult<PlanLoan> {
  const field = `loans.${index}`;
  if (!isWholeFen(input.principalOutstandingFen, 1))
    return fail(
      'plan_loan_invalid',
      'outstanding principal must be whole fen ≥ 1',
      `${field}.principalOutstandingFen`,
    );
  if (
    !Number.isInteger(input.remainingTermMonths) ||
    input.remainingTermMonths < 1 ||
    input.remainingTermMonths > TERM_MONTHS_MAX
  )
    return fail(
      'plan_loan_invalid',
      `remaining term must be whole months within 1..${TERM_MONTHS_MAX}`,
      `${field}.remainingTermMonths`,
    );
  if (!isWholeFen(input.monthlyPaymentFen, 1))
    return fail('plan_loan_invalid', 'monthly payment must be whole fen ≥ 1', `${field}.monthlyPaymentFen`);
  if (
    !(
      typeof input.rateAnnual === 'number' &&
      Number.isFinite(input.rateAnnual) &&
      input.rateAnnual >= 0 &&
      input.rateAnnual < 10
    )
  )
    return fail('plan_loan_invalid', 'the stated annual rate must be within [0, 10)', `${field}.rateAnnual`);
  const total = input.monthlyPaymentFen * input.remainingTermMonths;
  if (total > MAX_FEN)
    return fail('plan_loan_invalid', `payments together exceed ${MAX_FEN} fen`, `${field}.monthlyPaymentFen`);
  if (total < input.principalOutstandingFen)
    return fail(
      'plan_loan_payments_below_principal',
      `${input.remainingTermMonths} payments of ${input.monthlyPaymentFen} fen do not repay ${input.principalOutstandingFen} fen`,
      `${field}.monthlyPaymentFen`,
    );
  return {
    ok: true,
    value: {
      id: `manual-${index + 1}`,
      source: 'manual',
      lender: input.lender,
      principalOutstandingFen: input.principalOutstandingFen,
      remainingPaymentsFen: new Array<number>(input.remainingTermMonths).fill(input.monthlyPaymentFen),
      statedRateAnnual: input.rateAnnual,
    },
  };
}

export interface CostedLoan {
  id: string;
  source: PlanLoan['source'];
  lender: string;
  principalOutstandingFen: Fen;
  remainingTermMonths: number;
  nextPaymentFen: Fen;
  /** Σ remaining payments − outstanding principal: interest and fees still to pay */
  remainingCostFen: Fen;
  statedRateAnnual: number;
  /** pricing's IRR of the remaining cash flows: outstanding principal now against every payment left */
  trueCost: Apr;
}

/** A loan's place in the request: hand-added loans by their index in `loans`, others by the plan's. */
function fieldOf(loan: PlanLoan, index: number): string {
  return loan.source === 'manual'
    ? `loans.${Number(loan.id.slice('manual-'.length)) - 1}`
    : `platformLoans.${index}`;
}

/** The true annual cost of what is left of a loan, by pricing's IRR solver. */
export function costLoan(loan: PlanLoan, index: number): PlanResult<CostedLoan> {
  const n = loan.remainingPaymentsFen.length;
  assert(n >= 1 && n <= TERM_MONTHS_MAX, 'a plan loan has 1..360 payments left');
  const payments = new Float64Array(n + 1);
  let total = 0;
  for (let t = 1; t <= n; t++) {
    const payment = loan.remainingPaymentsFen[t - 1]!;
    assert(Number.isSafeInteger(payment) && payment >= 0, 'payments are whole fen');
    payments[t] = payment;
    total += payment;
  }
  if (total < loan.principalOutstandingFen)
    return fail(
      'plan_loan_payments_below_principal',
      'the payments left do not repay the principal',
      `loans.${index}`,
    );
  const periodRate = solvePeriodRate(payments, n, loan.principalOutstandingFen);
  const trueCost = periodRate === UNSOLVABLE ? null : aprOf(periodRate);
  if (trueCost === null || !(trueCost.nominal < COST_ANNUAL_LIMIT))
    return fail(
      'plan_loan_cost_too_high',
      'the payments put the annual cost at or above 100%: check the figures',
      `${fieldOf(loan, index)}.monthlyPaymentFen`,
    );
  return {
    ok: true,
    value: {
      id: loan.id,
      source: loan.source,
      lender: loan.lender,
      principalOutstandingFen: loan.principalOutstandingFen,
      remainingTermMonths: n,
      nextPaymentFen: loan.remainingPaymentsFen[0]!,
      remainingCostFen: total - loan.principalOutstandingFen,
      statedRateAnnual: loan.statedRateAnnual,
      trueCost,
    },
  };
}

/**
 * The interest a prepayment saves on a loan, by pricing's schedule: the rest of the loan re-priced
 * as an equal-installment loan over the remaining term at its true period rate, before and after
 * the prepayment. Paying it all off saves exactly the cost still to pay.
 */
export function prepaymentSavingFen(loan: CostedLoan, prepaymentFen: Fen): Fen {
  assert(Number.isSafeInteger(prepaymentFen) && prepaymentFen >= 1, 'a prepayment is whole fen ≥ 1');
  if (prepaymentFen >= loan.principalOutstandingFen) return loan.remainingCostFen;
  const rateAnnual = loan.trueCost.periodRate * 12;
  const interestOn = (principalFen: Fen): Fen => {
    const priced = quote(
      {
        principalFen,
        termMonths: loan.remainingTermMonths,
        rateAnnual,
        method: 'equal-installment',
        fees: [],
      },
      { schedule: false },
    );
    assert(priced.ok, `pricing refused a re-priced loan: ${priced.ok ? '' : priced.message}`);
    return priced.value.totals.interestFen;
  };
  return interestOn(loan.principalOutstandingFen) - interestOn(loan.principalOutstandingFen - prepaymentFen);
}

export interface AvalancheSuggestion {
  kind: 'repay-most-expensive-first';
  loanId: string;
  lender: string;
  trueCost: Apr;
  /** the prepayment priced (the borrower's, or DEFAULT_PREPAYMENT_FEN), at most the outstanding principal */
  prepaymentFen: Fen;
  interestSavedFen: Fen;
  /** every loan, most expensive first: where spare money goes, in order */
  order: string[];
}

export interface ConsolidationSuggestion {
  kind: 'consolidate';
  loanIds: string[];
  productId: string;
  funderId: string;
  amountFen: Fen;
  termMonths: number;
  rateAnnual: number;
  method: RepaymentMethod;
  apr: Apr;
  /** the new loan's first installment, from pricing's schedule */
  monthlyPaymentFen: Fen;
  /** what the replaced loans still cost: Σ their remaining payments − Σ their outstanding principal */
  currentCostFen: Fen;
  /** what the new loan costs: pricing's total interest plus every fee */
  newCostFen: Fen;
  /** currentCostFen − newCostFen, > 0 */
  savingFen: Fen;
}

export interface FinancingPlan {
  monthlyIncomeFen: Fen;
  /** the next installment of every loan, added up */
  monthlyPaymentsFen: Fen;
  /** monthlyPaymentsFen / monthlyIncomeFen; null without an income */
  debtServiceRatio: number | null;
  loans: CostedLoan[];
  avalanche: AvalancheSuggestion | null;
  consolidations: ConsolidationSuggestion[];
  /** true when no product the borrower is eligible for now costs less: the plan says so plainly */
  nothingCheaper: boolean;
  /** false: no routing decision to start from, so no product was asked (the plan says so) */
  eligibilityKnown: boolean;
}

export type { EligibilityContext } from '../routing/index.ts';

export interface PlanInput {
  monthlyIncomeFen: Fen;
  loans: readonly PlanLoan[];
  /** the prepayment the avalanche suggestion prices; absent: DEFAULT_PREPAYMENT_FEN */
  prepaymentFen?: Fen | undefined;
}

/** The distinct terms of the table's active products, shortest first, at most CONSOLIDATION_TERMS_MAX. */
function catalogueTerms(table: RoutingTable, longest: number): number[] {
  const terms = new Set<number>();
  for (const { product } of table.products)
    for (const term of product.termsMonths) if (term <= longest) terms.add(term);
  return [...terms].sort((a, b) => a - b).slice(0, CONSOLIDATION_TERMS_MAX);
}

/** The best consolidation of `group` that routing offers now and pricing says saves money, or null. */
function consolidate(
  group: readonly CostedLoan[],
  context: EligibilityContext,
): ConsolidationSuggestion | null {
  const { table } = context;
  let amountFen = 0;
  let currentCostFen = 0;
  let longest = 0;
  for (const loan of group) {
    amountFen += loan.principalOutstandingFen;
    currentCostFen += loan.remainingCostFen;
    longest = Math.max(longest, loan.remainingTermMonths);
  }
  if (currentCostFen <= 0 || amountFen > MAX_FEN) return null;
  let best: ConsolidationSuggestion | null = null;
  // Never a longer term than the longest loan replaced: a plan does not stretch the debt out.
  for (const termMonths of catalogueTerms(table, longest)) {
    const decision = decide(table, {
      applicant: { ...context.applicant, amountFen, termMonths },
      funderStates: context.funderStates,
      lastFunderId: context.lastFunderId,
      seed: context.seed,
    });
    for (const offer of decision.offers) {
      const compiled = table.products.find((p) => p.product.id === offer.productId);
      assert(compiled, `offer for a product outside the table: ${offer.productId}`);
      const funder = table.funders[compiled.funderIndex]!.funder;
      const priced = quote({
        principalFen: amountFen,
        termMonths,
        rateAnnual: offer.rateAnnual,
        method: offer.method,
        fees: compiled.product.fees,
        cap: table.capPolicy.cap,
      });
      if (!priced.ok) continue;
      // decide() already applied the cap; the plan asks pricing's one rule again on its own figures.
      if (!withinCap(priced.value.apr, table.capPolicy.cap)) continue;
      if (offerCostRefusal(priced.value.apr, table.capPolicy, funder.maxPenaltyRateAnnual) !== null) continue;
      const newCostFen = priced.value.totals.interestFen + priced.value.totals.feeFen;
      const savingFen = currentCostFen - newCostFen;
      if (savingFen <= 0) continue;
      if (best !== null && savingFen <= best.savingFen) continue;
      best = {
        kind: 'consolidate',
        loanIds: group.map((loan) => loan.id),
        productId: offer.productId,
        funderId: offer.funderId,
        amountFen,
        termMonths,
        rateAnnual: offer.rateAnnual,
        method: offer.method,
        apr: priced.value.apr,
        monthlyPaymentFen: priced.value.schedule[0]!.paymentFen,
        currentCostFen,
        newCostFen,
        savingFen,
      };
    }
  }
  return best;
}

/** Order loans most expensive first; ties by the larger cost still to pay, then by id. */
function byCostDescending(a: CostedLoan, b: CostedLoan): number {
  return (
    b.trueCost.periodRate - a.trueCost.periodRate ||
    b.remainingCostFen - a.remainingCostFen ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * The plan. `context` null: routing has never decided for this borrower, so nothing is known of
 * what they are eligible for and no consolidation is suggested (`eligibilityKnown` false).
 */
export function planFinancing(
  input: PlanInput,
  context: EligibilityContext | null,
): PlanResult<FinancingPlan> {
  if (input.loans.length > PLAN_LOANS_MAX)
    return fail('plan_too_many_loans', `a plan takes at most ${PLAN_LOANS_MAX} loans`, 'loans');
  assert(isWholeFen(input.monthlyIncomeFen, 0), 'income is whole fen ≥ 0');
  const loans: CostedLoan[] = [];
  for (let i = 0; i < input.loans.length; i++) {
    const costed = costLoan(input.loans[i]!, i);
    if (!costed.ok) return costed;
    loans.push(costed.value);
  }
  loans.sort(byCostDescending);
  let monthlyPaymentsFen = 0;
  for (const loan of loans) monthlyPaymentsFen += loan.nextPaymentFen;

  let avalanche: AvalancheSuggestion | null = null;
  const dearest = loans[0];
  if (dearest !== undefined && dearest.remainingCostFen > 0) {
    const prepaymentFen = Math.min(
      input.prepaymentFen ?? DEFAULT_PREPAYMENT_FEN,
      dearest.principalOutstandingFen,
    );
    const interestSavedFen = prepaymentSavingFen(dearest, prepaymentFen);
    if (interestSavedFen > 0)
      avalanche = {
        kind: 'repay-most-expensive-first',
        loanId: dearest.id,
        lender: dearest.lender,
        trueCost: dearest.trueCost,
        prepaymentFen,
        interestSavedFen,
        order: loans.map((loan) => loan.id),
      };
  }

  // Groups: each loan alone, and all of them together; the best saving of each, no group twice.
  const groups: CostedLoan[][] = loans.map((loan) => [loan]);
  if (loans.length > 1) groups.push(loans);
  const consolidations = groups
    .map((group) => (context === null ? null : consolidate(group, context)))
    .filter((s): s is ConsolidationSuggestion => s !== null)
    .sort((a, b) => b.savingFen - a.savingFen || a.loanIds.length - b.loanIds.length)
    .slice(0, CONSOLIDATION_SUGGESTIONS_MAX);

  return {
    ok: true,
    value: {
      monthlyIncomeFen: input.monthlyIncomeFen,
      monthlyPaymentsFen,
      debtServiceRatio: input.monthlyIncomeFen > 0 ? monthlyPaymentsFen / input.monthlyIncomeFen : null,
      loans,
      avalanche,
      consolidations,
      nothingCheaper: consolidations.length === 0,
      eligibilityKnown: context !== null,
    },
  };
}
