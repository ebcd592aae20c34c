// A quote: validate the loan, build its schedule, solve the comprehensive annual cost by IRR over
// the actual cash flows (net disbursement at t0 against every payment), and check it against the cap.
// Pure: the same input always gives the same quote.
import type { FeeLine } from '../catalog/model.ts';
import { MAX_FEN, type Result, err, ok } from '../kernel/index.ts';
import { checkCap, checkCapRate, DEFAULT_CAP } from './cap.ts';
import { UNSOLVABLE, solvePeriodRate } from './irr.ts';
import {
  type Apr,
  FEE_LINES_MAX,
  type PricingErrorCode,
  type Quote,
  type QuoteInput,
  type QuoteOptions,
  REPAYMENT_METHODS,
  type ScheduleLine,
  TERM_MONTHS_MAX,
} from './model.ts';
import { allocateColumns, fillPayments, fillSchedule } from './schedule.ts';

const columns = allocateColumns();

type Invalid = {
  ok: false;
  code: PricingErrorCode;
  message: string;
  field?: string;
  details?: Record<string, unknown>;
};

const isRate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1;
const isWholeFen = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= MAX_FEN;

function invalid(field: string, message: string): Invalid {
  return err('quote_invalid', message, field);
}

/**
 * The first own key of `fee` that is not one of the fields its kind carries (`kind`, `label` and the
 * two given), or undefined. Anything else is a mistake worth naming, not ignoring. Walks the keys in
 * Object.keys order without copying them into an array: this runs for every fee of every quote.
 */
function extraKey(fee: object, field: string, other: string): string | undefined {
  for (const key in fee) {
    if (key !== 'kind' && key !== field && key !== other && key !== 'label' && Object.hasOwn(fee, key))
      return key;
  }
  return undefined;
}

/** Check a fee list on its own (period bounds need the term). */
export function validateFees(
  fees: readonly FeeLine[],
  termMonths: number,
  fieldPrefix = 'fees',
): Invalid | null {
  if (!Array.isArray(fees)) return invalid(fieldPrefix, 'fees must be a list');
  if (fees.length > FEE_LINES_MAX) return invalid(fieldPrefix, `at most ${FEE_LINES_MAX} fee lines`);
  // Field paths are built only on failure (routing prices ~23 offers a decision).
  for (let i = 0; i < fees.length; i++) {
    const fee = fees[i] as FeeLine | undefined;
    if (typeof fee !== 'object' || fee === null) {
      return invalid(`${fieldPrefix}.${i}`, 'a fee line must be an object');
    }
    let extra: string | undefined;
    switch (fee.kind) {
      case 'upfront':
      case 'monthly':
        extra = extraKey(fee, 'amountFen', 'amountFen');
        if (extra !== undefined) break;
        if (!isWholeFen(fee.amountFen, 0))
          return invalid(`${fieldPrefix}.${i}.amountFen`, 'a fee amount must be whole fen ≥ 0');
        continue;
      case 'monthly-rate':
        extra = extraKey(fee, 'rate', 'rate');
        if (extra !== undefined) break;
        if (!isRate(fee.rate)) return invalid(`${fieldPrefix}.${i}.rate`, 'a fee rate must be in [0, 1)');
        continue;
      case 'once':
        extra = extraKey(fee, 'period', 'amountFen');
        if (extra !== undefined) break;
        if (!isWholeFen(fee.amountFen, 0))
          return invalid(`${fieldPrefix}.${i}.amountFen`, 'a fee amount must be whole fen ≥ 0');
        if (!Number.isInteger(fee.period) || fee.period < 1 || fee.period > termMonths) {
          return invalid(
            `${fieldPrefix}.${i}.period`,
            `a one-off fee's period must be within 1..${termMonths}`,
          );
        }
        continue;
      default:
        return invalid(`${fieldPrefix}.${i}.kind`, 'fee kind must be upfront, monthly, monthly-rate or once');
    }
    return invalid(`${fieldPrefix}.${i}.${extra}`, `a ${fee.kind} fee has no ${extra}`);
  }
  return null;
}

const METHODS: ReadonlySet<unknown> = new Set(REPAYMENT_METHODS);
const CAP_FIELDS = { rate: 'cap.rate', basis: 'cap.basis' };

