// Over 500 lines because the allocation of a repayment (先费后息再本) shares the replay of the
// installments with the state and the early payoff; apart, the three could drift.
// Repayments' pure core: due dates, each installment's state and the loan's outstanding principal
// derived from the booked schedule and the accepted repayment events at a given time, the early
// payoff amount, and the rules a new repayment must pass. No storage, no clock of its own: the
// state is a function of (loan, events, now), so the service, the reminders and the tests all
// compute the same thing (ADR 0080).
import { assert, err, MS_PER_DAY, ok, type Result, rateOfFen } from '../kernel/index.ts';
import type { ScheduleLine } from '../pricing/index.ts';

export const REPAYMENT_KINDS = ['installment', 'partial', 'early-payoff', 'write-off'] as const;
export type RepaymentKind = (typeof REPAYMENT_KINDS)[number];

export const INSTALLMENT_STATES = ['due', 'paid', 'partly-paid', 'overdue', 'written-off', 'closed'] as const;
export type InstallmentState = (typeof INSTALLMENT_STATES)[number];
/** How a settled installment was settled (the `installment.settled` event's state). */
export type SettledState = 'paid' | 'closed' | 'written-off';

/** The most repayment events one loan may carry (STYLE §8): 360 installments, each in a few parts. */
export const REPAYMENTS_PER_LOAN_MAX = 2_000;

/**
 * Due dates and "overdue" are counted in the borrower's calendar: Asia/Shanghai, UTC+8 all year
 * (China has kept no daylight saving time since 1991), so a fixed offset is exact.
 */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Days a year for interest accrued by the day: 日利率 = 年利率 ÷ 360, the PBOC convention. */
export const DAYS_PER_YEAR_FOR_INTEREST = 360;

/** What the core needs of a booked loan. */
export interface LoanTerms {
  bookedAt: Date;
  rateAnnual: number;
  schedule: readonly ScheduleLine[];
}

/** An accepted repayment event (stored append-only in `repayments`). */
export interface RepaymentEvent {
  repaymentId: string;
  kind: RepaymentKind;
  /** installment, partial and write-off name one; early payoff none */
  installmentNo: number | null;
  amountFen: number;
  paidAt: Date;
}

export interface InstallmentView {
  installmentNo: number;
  /** the calendar day (Asia/Shanghai) it is due, YYYY-MM-DD */
  dueDate: string;
  principalFen: number;
  interestFen: number;
  feeFen: number;
  /** what the schedule asks: principal + interest + fee */
  dueFen: number;
  /** paid toward it (for a closed installment: what the payoff covered of it, see ADR 0080) */
  paidFen: number;
  /** still owed of it: 0 once settled */
  remainingFen: number;
  state: InstallmentState;
  settledAt: Date | null;
}

export interface LoanState {
  installments: InstallmentView[];
  /** principal not yet repaid (0 once the loan is closed, or all installments settled) */
  outstandingPrincipalFen: number;
  /** closed by early payoff */
  closedAt: Date | null;
  /** every installment settled (paid, written off or closed) */
  settled: boolean;
  paidFen: number;
  writtenOffFen: number;
}

// ---- calendar ----

/** The Asia/Shanghai calendar day of an instant, YYYY-MM-DD. */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Whole days from calendar day a to b (YYYY-MM-DD), b − a. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / MS_PER_DAY);
}

/**
 * Installment t is due t months after the booking, on the same day of the month in Asia/Shanghai,
 * or the month's last day when it has no such day (booked 31 January: due 28/29 February, 31 March).
 */
export function dueDateOf(bookedAt: Date, installmentNo: number): string {
  const local = new Date(bookedAt.getTime() + SHANGHAI_OFFSET_MS);
  const day = local.getUTCDate();
  const monthIndex = local.getUTCFullYear() * 12 + local.getUTCMonth() + installmentNo;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(day, lastDay))).toISOString().slice(0, 10);
}

// ---- the derivation ----

interface Working {
  line: ScheduleLine;
  dueDate: string;
  paidFen: number;
  state: 'open' | SettledState;
  settledAt: Date | null;
}

