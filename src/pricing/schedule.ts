// Repayment schedules for the four methods, monthly periods, period rate = rateAnnual / 12.
// Each line is rounded to the fen once (half-up, through the kernel's rateOfFen/roundFen); the
// last installment absorbs the rounding so the principal sums exactly to the amount lent.
//
// Written for speed (routing prices every eligible offer): the lines go into preallocated typed
// arrays that the caller reads before the next call; nothing is allocated per period.
import type { FeeLine, RepaymentMethod } from '../catalog/model.ts';
import { assert, rateOfFen, roundFen, unreachable } from '../kernel/index.ts';
import { TERM_MONTHS_MAX } from './model.ts';

/** One schedule's columns, indexed by period 1..n (index 0 unused). Reused between calls. */
export interface ScheduleColumns {
  principal: Float64Array;
  interest: Float64Array;
  fee: Float64Array;
  payment: Float64Array;
  balance: Float64Array;
}

export function allocateColumns(): ScheduleColumns {
  const size = TERM_MONTHS_MAX + 1;
  return {
    principal: new Float64Array(size),
    interest: new Float64Array(size),
    fee: new Float64Array(size),
    payment: new Float64Array(size),
    balance: new Float64Array(size),
  };
}

export interface ScheduleSums {
  principalFen: number;
  interestFen: number;
  /** fees paid with the installments (upfront fees excluded) */
  periodicFeeFen: number;
  upfrontFeeFen: number;
  paymentFen: number;
}

/**
 * The installment of an equal-installment (等额本息) loan: P·r·(1+r)^n / ((1+r)^n − 1), or P/n at a
 * zero rate, rounded half-up to the fen.
 */
export function equalInstallmentFen(principalFen: number, periodRate: number, termMonths: number): number {
  if (periodRate === 0) return roundFen(principalFen / termMonths);
  // P·r / (1 − (1+r)^−n), with 1 − (1+r)^−n = −expm1(−n·log1p(r)): exact to a few ulps even for
  // rates so small that (1+r)^n − 1 would cancel to 0 and divide by zero.
  return roundFen((principalFen * periodRate) / -Math.expm1(-termMonths * Math.log1p(periodRate)));
}

/**
 * Fill `out` with the schedule for periods 1..termMonths and return the sums. Inputs must already be
 * validated (see quote.ts); violations here are bugs and assert.
 */
export function fillSchedule(
  out: ScheduleColumns,
  principalFen: number,
  termMonths: number,
  rateAnnual: number,
  method: RepaymentMethod,
  fees: readonly FeeLine[],
): ScheduleSums {
  const n = termMonths;
  assert(Number.isInteger(n) && n >= 1 && n <= TERM_MONTHS_MAX, 'term within 1..360');
  const periodRate = rateAnnual / 12;

  // Fees: the recurring part is the same every period; one-off fees land on their period.
  let upfrontFeeFen = 0;
  let recurringFeeFen = 0;
  for (let i = 0; i < fees.length; i++) {
    const fee = fees[i]!;
    if (fee.kind === 'upfront') upfrontFeeFen += fee.amountFen;
    else if (fee.kind === 'monthly') recurringFeeFen += fee.amountFen;
    else if (fee.kind === 'monthly-rate') recurringFeeFen += rateOfFen(principalFen, fee.rate); // on the original principal
  }
  const feeColumn = out.fee;
  for (let t = 1; t <= n; t++) feeColumn[t] = recurringFeeFen;
  for (let i = 0; i < fees.length; i++) {
    const fee = fees[i]!;
    if (fee.kind === 'once') feeColumn[fee.period] = feeColumn[fee.period]! + fee.amountFen;
  }

  const principal = out.principal;
  const interest = out.interest;
  let balance = principalFen;
  switch (method) {
    case 'equal-installment': {
      const installment = equalInstallmentFen(principalFen, periodRate, n);
      for (let t = 1; t < n; t++) {
        const interestFen = rateOfFen(balance, periodRate);
        // installment ≥ interest since both round the same way from P·r·(…) ≥ balance·r; the
        // clamp keeps tiny loans (where rounding dominates) from overpaying principal.
        const principalFenT = Math.min(Math.max(installment - interestFen, 0), balance);
        interest[t] = interestFen;
        principal[t] = principalFenT;
        balance -= principalFenT;
        out.balance[t] = balance;
      }
      break;
    }
    case 'equal-principal': {
      const share = roundFen(principalFen / n);
      for (let t = 1; t < n; t++) {
        const principalFenT = Math.min(share, balance);
        interest[t] = rateOfFen(balance, periodRate);
        principal[t] = principalFenT;
        balance -= principalFenT;
        out.balance[t] = balance;
      }
      break;
    }
    case 'interest-first': {
      const interestFen = rateOfFen(principalFen, periodRate);
      for (let t = 1; t < n; t++) {
        interest[t] = interestFen;
        principal[t] = 0;
        out.balance[t] = balance;
      }
      break;
    }
    case 'bullet': {
      for (let t = 1; t < n; t++) {
        interest[t] = 0;
        principal[t] = 0;
        out.balance[t] = balance;
      }
      break;
    }
    default:
      unreachable(method, 'repayment method');
  }
  // The last period repays what is left; bullet interest is simple interest over the whole term,
  // rounded once: P × rateAnnual × n / 12.
  principal[n] = balance;
  interest[n] =
    method === 'bullet' ? rateOfFen(principalFen, (rateAnnual * n) / 12) : rateOfFen(balance, periodRate);
  out.balance[n] = 0;

  let principalSum = 0;
  let interestSum = 0;
  let feeSum = 0;
  let paymentSum = 0;
  const payment = out.payment;
  for (let t = 1; t <= n; t++) {
    const paymentFen = principal[t]! + interest[t]! + feeColumn[t]!;
    payment[t] = paymentFen;
    principalSum += principal[t]!;
    interestSum += interest[t]!;
    feeSum += feeColumn[t]!;
    paymentSum += paymentFen;
  }
  assert(principalSum === principalFen, 'schedule principal sums to the amount lent');
  return {
    principalFen: principalSum,
    interestFen: interestSum,
    periodicFeeFen: feeSum,
    upfrontFeeFen,
    paymentFen: paymentSum,
  };
}