/** Validate a quote input; the field names match the API body and the messages the CLI shows. */
export function validateQuoteInput(input: QuoteInput): Invalid | null {
  if (!isWholeFen(input.principalFen, 1))
    return invalid('principalFen', `principal must be whole fen within 1..${MAX_FEN}`);
  if (!Number.isInteger(input.termMonths) || input.termMonths < 1 || input.termMonths > TERM_MONTHS_MAX) {
    return invalid('termMonths', `term must be whole months within 1..${TERM_MONTHS_MAX}`);
  }
  if (!isRate(input.rateAnnual)) return invalid('rateAnnual', 'annual rate must be in [0, 1)');
  const method = input.method;
  // Comparisons, not a Set: the method is nearly always one of these very strings (a lookup
  // hashes; an identical string compares at once).
  if (
    method !== 'equal-installment' &&
    method !== 'equal-principal' &&
    method !== 'interest-first' &&
    method !== 'bullet' &&
    !METHODS.has(method)
  ) {
    return invalid('method', `method must be one of ${REPAYMENT_METHODS.join(', ')}`);
  }
  const feeProblem = validateFees(input.fees, input.termMonths);
  if (feeProblem) return feeProblem;
  if (input.cap !== undefined) {
    const cap = input.cap;
    if (typeof cap !== 'object' || cap === null) return invalid('cap', 'cap must be { rate, basis }');
    // A cap may lower the legal line, never raise it (cap.ts).
    const checked = checkCapRate(cap.rate, cap.basis, CAP_FIELDS);
    if (!checked.ok) return checked;
  }
  // Every amount must stay within MAX_FEN. Total interest is at most P·r·n for every method (a
  // level installment never exceeds the first equal-principal one), plus a fen of rounding a period.
  const n = input.termMonths;
  const fees = input.fees;
  let feeBound = 0;
  let upfront = 0;
  for (let i = 0; i < fees.length; i++) {
    const fee = fees[i]!;
    if (fee.kind === 'monthly') feeBound += fee.amountFen * n;
    else if (fee.kind === 'monthly-rate') feeBound += (input.principalFen * fee.rate + 1) * n;
    else {
      feeBound += fee.amountFen;
      if (fee.kind === 'upfront') upfront += fee.amountFen;
    }
  }
  const bound = input.principalFen * (1 + (input.rateAnnual / 12) * n) + n + feeBound;
  if (bound > MAX_FEN)
    return invalid('principalFen', `principal, interest and fees together would exceed ${MAX_FEN} fen`);
  if (upfront >= input.principalFen) {
    return err(
      'fees_exceed_principal',
      `upfront fees of ${upfront} fen leave nothing of the ${input.principalFen} fen principal to disburse`,
      'fees',
      {
        upfrontFeeFen: upfront,
        principalFen: input.principalFen,
      },
    );
  }
  return null;
}

/** Annual figures from a period rate; never NaN or Infinity for the rates the solver returns. */
export function aprOf(periodRate: number): Apr {
  // (1 + r)^12 by squaring: four multiplications, within a few ulps of Math.pow (1e-15 relative,
  // far below the solver's tolerance) at a twentieth of its cost; it runs for every quote.
  const growth = 1 + periodRate;
  const squared = growth * growth;
  const fourth = squared * squared;
  return { periodRate, nominal: periodRate * 12, effective: fourth * fourth * fourth - 1 };
}

/**
 * Price a loan. Expected rejections (bad input, fees that leave nothing to disburse, a cost beyond
 * the solver's range) come back as errors; a cost above the cap does NOT: the quote says so in
 * capCheck, and `enforceCap` turns that into `apr_exceeds_cap` for callers that must refuse.
 */
export function quote(input: QuoteInput, options: QuoteOptions = {}): Result<Quote, PricingErrorCode> {
  const problem = validateQuoteInput(input);
  if (problem) return problem;
  const n = input.termMonths;
  const lines = options.schedule !== false;
  const sums = lines
    ? fillSchedule(columns, input.principalFen, n, input.rateAnnual, input.method, input.fees)
    : fillPayments(columns.payment, input.principalFen, n, input.rateAnnual, input.method, input.fees);
  const disbursedFen = input.principalFen - sums.upfrontFeeFen;
  const periodRate = solvePeriodRate(columns.payment, n, disbursedFen);
  if (periodRate === UNSOLVABLE) {
    return err(
      'apr_unsolvable',
      'the fees are so large against the amount disbursed that no annual cost can be stated',
      'fees',
      {
        disbursedFen,
        paymentFen: sums.paymentFen,
      },
    );
  }
  const apr = aprOf(periodRate);
  const schedule: ScheduleLine[] = [];
  if (lines) {
    for (let t = 1; t <= n; t++) {
      schedule.push({
        period: t,
        principalFen: columns.principal[t]!,
        interestFen: columns.interest[t]!,
        feeFen: columns.fee[t]!,
        paymentFen: columns.payment[t]!,
        balanceFen: columns.balance[t]!,
      });
    }
  }
  return ok({
    schedule,
    totals: {
      principalFen: sums.principalFen,
      interestFen: sums.interestFen,
      feeFen: sums.periodicFeeFen + sums.upfrontFeeFen,
      paymentFen: sums.paymentFen,
      disbursedFen,
    },
    apr,
    capCheck: checkCap(apr, input.cap ?? DEFAULT_CAP),
    loan: {
      principalFen: input.principalFen,
      termMonths: n,
      rateAnnual: input.rateAnnual,
      method: input.method,
    },
  });
}

// The cap rules (checkCap, enforceCap, the judicial check) are in cap.ts; re-exported for callers.
export { checkCap, checkJudicialCeiling, costOn, enforceCap } from './cap.ts';
export { percent } from './format.ts';
