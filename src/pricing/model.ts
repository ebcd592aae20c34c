// Pricing types: what a quote takes and what it answers. Money is integer fen; rates are fractions
// (0.18 = 18% a year). The period is one month and the period rate is rateAnnual / 12.
import type { FeeLine, RepaymentMethod } from '../catalog/model.ts';
import type { Fen } from '../kernel/index.ts';

export type { FeeLine, RepaymentMethod } from '../catalog/model.ts';
export { REPAYMENT_METHODS } from '../catalog/model.ts';

/** Which figure a cap applies to: the displayed nominal (period IRR × 12) or the compounded effective one. */
export const CAP_BASES = ['nominal', 'effective'] as const;
export type CapBasis = (typeof CAP_BASES)[number];

// The cap itself (the 24% legal line, the default cap, the judicial ceiling) lives in cap.ts.

export const TERM_MONTHS_MAX = 360;
/** At most this many fee lines per quote (STYLE §8). */
export const FEE_LINES_MAX = 20;

export interface Cap {
  rate: number;
  basis: CapBasis;
}

export interface QuoteInput {
  principalFen: Fen;
  termMonths: number;
  rateAnnual: number;
  method: RepaymentMethod;
  fees: readonly FeeLine[];
  cap?: Cap;
}

export interface QuoteOptions {
  /** false: skip building the schedule lines (routing needs only the APR); default true */
  schedule?: boolean;
}

export interface ScheduleLine {
  period: number;
  principalFen: Fen;
  interestFen: Fen;
  feeFen: Fen;
  paymentFen: Fen;
  /** principal still owed after this period's payment */
  balanceFen: Fen;
}

export interface QuoteTotals {
  principalFen: Fen;
  interestFen: Fen;
  /** every fee, upfront ones included (so paymentFen − disbursedFen = interestFen + feeFen) */
  feeFen: Fen;
  /** what the borrower pays over the schedule (upfront fees are not in it: they never reach the borrower) */
  paymentFen: Fen;
  /** principal minus upfront fees: what reaches the borrower at t0 */
  disbursedFen: Fen;
}

export interface Apr {
  /** the monthly IRR of the borrower's cash flows */
  periodRate: number;
  /** periodRate × 12: the figure platforms display (综合年化成本) */
  nominal: number;
  /** (1 + periodRate)^12 − 1 */
  effective: number;
}

export interface CapCheck {
  cap: number;
  basis: CapBasis;
  ok: boolean;
}

export interface Quote {
  /** empty when the quote was made with { schedule: false } */
  schedule: ScheduleLine[];
  totals: QuoteTotals;
  apr: Apr;
  capCheck: CapCheck;
  /** the loan the quote is for, echoed for disclosures */
  loan: { principalFen: Fen; termMonths: number; rateAnnual: number; method: RepaymentMethod };
}

/** Expected rejections of the pricing core, in order of precedence (STYLE §1). */
export type PricingErrorCode =
  | 'quote_invalid'
  | 'cap_invalid'
  | 'cap_above_legal_maximum'
  | 'cap_above_configured'
  | 'fees_exceed_principal'
  | 'apr_unsolvable'
  | 'apr_exceeds_cap'
  | 'judicial_ceiling_exceeded';

export const METHOD_LABELS_ZH: Record<RepaymentMethod, string> = {
  'equal-installment': '等额本息',
  'equal-principal': '等额本金',
  'interest-first': '先息后本',
  bullet: '一次性还本付息',
};
