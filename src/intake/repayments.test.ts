// The repayments core: due dates in the borrower's calendar, each installment's state from the
// events at a time, the early payoff formula checked against pricing's own schedule, the refusals,
// and a property test against a slow reference model (STYLE §9) on random repayment sequences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FeeLine, quote, type RepaymentMethod } from '../pricing/index.ts';
import {
  allocateRepayment,
  checkRepayment,
  daysBetween,
  dueDateOf,
  earlyPayoff,
  installmentStates,
  type LoanTerms,
  type RepaymentEvent,
  type RepaymentInput,
  shanghaiDate,
} from './repayments.ts';

const BOOKED = new Date('2026-04-01T02:00:00Z'); // 10:00 in Shanghai, 1 April
const DAY = 86_400_000;

function loanOf(
  options: {
    principalFen?: number;
    termMonths?: number;
    rateAnnual?: number;
    method?: RepaymentMethod;
    fees?: FeeLine[];
    bookedAt?: Date;
  } = {},
): LoanTerms {
  const priced = quote({
    principalFen: options.principalFen ?? 1_200_000,
    termMonths: options.termMonths ?? 12,
    rateAnnual: options.rateAnnual ?? 0.12,
    method: options.method ?? 'equal-installment',
    fees: options.fees ?? [],
  });
  if (!priced.ok) throw new Error(priced.message);
  return {
    bookedAt: options.bookedAt ?? BOOKED,
    rateAnnual: options.rateAnnual ?? 0.12,
    schedule: priced.value.schedule,
  };
}

/** The Shanghai calendar day at noon, as an instant. */
const noonOn = (date: string) => new Date(`${date}T04:00:00Z`);

function accept(loan: LoanTerms, events: RepaymentEvent[], input: RepaymentInput, now = input.paidAt) {
  const checked = checkRepayment(loan, events, input, now);
  if (!checked.ok) throw new Error(`${checked.code}: ${checked.message}`);
  const event = { repaymentId: `r${events.length + 1}`, ...input };
  events.push(event);
  return checked.value;
}

describe('due dates (Asia/Shanghai)', () => {
  it('are the same day of the month, or the last day of a shorter month', () => {
    expect(dueDateOf(BOOKED, 1)).toBe('2026-05-01');
    expect(dueDateOf(BOOKED, 12)).toBe('2027-04-01');
    const endOfJanuary = new Date('2026-01-31T03:00:00Z');
    expect(dueDateOf(endOfJanuary, 1)).toBe('2026-02-28');
    expect(dueDateOf(endOfJanuary, 2)).toBe('2026-03-31');
    expect(dueDateOf(new Date('2027-01-31T03:00:00Z'), 13)).toBe('2028-02-29'); // leap year
  });

  it('count the Shanghai day: 20:00 UTC on the 31st is already the 1st in Shanghai', () => {
    const late = new Date('2026-03-31T20:00:00Z');
    expect(shanghaiDate(late)).toBe('2026-04-01');
    expect(dueDateOf(late, 1)).toBe('2026-05-01');
    expect(daysBetween('2026-04-01', '2026-05-01')).toBe(30);
  });
});

describe('installment states', () => {
  it('are due, then overdue from the day after the due date, partly paid, then paid', () => {
    const loan = loanOf();
    const events: RepaymentEvent[] = [];
    const first = loan.schedule[0]!;
    const onDueDay = new Date('2026-05-01T15:59:59Z'); // 23:59:59 in Shanghai
    expect(installmentStates(loan, events, onDueDay).installments[0]!.state).toBe('due');
    const dayAfter = new Date('2026-05-01T16:00:00Z'); // 00:00 on 2 May in Shanghai
    expect(installmentStates(loan, events, dayAfter).installments[0]!.state).toBe('overdue');
    accept(loan, events, { kind: 'partial', installmentNo: 1, amountFen: 100, paidAt: noonOn('2026-04-20') });
    const partly = installmentStates(loan, events, noonOn('2026-04-21'));
    expect(partly.installments[0]).toMatchObject({
      state: 'partly-paid',
      paidFen: 100,
      remainingFen: first.paymentFen - 100,
    });
    // partly paid and past its date: overdue
    expect(installmentStates(loan, events, dayAfter).installments[0]!.state).toBe('overdue');
    const settled = accept(loan, events, {
      kind: 'installment',
      installmentNo: 1,
      amountFen: first.paymentFen - 100,
      paidAt: noonOn('2026-05-03'),
    });
    expect(settled.settled).toEqual([{ installmentNo: 1, state: 'paid' }]);
    const after = installmentStates(loan, events, noonOn('2026-05-03'));
    expect(after.installments[0]).toMatchObject({ state: 'paid', remainingFen: 0 });
    expect(after.outstandingPrincipalFen).toBe(loan.schedule[0]!.balanceFen);
    // an event after `now` does not count yet
    expect(installmentStates(loan, events, noonOn('2026-04-19')).installments[0]!.paidFen).toBe(0);
  });

  it('a write-off is the funder saying so: the installment is written off, the next ones go on', () => {
    const loan = loanOf();
    const events: RepaymentEvent[] = [];
    const owed = loan.schedule[0]!.paymentFen;
    const result = accept(loan, events, {
      kind: 'write-off',
      installmentNo: 1,
      amountFen: owed,
      paidAt: noonOn('2026-06-10'),
    });
    expect(result.settled).toEqual([{ installmentNo: 1, state: 'written-off' }]);
    const state = installmentStates(loan, events, noonOn('2026-06-10'));
    expect(state.installments[0]!.state).toBe('written-off');
    expect(state.installments[1]!.state).toBe('overdue');
    expect(state.writtenOffFen).toBe(owed);
    expect(state.paidFen).toBe(0);
  });
});