/** The events that count at `now`, in the order they happened (ties: as given, i.e. as accepted). */
function eventsAt(events: readonly RepaymentEvent[], now: Date): RepaymentEvent[] {
  return events
    .map((event, order) => ({ event, order }))
    .filter(({ event }) => event.paidAt.getTime() <= now.getTime())
    .sort((a, b) => a.event.paidAt.getTime() - b.event.paidAt.getTime() || a.order - b.order)
    .map(({ event }) => event);
}

function working(loan: LoanTerms): Working[] {
  return loan.schedule.map((line, index): Working => {
    assert(line.period === index + 1, 'schedule lines are periods 1..n in order');
    // A line that asks nothing (a bullet loan's months before the end, without fees) owes nothing:
    // it is paid as booked, never overdue, and never blocks the oldest-first rule.
    return {
      line,
      dueDate: dueDateOf(loan.bookedAt, line.period),
      paidFen: 0,
      state: line.paymentFen === 0 ? ('paid' as const) : ('open' as const),
      settledAt: null,
    };
  });
}

/** What one installment still owes. */
const remainingOf = (w: Working) => (w.state === 'open' ? w.line.paymentFen - w.paidFen : 0);

/**
 * Apply one event. The events given here were accepted by checkRepayment, so a violation is a bug
 * (asserted), not an expected rejection.
 */
function apply(loan: LoanTerms, rows: Working[], event: RepaymentEvent): void {
  if (event.kind === 'early-payoff') {
    const payoff = payoffOf(loan, rows, event.paidAt);
    assert(payoff.totalFen === event.amountFen, 'an accepted payoff paid exactly the payoff amount');
    const day = shanghaiDate(event.paidAt);
    for (const w of rows) {
      if (w.state !== 'open') continue;
      // what is already due is paid in full by the payoff; what is not yet due is closed
      if (w.dueDate <= day) {
        w.paidFen = w.line.paymentFen;
        w.state = 'paid';
      } else w.state = 'closed';
      w.settledAt = event.paidAt;
    }
    return;
  }
  const w = rows[(event.installmentNo ?? 0) - 1];
  assert(w && w.state === 'open', 'an accepted repayment names an open installment');
  const remaining = remainingOf(w);
  assert(event.amountFen >= 1 && event.amountFen <= remaining, 'an accepted amount is within what is due');
  if (event.kind === 'write-off') {
    w.state = 'written-off';
    w.settledAt = event.paidAt;
    return;
  }
  w.paidFen += event.amountFen;
  if (w.paidFen === w.line.paymentFen) {
    w.state = 'paid';
    w.settledAt = event.paidAt;
  }
}

function replay(loan: LoanTerms, events: readonly RepaymentEvent[], now: Date): Working[] {
  const rows = working(loan);
  for (const event of eventsAt(events, now)) apply(loan, rows, event);
  return rows;
}

/**
 * Each installment's state at `now` and the loan's outstanding principal. An open installment is
 * overdue from the day after its due date (Asia/Shanghai), partly paid or not; events dated after
 * `now` are not counted yet.
 */
export function installmentStates(loan: LoanTerms, events: readonly RepaymentEvent[], now: Date): LoanState {
  const rows = replay(loan, events, now);
  const today = shanghaiDate(now);
  let outstandingPrincipalFen = 0;
  let writtenOffFen = 0;
  let closedAt: Date | null = null;
  const installments = rows.map((w): InstallmentView => {
    let state: InstallmentState;
    if (w.state !== 'open') state = w.state;
    else if (w.dueDate < today) state = 'overdue';
    else state = w.paidFen > 0 ? 'partly-paid' : 'due';
    if (w.state === 'closed') closedAt = w.settledAt;
    if (w.state === 'written-off') writtenOffFen += w.line.paymentFen - w.paidFen;
    if (w.state === 'open') outstandingPrincipalFen += principalStillOwed(w);
    return {
      installmentNo: w.line.period,
      dueDate: w.dueDate,
      principalFen: w.line.principalFen,
      interestFen: w.line.interestFen,
      feeFen: w.line.feeFen,
      dueFen: w.line.paymentFen,
      paidFen: w.paidFen,
      remainingFen: remainingOf(w),
      state,
      settledAt: w.settledAt,
    };
  });
  // a payoff pays for several installments with one amount: paid is counted from the events
  let paidFen = 0;
  for (const event of eventsAt(events, now)) if (event.kind !== 'write-off') paidFen += event.amountFen;
  return {
    installments,
    outstandingPrincipalFen,
    closedAt,
    settled: rows.every((w) => w.state !== 'open'),
    paidFen,
    writtenOffFen,
  };
}