/**
 * The payments column alone (periods 1..termMonths into `payment`) and the sums: what a quote
 * without schedule lines needs (routing prices every eligible offer this way). Same rules and the
 * same kernel roundings, period by period, as fillSchedule, so the payments and sums are identical
 * to the fen (quote.test.ts checks that both paths agree); one pass, nothing else written.
 */
export function fillPayments(
  payment: Float64Array,
  principalFen: number,
  termMonths: number,
  rateAnnual: number,
  method: RepaymentMethod,
  fees: readonly FeeLine[],
): ScheduleSums {
  const n = termMonths;
  assert(Number.isInteger(n) && n >= 1 && n <= TERM_MONTHS_MAX, 'term within 1..360');
  const periodRate = rateAnnual / 12;
  let upfrontFeeFen = 0;
  let recurringFeeFen = 0;
  let onceFeeFen = 0;
  for (let i = 0; i < fees.length; i++) {
    const fee = fees[i]!;
    if (fee.kind === 'upfront') upfrontFeeFen += fee.amountFen;
    else if (fee.kind === 'monthly') recurringFeeFen += fee.amountFen;
    else if (fee.kind === 'monthly-rate') recurringFeeFen += rateOfFen(principalFen, fee.rate);
    else onceFeeFen += fee.amountFen;
  }
  // Every amount is whole fen below MAX_FEN (validated), so these sums are exact in any order.
  let balance = principalFen;
  let interestSum = 0;
  switch (method) {
    case 'equal-installment': {
      const installment = equalInstallmentFen(principalFen, periodRate, n);
      for (let t = 1; t < n; t++) {
        const interestFen = roundFen(balance * periodRate); // = rateOfFen: balance is whole fen in [0, P]
        let principalFenT = installment - interestFen;
        // Each period's interest waits on the last period's balance. Whole fen below 2^53 add up
        // exactly in any order, so (balance − installment) + interest is the same number as
        // balance − principal and needs one addition after the interest, not the clamp too.
        if (principalFenT >= 0 && principalFenT <= balance) balance = balance - installment + interestFen;
        else {
          principalFenT = Math.min(Math.max(principalFenT, 0), balance);
          balance -= principalFenT;
        }
        interestSum += interestFen;
        payment[t] = principalFenT + interestFen + recurringFeeFen;
      }
      break;
    }
    case 'equal-principal': {
      const share = roundFen(principalFen / n);
      for (let t = 1; t < n; t++) {
        const principalFenT = Math.min(share, balance);
        const interestFen = roundFen(balance * periodRate); // = rateOfFen: balance is whole fen in [0, P]
        balance -= principalFenT;
        interestSum += interestFen;
        payment[t] = principalFenT + interestFen + recurringFeeFen;
      }
      break;
    }
    case 'interest-first': {
      const interestFen = rateOfFen(principalFen, periodRate);
      for (let t = 1; t < n; t++) payment[t] = interestFen + recurringFeeFen;
      interestSum = interestFen * (n - 1);
      break;
    }
    case 'bullet': {
      for (let t = 1; t < n; t++) payment[t] = recurringFeeFen;
      break;
    }
    default:
      unreachable(method, 'repayment method');
  }
  const lastInterestFen =
    method === 'bullet' ? rateOfFen(principalFen, (rateAnnual * n) / 12) : rateOfFen(balance, periodRate);
  interestSum += lastInterestFen;
  payment[n] = balance + lastInterestFen + recurringFeeFen;
  for (let i = 0; i < fees.length; i++) {
    const fee = fees[i]!;
    if (fee.kind === 'once') payment[fee.period] = payment[fee.period]! + fee.amountFen;
  }
  const periodicFeeFen = recurringFeeFen * n + onceFeeFen;
  return {
    principalFen,
    interestFen: interestSum,
    periodicFeeFen,
    upfrontFeeFen,
    paymentFen: principalFen + interestSum + periodicFeeFen,
  };
}