describe('early payoff', () => {
  it('on a due date, after paying that installment, is the balance pricing says is left', () => {
    for (const method of ['equal-installment', 'equal-principal', 'interest-first'] as const) {
      const loan = loanOf({ method });
      const events: RepaymentEvent[] = [];
      for (let t = 1; t <= 3; t++)
        accept(loan, events, {
          kind: 'installment',
          installmentNo: t,
          amountFen: loan.schedule[t - 1]!.paymentFen,
          paidAt: noonOn(dueDateOf(BOOKED, t)),
        });
      const payoff = earlyPayoff(loan, events, noonOn(dueDateOf(BOOKED, 3)));
      expect(payoff.accrual.days).toBe(0);
      expect(payoff.totalFen).toBe(loan.schedule[2]!.balanceFen);
    }
  });

  it("a whole 30-day period accrues exactly the schedule's interest for it (1 May → 31 May is 30 days)", () => {
    const loan = loanOf({ rateAnnual: 0.18 });
    const events: RepaymentEvent[] = [];
    accept(loan, events, {
      kind: 'installment',
      installmentNo: 1,
      amountFen: loan.schedule[0]!.paymentFen,
      paidAt: noonOn('2026-05-01'),
    });
    const payoff = earlyPayoff(loan, events, noonOn('2026-05-31'));
    expect(payoff.accrual).toEqual({
      from: '2026-05-01',
      days: 30,
      principalFen: loan.schedule[0]!.balanceFen,
    });
    // 30 days at rateAnnual/360 a day is the month's rateAnnual/12: pricing's own interest line
    expect(payoff.interestFen).toBe(loan.schedule[1]!.interestFen);
    // and never more than the schedule charges, even over a 31-day month
    const longer = loanOf({ rateAnnual: 0.18, bookedAt: new Date('2026-07-01T02:00:00Z') });
    const afterJuly = earlyPayoff(longer, [], noonOn('2026-07-31'));
    expect(afterJuly.accrual.days).toBe(30);
    expect(earlyPayoff(longer, [], noonOn('2026-07-31')).interestFen).toBeLessThanOrEqual(
      longer.schedule[0]!.interestFen,
    );
  });

  it('halfway through a period: principal + interest by the day, rounded half-up once', () => {
    const loan = loanOf({
      principalFen: 1_000_000,
      rateAnnual: 0.12,
      fees: [{ kind: 'monthly', amountFen: 500 }],
    });
    const payoff = earlyPayoff(loan, [], noonOn('2026-04-16'));
    // 15 days on ¥10,000 at 12%/360 a day = 1,000,000 × 0.12 × 15 / 360 = 5,000 fen exactly; the current period's fee 500
    expect(payoff).toMatchObject({
      arrearsFen: 0,
      principalFen: 1_000_000,
      interestFen: 5_000,
      feeFen: 500,
      totalFen: 1_005_500,
    });
  });

  it('bullet loans accrue from the booking day, capped at the one interest line', () => {
    const loan = loanOf({ method: 'bullet', termMonths: 6, rateAnnual: 0.12, principalFen: 1_000_000 });
    const payoff = earlyPayoff(loan, [], noonOn('2026-05-01'));
    expect(payoff.accrual).toMatchObject({ from: '2026-04-01', days: 30 });
    expect(payoff.interestFen).toBe(10_000);
    // the day before the end, 182 days have passed: more than the 180 the schedule charges for
    const late = earlyPayoff(loan, [], noonOn('2026-09-30'));
    expect(late.accrual.days).toBe(182);
    expect(late.interestFen).toBe(loan.schedule[5]!.interestFen); // capped: 60,000, not 60,667
    expect(late.interestFen).toBe(60_000);
  });

  it('a bullet loan without fees is repaid at the end: the months asking nothing are paid, never overdue', () => {
    const loan = loanOf({ method: 'bullet', termMonths: 3, principalFen: 1_000_000 });
    const end = noonOn(dueDateOf(BOOKED, 3));
    const before = installmentStates(loan, [], end);
    expect(before.installments.map((i) => i.state)).toEqual(['paid', 'paid', 'due']);
    const events: RepaymentEvent[] = [];
    const result = accept(loan, events, {
      kind: 'installment',
      installmentNo: 3,
      amountFen: loan.schedule[2]!.paymentFen,
      paidAt: end,
    });
    expect(result.settled).toEqual([{ installmentNo: 3, state: 'paid' }]);
    expect(result.after).toMatchObject({ settled: true, outstandingPrincipalFen: 0 });
  });

  it('pays the arrears in full and closes the future installments', () => {
    const loan = loanOf();
    const events: RepaymentEvent[] = [];
    const at = noonOn('2026-06-15'); // installments 1 and 2 are past due
    const payoff = earlyPayoff(loan, events, at);
    expect(payoff.arrearsFen).toBe(loan.schedule[0]!.paymentFen + loan.schedule[1]!.paymentFen);
    const result = accept(loan, events, {
      kind: 'early-payoff',
      installmentNo: null,
      amountFen: payoff.totalFen,
      paidAt: at,
    });
    expect(result.settled.slice(0, 3)).toEqual([
      { installmentNo: 1, state: 'paid' },
      { installmentNo: 2, state: 'paid' },
      { installmentNo: 3, state: 'closed' },
    ]);
    expect(result.settled).toHaveLength(12);
    const state = installmentStates(loan, events, at);
    expect(state.outstandingPrincipalFen).toBe(0);
    expect(state.closedAt).toEqual(at);
    const again = checkRepayment(
      loan,
      events,
      { kind: 'partial', installmentNo: 3, amountFen: 1, paidAt: at },
      at,
    );
    expect(again.ok || again.code).toBe('loan_closed');
  });
});