/** Within an installment a payment covers the fee, then the interest, then the principal (先费后息再本). */
function principalStillOwed(w: Working): number {
  const toPrincipal = Math.max(0, w.paidFen - w.line.feeFen - w.line.interestFen);
  return w.line.principalFen - Math.min(toPrincipal, w.line.principalFen);
}

/**
 * How one repayment divides into fee, interest and principal (先费后息再本): within an installment
 * the money covers the fee first, then the interest, then the principal. This is the statutory
 * default order of 民法典 第五百六十一条 (费用 → 利息 → 主债务, "除当事人另有约定外"), which the
 * industry applies to a schedule's fee, interest and principal; ADR 0091.
 */
export interface Allocation {
  feeFen: number;
  interestFen: number;
  principalFen: number;
}

/** What `amount` pays of an installment already paid `before`, fee first, then interest, then principal. */
function splitInstallment(line: ScheduleLine, before: number, amount: number): Allocation {
  const part = (from: number, size: number) =>
    Math.min(Math.max(0, before + amount - from), size) - Math.min(Math.max(0, before - from), size);
  const feeFen = part(0, line.feeFen);
  const interestFen = part(line.feeFen, line.interestFen);
  return { feeFen, interestFen, principalFen: amount - feeFen - interestFen };
}

/**
 * The allocation of a repayment that checkRepayment accepted, against the events accepted before
 * it. A write-off collects nothing (all zero). An early payoff pays each due installment's rest
 * (split as above), then the payoff's fee, accrued interest and principal (ADR 0080). The parts sum
 * to the amount (asserted).
 */
export function allocateRepayment(
  loan: LoanTerms,
  events: readonly RepaymentEvent[],
  input: RepaymentInput,
): Allocation {
  if (input.kind === 'write-off') return { feeFen: 0, interestFen: 0, principalFen: 0 };
  const rows = replay(loan, events, input.paidAt);
  let allocation: Allocation;
  if (input.kind === 'early-payoff') {
    const payoff = payoffOf(loan, rows, input.paidAt);
    const day = shanghaiDate(input.paidAt);
    allocation = {
      feeFen: payoff.feeFen,
      interestFen: payoff.interestFen,
      principalFen: payoff.principalFen,
    };
    for (const w of rows) {
      if (w.state !== 'open' || w.dueDate > day) continue;
      const due = splitInstallment(w.line, w.paidFen, remainingOf(w));
      allocation.feeFen += due.feeFen;
      allocation.interestFen += due.interestFen;
      allocation.principalFen += due.principalFen;
    }
  } else {
    const w = rows[(input.installmentNo ?? 0) - 1];
    assert(w !== undefined && w.state === 'open', 'an accepted repayment names an open installment');
    allocation = splitInstallment(w.line, w.paidFen, input.amountFen);
  }
  assert(
    allocation.feeFen + allocation.interestFen + allocation.principalFen === input.amountFen &&
      allocation.feeFen >= 0 &&
      allocation.interestFen >= 0 &&
      allocation.principalFen >= 0,
    'a repayment divides exactly into fee, interest and principal',
  );
  return allocation;
}

// ---- early payoff ----

export interface Payoff {
  /** what is due already (due date on or before the payoff day) and not paid */
  arrearsFen: number;
  /** principal of the installments not yet due, less what was paid ahead toward it */
  principalFen: number;
  /** interest accrued by the day since interest was last charged, less what was paid ahead toward it */
  interestFen: number;
  /** the current period's fee, less what was paid ahead toward it */
  feeFen: number;
  totalFen: number;
  /** the accrual: from which day, how many days, on what principal */
  accrual: { from: string; days: number; principalFen: number };
}