describe('refusals, in precedence order', () => {
  const loan = loanOf();
  const now = noonOn('2026-05-10');
  const refuse = (input: Partial<RepaymentInput>, events: RepaymentEvent[] = []) => {
    const result = checkRepayment(
      loan,
      events,
      { kind: 'partial', installmentNo: 1, amountFen: 100, paidAt: now, ...input },
      now,
    );
    return result.ok ? 'accepted' : result.code;
  };
  it('refuses what the rules forbid, and accepts the rest', () => {
    expect(refuse({})).toBe('accepted');
    expect(refuse({ paidAt: new Date(BOOKED.getTime() - 1) })).toBe('repayment_dated_before_booking');
    expect(refuse({ paidAt: new Date(now.getTime() + 1) })).toBe('repayment_dated_in_future');
    expect(refuse({ installmentNo: 13 })).toBe('installment_not_found');
    expect(refuse({ installmentNo: null })).toBe('installment_not_found');
    expect(refuse({ installmentNo: 2 })).toBe('installment_not_next');
    expect(refuse({ kind: 'write-off', installmentNo: 2, amountFen: loan.schedule[1]!.paymentFen })).toBe(
      'accepted',
    );
    expect(refuse({ amountFen: loan.schedule[0]!.paymentFen + 1 })).toBe('repayment_exceeds_due');
    expect(refuse({ kind: 'installment', amountFen: 5 })).toBe('repayment_amount_mismatch');
    expect(refuse({ kind: 'early-payoff', installmentNo: null, amountFen: 5 })).toBe(
      'repayment_amount_mismatch',
    );
    expect(refuse({ kind: 'early-payoff', installmentNo: null, amountFen: 100_000_000 })).toBe(
      'repayment_exceeds_due',
    );
    const later: RepaymentEvent[] = [
      { repaymentId: 'x', kind: 'partial', installmentNo: 1, amountFen: 1, paidAt: now },
    ];
    expect(refuse({ paidAt: new Date(now.getTime() - DAY) }, later)).toBe('repayment_dated_before_last');
    const paid: RepaymentEvent[] = [
      {
        repaymentId: 'x',
        kind: 'installment',
        installmentNo: 1,
        amountFen: loan.schedule[0]!.paymentFen,
        paidAt: now,
      },
    ];
    expect(refuse({}, paid)).toBe('installment_settled');
  });
});

// ---- property: random sequences against a reference model ----

/**
 * The slow, obvious model: per installment what was paid and whether it is written off or closed,
 * updated by hand from each accepted event; overdue recomputed from the dates at the end.
 */
function reference(loan: LoanTerms, events: RepaymentEvent[], now: Date) {
  const paid = loan.schedule.map(() => 0);
  // a line asking nothing is paid from the start
  const end: Array<null | 'paid' | 'written-off' | 'closed'> = loan.schedule.map((l) =>
    l.paymentFen === 0 ? 'paid' : null,
  );
  for (const e of events) {
    if (e.kind === 'early-payoff') {
      for (let i = 0; i < paid.length; i++) {
        if (end[i] !== null) continue;
        if (dueDateOf(loan.bookedAt, i + 1) <= shanghaiDate(e.paidAt)) {
          paid[i] = loan.schedule[i]!.paymentFen;
          end[i] = 'paid';
        } else end[i] = 'closed';
      }
    } else if (e.kind === 'write-off') end[e.installmentNo! - 1] = 'written-off';
    else {
      paid[e.installmentNo! - 1]! += e.amountFen;
      if (paid[e.installmentNo! - 1] === loan.schedule[e.installmentNo! - 1]!.paymentFen)
        end[e.installmentNo! - 1] = 'paid';
    }
  }
  const today = shanghaiDate(now);
  return loan.schedule.map((line, i) => {
    if (end[i] !== null) return end[i];
    if (dueDateOf(loan.bookedAt, line.period) < today) return 'overdue';
    return paid[i]! > 0 ? 'partly-paid' : 'due';
  });
}

const METHODS: RepaymentMethod[] = ['equal-installment', 'equal-principal', 'interest-first', 'bullet'];