/**
 * The early payoff amount on the day of `at` (ADR 0080, docs/repayments.md):
 *   arrears + Σ principal of the not-yet-due installments
 *   + min(rateOfFen(P, rateAnnual × days / 360), the interest the schedule charges for those days)
 *   + the current period's fee, each less what was paid ahead toward it,
 * where P is the principal of the not-yet-due installments, days run from the last due date on
 * which interest was charged (the booking day if none) to the payoff day, and later periods' fees
 * and interest are not owed. One rounding, half-up to the fen, in rateOfFen.
 */
function payoffOf(loan: LoanTerms, rows: Working[], at: Date): Payoff {
  const day = shanghaiDate(at);
  let arrearsFen = 0;
  const future: Working[] = [];
  for (const w of rows) {
    if (w.state !== 'open') continue;
    if (w.dueDate <= day) arrearsFen += remainingOf(w);
    else future.push(w);
  }
  // interest was last charged on the last due date (on or before the payoff day) with interest in it
  let from = shanghaiDate(loan.bookedAt);
  for (const w of rows) if (w.dueDate <= day && w.line.interestFen > 0) from = w.dueDate;
  let principalFen = 0;
  let principalBaseFen = 0;
  let interestCapFen = 0;
  let interestPaidFen = 0;
  let feeFen = 0;
  let capReached = false;
  for (const [i, w] of future.entries()) {
    principalBaseFen += w.line.principalFen;
    principalFen += principalStillOwed(w);
    const feePaid = Math.min(w.paidFen, w.line.feeFen);
    const interestPaid = Math.min(Math.max(0, w.paidFen - w.line.feeFen), w.line.interestFen);
    if (i === 0) feeFen = w.line.feeFen - feePaid;
    if (!capReached) {
      // the accrual covers the periods up to the first not-yet-due one that charges interest
      interestCapFen += w.line.interestFen;
      interestPaidFen += interestPaid;
      if (w.line.interestFen > 0) capReached = true;
    }
  }
  const days = Math.max(0, daysBetween(from, day));
  const accruedFen = Math.min(
    rateOfFen(principalBaseFen, (loan.rateAnnual * days) / DAYS_PER_YEAR_FOR_INTEREST),
    interestCapFen,
  );
  const interestFen = Math.max(0, accruedFen - interestPaidFen);
  return {
    arrearsFen,
    principalFen,
    interestFen,
    feeFen,
    totalFen: arrearsFen + principalFen + interestFen + feeFen,
    accrual: { from, days, principalFen: principalBaseFen },
  };
}

/** The early payoff amount at `at`, after the accepted events. */
export function earlyPayoff(loan: LoanTerms, events: readonly RepaymentEvent[], at: Date): Payoff {
  return payoffOf(loan, replay(loan, events, at), at);
}

// ---- the rules for a new repayment ----

/** Expected rejections of a repayment against the loan's state, in order of precedence (STYLE §1). */
export type RepaymentRefusal =
  | 'repayment_dated_before_booking'
  | 'repayment_dated_in_future'
  | 'repayment_dated_before_last'
  | 'installment_not_found'
  | 'loan_closed'
  | 'installment_settled'
  | 'installment_not_next'
  | 'repayment_exceeds_due'
  | 'repayment_amount_mismatch';

export interface RepaymentInput {
  kind: RepaymentKind;
  installmentNo: number | null;
  amountFen: number;
  paidAt: Date;
}

export interface Accepted {
  /** installments this event settles, in order */
  settled: Array<{ installmentNo: number; state: SettledState }>;
  /** the state after the event, at the event's time */
  after: LoanState;
}

/**
 * Check a new repayment against the loan's accepted events at `now` (the clock). Events are accepted
 * in time order (a repayment dated before the loan's latest one is refused), so the stored order and
 * the time order agree. Installments are paid oldest first (先到期先还); write-offs may name any open
 * installment. `installment` pays exactly what the installment still owes, `partial` at most that,
 * `write-off` states exactly that amount written off, `early-payoff` pays exactly the payoff amount.
 */
export function checkRepayment(
  loan: LoanTerms,
  events: readonly RepaymentEvent[],
  input: RepaymentInput,
  now: Date,
): Result<Accepted, RepaymentRefusal> {
  const at = input.paidAt;
  if (at.getTime() < loan.bookedAt.getTime())
    return err('repayment_dated_before_booking', 'paidAt is before the loan was booked', 'paidAt', {
      bookedAt: loan.bookedAt.toISOString(),
    });
  if (at.getTime() > now.getTime())
    return err('repayment_dated_in_future', 'paidAt is later than now', 'paidAt');
  const last = events.reduce((max, e) => Math.max(max, e.paidAt.getTime()), Number.NEGATIVE_INFINITY);
  if (at.getTime() < last)
    return err(
      'repayment_dated_before_last',
      "paidAt is before the loan's latest recorded repayment; send repayments in the order they happened",
      'paidAt',
      { latestPaidAt: new Date(last).toISOString() },
    );
  const n = loan.schedule.length;
  if (input.kind !== 'early-payoff') {
    const no = input.installmentNo;
    if (no === null || !Number.isInteger(no) || no < 1 || no > n)
      return err('installment_not_found', `the loan has installments 1..${n}`, 'installmentNo');
  }
  const rows = replay(loan, events, at);
  if (rows.some((w) => w.state === 'closed'))
    return err('loan_closed', 'the loan was paid off early', 'loanId');
  if (rows.every((w) => w.state !== 'open'))
    return err('loan_closed', 'every installment of the loan is settled', 'loanId');
  let settled: Accepted['settled'];
  if (input.kind === 'early-payoff') {
    const payoff = payoffOf(loan, rows, at);
    if (input.amountFen > payoff.totalFen)
      return err('repayment_exceeds_due', 'the amount is above the payoff amount', 'amountFen', {
        payoffFen: payoff.totalFen,
      });
    if (input.amountFen !== payoff.totalFen)
      return err('repayment_amount_mismatch', 'an early payoff pays exactly the payoff amount', 'amountFen', {
        payoffFen: payoff.totalFen,
      });
    const day = shanghaiDate(at);
    settled = rows
      .filter((w) => w.state === 'open')
      .map((w) => ({ installmentNo: w.line.period, state: w.dueDate <= day ? 'paid' : 'closed' }));
  } else {
    const w = rows[input.installmentNo! - 1]!;
    if (w.state !== 'open')
      return err('installment_settled', `installment ${w.line.period} is ${w.state}`, 'installmentNo');
    const remaining = remainingOf(w);
    if (input.kind !== 'write-off') {
      const next = rows.find((r) => r.state === 'open')!;
      if (next !== w)
        return err(
          'installment_not_next',
          `installment ${next.line.period} is still open: installments are paid oldest first`,
          'installmentNo',
          { nextInstallmentNo: next.line.period },
        );
    }
    if (input.amountFen > remaining)
      return err(
        'repayment_exceeds_due',
        'the amount is above what the installment still owes',
        'amountFen',
        {
          remainingFen: remaining,
        },
      );
    if (input.kind !== 'partial' && input.amountFen !== remaining)
      return err(
        'repayment_amount_mismatch',
        `${input.kind} is exactly what the installment still owes`,
        'amountFen',
        { remainingFen: remaining },
      );
    settled =
      input.kind === 'write-off'
        ? [{ installmentNo: w.line.period, state: 'written-off' }]
        : input.amountFen === remaining
          ? [{ installmentNo: w.line.period, state: 'paid' }]
          : [];
  }
  const event: RepaymentEvent = { repaymentId: '', ...input };
  return ok({ settled, after: installmentStates(loan, [...events, event], at) });
}

/** The next installment still owed at `now`: its due date and what it still asks. */
export function nextDue(
  state: LoanState,
): { installmentNo: number; dueDate: string; remainingFen: number } | null {
  const next = state.installments.find((i) => i.remainingFen > 0);
  return next
    ? { installmentNo: next.installmentNo, dueDate: next.dueDate, remainingFen: next.remainingFen }
    : null;
}