describe('random repayment sequences (fast-check)', () => {
  it('state equals the reference model; outstanding never negative; paid never above due; whole fen', () => {
    fc.assert(
      fc.property(
        fc.record({
          principalFen: fc.integer({ min: 1_000, max: 50_000_000 }),
          termMonths: fc.integer({ min: 1, max: 24 }),
          rateAnnual: fc.integer({ min: 0, max: 2_400 }).map((bp) => bp / 10_000),
          method: fc.constantFrom(...METHODS),
          monthlyFeeFen: fc.integer({ min: 0, max: 2_000 }),
        }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('installment', 'partial', 'partial', 'early-payoff', 'write-off'),
            installment: fc.integer({ min: 0, max: 25 }),
            share: fc.double({ min: 0, max: 1.2, noNaN: true }),
            daysLater: fc.integer({ min: 0, max: 40 }),
          }),
          { maxLength: 40 },
        ),
        (terms, steps) => {
          const loan = loanOf({
            principalFen: terms.principalFen,
            termMonths: terms.termMonths,
            rateAnnual: terms.rateAnnual,
            method: terms.method,
            fees: terms.monthlyFeeFen > 0 ? [{ kind: 'monthly', amountFen: terms.monthlyFeeFen }] : [],
          });
          const events: RepaymentEvent[] = [];
          let at = BOOKED.getTime();
          const totalDue = loan.schedule.reduce((s, l) => s + l.paymentFen, 0);
          const scheduled = (key: 'feeFen' | 'interestFen' | 'principalFen') =>
            loan.schedule.reduce((s, l) => s + l[key], 0);
          const collected = { feeFen: 0, interestFen: 0, principalFen: 0 };
          let writtenOff = false;
          for (const step of steps) {
            at += step.daysLater * DAY;
            const paidAt = new Date(at);
            const before = installmentStates(loan, events, paidAt);
            const open = before.installments.find((i) => i.remainingFen > 0);
            const target = step.installment === 0 && open ? open.installmentNo : step.installment;
            const remaining = before.installments[target - 1]?.remainingFen ?? 1;
            const amountFen =
              step.kind === 'early-payoff'
                ? earlyPayoff(loan, events, paidAt).totalFen + (step.share > 1.1 ? 1 : 0)
                : Math.max(1, Math.round(remaining * step.share));
            const input: RepaymentInput = {
              kind: step.kind as RepaymentInput['kind'],
              installmentNo: step.kind === 'early-payoff' ? null : target,
              amountFen,
              paidAt,
            };
            const checked = checkRepayment(loan, events, input, paidAt);
            if (checked.ok) {
              // 先费后息再本: the parts sum to the amount (asserted inside), a write-off collects nothing
              const part = allocateRepayment(loan, events, input);
              collected.feeFen += part.feeFen;
              collected.interestFen += part.interestFen;
              collected.principalFen += part.principalFen;
              if (input.kind === 'write-off') writtenOff = true;
              events.push({ repaymentId: `r${events.length}`, ...input });
            }
            const state = installmentStates(loan, events, paidAt);
            expect(state.installments.map((i) => i.state)).toEqual(reference(loan, events, paidAt));
            if (checked.ok) expect(checked.value.after).toEqual(state);
            expect(state.outstandingPrincipalFen).toBeGreaterThanOrEqual(0);
            expect(state.outstandingPrincipalFen).toBeLessThanOrEqual(terms.principalFen);
            expect(state.paidFen + state.writtenOffFen).toBeLessThanOrEqual(totalDue);
            for (const i of state.installments) {
              expect(i.paidFen).toBeLessThanOrEqual(i.dueFen);
              expect(i.remainingFen).toBeGreaterThanOrEqual(0);
              expect(Number.isSafeInteger(i.paidFen) && Number.isSafeInteger(i.remainingFen)).toBe(true);
            }
            expect(Number.isSafeInteger(state.paidFen)).toBe(true);
            // never more fee or interest than the schedule charges; principal collected and still
            // owed add up to the principal lent (while nothing is written off)
            expect(collected.feeFen).toBeLessThanOrEqual(scheduled('feeFen'));
            expect(collected.interestFen).toBeLessThanOrEqual(scheduled('interestFen'));
            if (!writtenOff)
              expect(collected.principalFen + state.outstandingPrincipalFen).toBe(scheduled('principalFen'));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('allocation of a repayment (先费后息再本, 民法典 第五百六十一条)', () => {
  // ¥12,000 over 12 months at 12% a year with a ¥3 monthly fee: period 1 charges
  // fee 300 and interest 1,200,000 × 0.12 / 12 = 12,000 fen (computed by hand).
  const loan = loanOf({ fees: [{ kind: 'monthly', amountFen: 300 }] });
  const line = loan.schedule[0]!;
  const at = (days: number) => new Date(BOOKED.getTime() + days * DAY);

  it('covers the fee, then the interest, then the principal, across partial payments', () => {
    expect([line.feeFen, line.interestFen]).toEqual([300, 12_000]);
    const events: RepaymentEvent[] = [];
    const first = { kind: 'partial' as const, installmentNo: 1, amountFen: 5_000, paidAt: at(10) };
    // 5,000 = fee 300 + interest 4,700 (of 12,000), nothing to principal
    expect(allocateRepayment(loan, events, first)).toEqual({
      feeFen: 300,
      interestFen: 4_700,
      principalFen: 0,
    });
    accept(loan, events, first);
    const second = { kind: 'partial' as const, installmentNo: 1, amountFen: 10_000, paidAt: at(12) };
    // 10,000 = the interest left, 12,000 − 4,700 = 7,300, then 2,700 of principal
    expect(allocateRepayment(loan, events, second)).toEqual({
      feeFen: 0,
      interestFen: 7_300,
      principalFen: 2_700,
    });
    accept(loan, events, second);
    const rest = line.paymentFen - 15_000;
    const third = { kind: 'installment' as const, installmentNo: 1, amountFen: rest, paidAt: at(20) };
    // the rest is principal only: 2,700 + rest = the line's principal
    expect(allocateRepayment(loan, events, third)).toEqual({ feeFen: 0, interestFen: 0, principalFen: rest });
    expect(2_700 + rest).toBe(line.principalFen);
  });

  it('a write-off collects nothing; an early payoff on the booking day is all principal', () => {
    const writeOff = {
      kind: 'write-off' as const,
      installmentNo: 1,
      amountFen: line.paymentFen,
      paidAt: at(40),
    };
    expect(allocateRepayment(loan, [], writeOff)).toEqual({ feeFen: 0, interestFen: 0, principalFen: 0 });
    // paid off the day it was booked: no day of interest accrued; the current period's fee, 300
    const payoff = earlyPayoff(loan, [], BOOKED);
    expect(payoff.interestFen).toBe(0);
    const input = {
      kind: 'early-payoff' as const,
      installmentNo: null,
      amountFen: payoff.totalFen,
      paidAt: BOOKED,
    };
    expect(allocateRepayment(loan, [], input)).toEqual({
      feeFen: 300,
      interestFen: 0,
      principalFen: 1_200_000,
    });
  });
});
